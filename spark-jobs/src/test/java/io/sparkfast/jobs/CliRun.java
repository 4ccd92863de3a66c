package io.sparkfast.jobs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures its exit code, stdout and stderr. */
public record CliRun(int exitCode, String out, String err) {

  /** Runs {@code sparkfast args...}, keeping the Spark session alive for the next run. */
  public static synchronized CliRun of(String... args) {
    System.setProperty(JobCommand.REUSE_SESSION_PROPERTY, "true");
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = SparkfastCli.run(args);
      return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** The lines of stderr that the CLI printed as its error (log lines excluded). */
  public String errorLine() {
    return err.lines().filter(l -> l.startsWith("sparkfast ")).findFirst().orElse("");
  }
}
