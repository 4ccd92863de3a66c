package io.sparkfast.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in-process and captures its exit code, stdout and stderr. */
public record CliRun(int exitCode, String out, String err) {

  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** Runs {@code sparkfast args...} as {@link #of(String...)} does, the arguments given as a list. */
  public static CliRun of(List<String> args) {
    return of(args.toArray(String[]::new));
  }

  /**
   * Returns {@code base} followed by {@code --set key=value} for each of {@code keyValues}, in order; {@code base}
   * itself is left as it is.
   */
  public static List<String> withSets(List<String> base, String... keyValues) {
    List<String> args = new ArrayList<>(base.size() + 2 * keyValues.length);
    args.addAll(base);
    for (String kv : keyValues) {
      args.add("--set");
      args.add(kv);
    }
    return args;
  }

  /** Reads {@code out/metrics.json}, the metrics a job wrote to its output folder {@code out}. */
  public static JsonNode metrics(Path out) throws IOException {
    return JSON.readTree(out.resolve("metrics.json").toFile());
  }

  /** The lines of stderr that the CLI printed as its error (log lines excluded). */
  public String errorLine() {
    return err.lines().filter(l -> l.startsWith("sparkfast ")).findFirst().orElse("");
  }
}
