package io.sparkfast.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import io.sparkfast.jobs.config.ConfigLoader;
import io.sparkfast.jobs.report.RunReport;
import io.sparkfast.runtime.io.OutputCommitter;
import java.io.File;
import java.io.FileNotFoundException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The shared shape of every sparkfast job: common options, configuration loading, the Spark session, atomic outputs,
 * {@code metrics.json} and {@code manifest.json}, and the mapping of failures to {@link ExitCodes}. A job is a
 * subclass that names its config resources and implements {@link #runJob}.
 */
public abstract class JobCommand implements Callable<Integer> {

  private static final Logger logger = LoggerFactory.getLogger(JobCommand.class);

  /** Set to {@code true} (tests) to keep the Spark session alive between in-process runs. */
  public static final String REUSE_SESSION_PROPERTY = "sparkfast.session.reuse";

  @Spec CommandSpec spec;

  @Option(names = "--conf", paramLabel = "FILE", description = "Job configuration (HOCON); see conf/.")
  File conf;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a config key (repeatable); the value is HOCON (an unquoted path or URL is kept verbatim).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", required = true,
      description = "Output directory (any Hadoop path); written atomically, replaced on re-runs.")
  String out;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master when not set by spark-submit (default: ${DEFAULT-VALUE}).",
      defaultValue = "local[*]")
  String master;

  @Option(names = "--verbose", description = "Print stack traces on errors.")
  boolean verbose;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  /** Classpath resource holding every valid config key with its default. */
  protected abstract String referenceResource();

  /** Classpath resource used when no {@code --conf} is given, or null when {@code --conf} is required. */
  protected String defaultResource() {
    return null;
  }

  /**
   * Runs the job, writing its outputs through {@code out}.
   *
   * @return the metrics written to {@code metrics.json}
   */
  protected abstract Map<String, Object> runJob(SparkSession spark, Config config, OutputCommitter out)
      throws Exception;

  /** Input paths of this run, for the manifest. */
  protected List<String> inputs(Config config) {
    return List.of();
  }

  @Override
  public Integer call() {
    String name = spec.name();
    Instant started = Instant.now();
    OutputCommitter committer = null;
    SparkSession spark = null;
    try {
      if (conf == null && defaultResource() == null) {
        throw SparkfastException.config("--conf FILE is required for " + name);
      }
      Config config = ConfigLoader.load(referenceResource(), defaultResource(), conf, overrides);
      spark = session(name);
      committer = OutputCommitter.open(out, spark.sparkContext().hadoopConfiguration());
      Map<String, Object> metrics = runJob(spark, config, committer);
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      Map<String, Object> manifest = manifest(config, spark, started);
      committer.writeText("report.html", RunReport.render(name, metrics, manifest, plots(committer, spark)));
      committer.writeText("metrics.json", json.writeValueAsString(metrics) + "\n");
      committer.writeText("manifest.json", json.writeValueAsString(manifest) + "\n");
      committer.commit();
      spec.commandLine().getOut().println(name + ": wrote " + out);
      return ExitCodes.OK;
    } catch (Throwable t) {
      if (committer != null) {
        committer.abort();
      }
      SparkfastException e = classify(t);
      spec.commandLine().getErr().println("sparkfast " + name + ": error: " + e.getMessage());
      if (verbose) {
        t.printStackTrace(spec.commandLine().getErr());
      } else {
        logger.debug("sparkfast {} failed", name, t);
      }
      return e.kind().exitCode();
    } finally {
      if (spark != null && !Boolean.getBoolean(REUSE_SESSION_PROPERTY)) {
        spark.stop();
      }
    }
  }

  /** Every PNG the job wrote, in the work directory and in the local staging folder (non-local outputs). */
  private static List<RunReport.Plot> plots(OutputCommitter committer, SparkSession spark) throws java.io.IOException {
    List<RunReport.Plot> plots = new ArrayList<>(RunReport.collectPlots(committer.fileSystem(), committer.workDir()));
    if (committer.localStageDir() != null) {
      org.apache.hadoop.fs.FileSystem local =
          org.apache.hadoop.fs.FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
      plots.addAll(RunReport.collectPlots(local, new org.apache.hadoop.fs.Path(committer.localStageDir().toUri())));
    }
    return plots;
  }

  private SparkSession session(String name) {
    SparkSession.Builder b = SparkSession.builder().appName("sparkfast-" + name);
    if (!new SparkConf().contains("spark.master")) {
      b.master(master);
    }
    try {
      return b.getOrCreate();
    } catch (Exception e) { // SparkException, thrown undeclared from Scala
      if (e instanceof org.apache.spark.SparkException
          && String.valueOf(e.getMessage()).startsWith("Could not parse Master URL")) {
        // a typo in --master (or spark.master) fails the same way on every retry
        throw SparkfastException.config("--master " + master + ": " + oneLine(e.getMessage())
            + "; use local[N], spark://HOST:PORT, yarn or k8s://URL");
      }
      throw e;
    }
  }

  private Map<String, Object> manifest(Config config, SparkSession spark, Instant started) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", spec.name());
    m.put("started_at", started.toString());
    m.put("finished_at", Instant.now().toString());
    m.put("git_sha", System.getenv().getOrDefault("SPARKFAST_GIT_SHA", "unknown"));
    m.put("spark_version", spark.version());
    m.put("master", spark.sparkContext().master());
    m.put("inputs", inputs(config));
    m.put("out", out);
    m.put("config", config.root().unwrapped());
    return m;
  }

  /** Classifies any failure into a {@link SparkfastException} whose message is one line. */
  static SparkfastException classify(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SparkfastException se) {
        return se;
      }
      if (c instanceof InterruptedException) {
        return new SparkfastException(SparkfastException.Kind.CANCELLED, "cancelled", t);
      }
      if (c instanceof com.typesafe.config.ConfigException) {
        // a key read straight from the config with the wrong type or a bad value: configuration, not runtime
        return new SparkfastException(SparkfastException.Kind.CONFIG, "bad configuration: " + oneLine(c.getMessage()),
            t);
      }
    }
    // a malformed record (FAILFAST) surfaces when the rows are first read, wrapped in a task failure: bad input,
    // named by its file and the record itself
    String readFile = null;
    String malformed = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      String msg = String.valueOf(c.getMessage());
      if (readFile == null && msg.contains("[FAILED_READ_FILE")) {
        readFile = oneLine(msg).replaceFirst("^\\[[A-Z_.]+\\] ", "").replaceFirst("\\.?\\s*$", "");
      }
      if (msg.contains("[MALFORMED_")) {
        malformed = oneLine(msg);
      }
    }
    if (malformed != null) {
      return SparkfastException.input(readFile == null ? malformed : readFile + ": " + malformed, t);
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String msg = String.valueOf(c.getMessage());
      if (c instanceof AnalysisException || c instanceof FileNotFoundException
          || c instanceof IllegalArgumentException || msg.contains("USER_RAISED_EXCEPTION")) {
        return SparkfastException.input(oneLine(msg), t);
      }
      if (msg.contains("cancelled because SparkContext was shut down") || msg.contains("was cancelled")) {
        return new SparkfastException(SparkfastException.Kind.CANCELLED, oneLine(msg), t);
      }
    }
    return new SparkfastException(SparkfastException.Kind.RUNTIME, oneLine(t.toString()), t);
  }

  /** The first line of {@code message}, without Spark's error-class decoration. */
  public static String oneLine(String message) {
    String s = message == null ? "" : message.strip();
    int nl = s.indexOf('\n');
    s = nl < 0 ? s : s.substring(0, nl);
    // Spark's user-raised errors: "[USER_RAISED_EXCEPTION] <our message> SQLSTATE: P0001"
    s = s.replace("[USER_RAISED_EXCEPTION] ", "").replaceAll(" SQLSTATE: \\w+$", "");
    return s;
  }
}
