package io.sparkfast.jobs;

/** Placeholder entry point; replaced by the picocli command tree. */
public final class SparkfastCli {
  private SparkfastCli() {}

  public static void main(String[] args) {}
}
