package io.sparkfast.jobs.it;

import static io.sparkfast.jobs.CliRun.metrics;
import static io.sparkfast.jobs.CliRun.withSets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submits {@code sparkfast tabular} through {@code scripts/submit} to a real standalone cluster started by
 * {@code scripts/local-cluster} (Master + 2 Workers; executors in separate JVMs), as a user would.
 */
@Tag("cluster")
class LocalClusterSubmitIT {

  @TempDir static Path dir;
  static Path root;
  static Map<String, String> env;
  static int masterPort;

  @BeforeAll
  static void startCluster() throws Exception {
    root = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();
    masterPort = freePort();
    env = Map.of(
        "SPARKFAST_CLUSTER_DIR", dir.resolve("cluster").toString(),
        "SPARKFAST_MASTER_PORT", String.valueOf(masterPort),
        "SPARKFAST_MASTER_UI_PORT", String.valueOf(freePort()),
        "SPARKFAST_WORKER_UI_PORT", String.valueOf(freePort()),
        "SPARKFAST_WORKER_MEMORY", "1g");
    Result r = exec(List.of(root.resolve("scripts/local-cluster").toString(), "start"), 180);
    assertEquals(0, r.code, r.output);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    exec(List.of(root.resolve("scripts/local-cluster").toString(), "stop"), 60);
  }

  @Test
  void tabularJobRunsOnTheStandaloneCluster() throws Exception {
    Random rnd = new Random(3);
    StringBuilder csv = new StringBuilder("id,x1,x2,y\n");
    for (int i = 0; i < 300; i++) {
      double x1 = rnd.nextDouble() * 10;
      double x2 = rnd.nextDouble();
      csv.append(String.format(Locale.ROOT, "%d,%.4f,%.4f,%.4f%n", i, x1, x2, 3 * x1 + rnd.nextGaussian()));
    }
    Path data = Files.writeString(dir.resolve("data.csv"), csv.toString());
    Path conf = Files.writeString(dir.resolve("job.conf"), String.join("\n",
        "input { path = \"" + data + "\", format = csv }",
        "target = y",
        "task = regression",
        "features = [x1, x2]",
        "keyColumns = [id]",
        "split { type = random, validFraction = 0.25, seed = 42 }",
        "model { type = rf, numTrees = 5 }"));
    Path out = dir.resolve("out");
    Result r = exec(List.of(root.resolve("scripts/submit").toString(), "--master", "spark://127.0.0.1:" + masterPort,
        "--executor-memory", "512m", "tabular", "--conf", conf.toString(), "--out", out.toString()), 420);
    assertEquals(0, r.code, r.output);
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    JsonNode m = metrics(out);
    assertTrue(m.get("valid").get("rmse").asDouble() < m.get("baseline").get("rmse").asDouble(), m.toString());
    JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
    assertEquals("spark://127.0.0.1:" + masterPort, manifest.get("master").asText());
  }

  /**
   * The data-parallel equivalence of {@code DataParallelTest}, on the standalone cluster: the two replicas run in the
   * two executor JVMs and all-reduce over TCP between processes; 2 x batch b must equal 1 x batch 2b within 1e-4.
   * The driver is this JVM; the executors get the job jar and a jar of the test classes.
   */
  @Test
  void dataParallelEquivalenceAcrossExecutorJvms() throws Exception {
    Path jobJar;
    try (var s = Files.list(root.resolve("spark-jobs/target"))) {
      jobJar = s.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst().orElseThrow();
    }
    Path testJar = dir.resolve("sparkfast-test-classes.jar");
    Path classes = root.resolve("spark-jobs/target/test-classes");
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(testJar)); var walk = Files.walk(classes)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new java.util.jar.JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    java.util.regex.Matcher opts = java.util.regex.Pattern.compile("SPARKFAST_JAVA_OPTS=\"([^\"]*)\"")
        .matcher(Files.readString(root.resolve("scripts/lib.sh")));
    assertTrue(opts.find());
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder()
        .master("spark://127.0.0.1:" + masterPort).appName("sparkfast-data-parallel-equivalence")
        .config("spark.jars", jobJar + "," + testJar)
        .config("spark.executor.extraJavaOptions", opts.group(1))
        .config("spark.executor.memory", "512m")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      org.apache.spark.api.java.JavaSparkContext sc =
          org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
      long deadline = System.currentTimeMillis() + 120_000; // both executors registered before the barrier stage
      while (sc.sc().getExecutorMemoryStatus().size() < 3 && System.currentTimeMillis() < deadline) {
        Thread.sleep(500);
      }
      // the driver and two executors of one core each: the 2-slot barrier stage must span both executor JVMs
      assertEquals(3, sc.sc().getExecutorMemoryStatus().size(), "block managers: driver + 2 executors");
      io.sparkfast.runtime.DataParallelTest.assertEquivalent(io.sparkfast.runtime.DataParallelEquivalence.run(sc));
    } finally {
      spark.stop();
    }
  }

  /**
   * Data-parallel fine-tuning with 2 replicas on the 2 executors; one executor JVM is killed (kill -9) once the first
   * checkpoint exists. Spark re-runs the barrier stage on a fresh executor, every replica resumes from the latest
   * checkpoint, and the final accuracy stays within 1 point of an undisturbed run.
   */
  @Test
  void finetuneSurvivesAKilledExecutor() throws Exception {
    Path images = io.sparkfast.jobs.vision.ShapeImages.write(dir.resolve("shapes"), 120, 30);
    List<String> base = withSets(List.of(root.resolve("scripts/submit").toString(), "--master",
        "spark://127.0.0.1:" + masterPort, "--executor-memory", "900m", "finetune", "--replicas", "2",
        "--conf", root.resolve("conf/fashion-mnist.conf").toString()), "data.format=folders",
        "data.path=\"" + images + "\"", "input.size=20", "input.presize=20", "input.channels=3", "train.batch_size=8",
        "train.epochs=4", "eval.tta=false", "eval.top_losses=4");
    Path calm = dir.resolve("ft-calm");
    List<String> calmCmd = new ArrayList<>(base);
    calmCmd.addAll(List.of("--out", calm.toString()));
    Result r0 = exec(calmCmd, 420);
    assertEquals(0, r0.code, r0.output);

    Path killed = dir.resolve("ft-killed");
    Path store = dir.resolve(".sparkfast-checkpoints");
    List<String> cmd = new ArrayList<>(base);
    cmd.addAll(List.of("--out", killed.toString()));
    java.util.concurrent.atomic.AtomicReference<String> victim = new java.util.concurrent.atomic.AtomicReference<>();
    Thread killer = killExecutorWhen(() -> {
      try (var walk = Files.walk(store)) {
        return walk.anyMatch(f -> f.getFileName().toString().equals("phase1.ckpt"));
      } catch (IOException e) {
        return false;
      }
    }, victim);
    Result r = exec(cmd, 600);
    killer.join(10_000);
    assertEquals(0, r.code, r.output);
    assertTrue(victim.get() != null && !victim.get().startsWith("error"), "an executor was killed: " + victim.get());
    JsonNode m = metrics(killed);
    JsonNode c = metrics(calm);
    assertTrue(m.get("stage_attempts").asInt() >= 2, m.toString());
    assertTrue(m.get("resumed_phases").asInt() >= 1, m.toString());
    double acc = m.get("valid").get("accuracy").asDouble();
    double calmAcc = c.get("valid").get("accuracy").asDouble();
    assertTrue(Math.abs(acc - calmAcc) <= 0.01, "killed run " + acc + " vs undisturbed " + calmAcc);
    assertTrue(calmAcc > c.get("baseline").get("accuracy").asDouble() + 0.3, c.toString());
  }

  /**
   * Scoring reliability on the standalone cluster: 2,000 PNGs plus 1% corrupt files; one executor JVM is killed
   * (kill -9) once it has loaded the model; then the same job runs again. Every run has exactly one row per file, the
   * corrupt files carry an error, and nothing is lost or duplicated.
   */
  @Test
  void scoringIsExactlyOnceThroughAKilledExecutorAndReruns() throws Exception {
    Path shapes = io.sparkfast.jobs.vision.ShapeImages.write(dir.resolve("score-shapes"), 1000, 10);
    Path trained = dir.resolve("score-model");
    Result t = exec(withSets(List.of(root.resolve("scripts/sparkfast").toString(), "train", "--master", "local[2]",
        "--conf", root.resolve("conf/fashion-mnist.conf").toString(), "--out", trained.toString()),
        "data.format=folders", "data.path=\"" + shapes + "\"", "data.limit_train=200", "input.size=20",
        "input.presize=20", "input.channels=3", "train.batch_size=16", "eval.tta=false", "eval.top_losses=0"), 300);
    assertEquals(0, t.code, t.output);
    Path in = shapes.resolve("train");
    for (int i = 0; i < 20; i++) {
      Files.writeString(in.resolve(i % 2 == 0 ? "bar" : "ring").resolve("corrupt-" + i + ".png"), "corrupt " + i);
    }
    long files;
    try (var w = Files.walk(in)) {
      files = w.filter(Files::isRegularFile).count();
    }
    assertEquals(2020, files);
    Path out = dir.resolve("scores");
    List<String> cmd = List.of(root.resolve("scripts/submit").toString(), "--master", "spark://127.0.0.1:" + masterPort,
        "--executor-memory", "900m", "score", "--model", trained.resolve("model").toString(), "--input", in.toString(),
        "--out", out.toString(), "--batch-size", "16", "--set", "score.partitions=8");
    java.util.concurrent.atomic.AtomicReference<String> victim = new java.util.concurrent.atomic.AtomicReference<>();
    Path work = dir.resolve("cluster/work");
    Thread killer = killExecutorWhen(() -> {
      try (var w = Files.walk(work)) {
        for (Path log : w.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
          String text = Files.readString(log);
          if (text.contains("Loaded model") && text.contains("ScoreJob")) {
            return true;
          }
        }
      } catch (IOException e) {
        return false;
      }
      return false;
    }, victim);
    Result r = exec(cmd, 600);
    killer.join(10_000);
    assertEquals(0, r.code, r.output);
    assertTrue(victim.get() != null && !victim.get().startsWith("error"), "an executor was killed: " + victim.get());
    for (int run = 0; run < 2; run++) {
      if (run == 1) {
        Result again = exec(cmd, 600);
        assertEquals(0, again.code, again.output);
      }
      JsonNode m = metrics(out);
      assertEquals(files, m.get("images").asLong(), m.toString());
      assertEquals(20, m.get("errors").asLong(), m.toString());
      assertEquals(files, m.get("exactly_once").get("distinct_paths").asLong());
    }
  }

  /**
   * The Airflow DAG's commands for one logical date (scripts/airflow): the DAG files compile with python3, then
   * {@code scripts/airflow/render} prints the weekly finetune and the daily score as scripts/submit lines, which run
   * on the cluster through bash and write the date-keyed outputs; re-running the score replaces its output cleanly.
   */
  @Test
  void airflowDagCommandsRunOnTheCluster() throws Exception {
    Path pycache = dir.resolve("pycache");
    Result compiled = exec(List.of("env", "PYTHONPYCACHEPREFIX=" + pycache, "python3", "-m", "py_compile",
        "scripts/airflow/sparkfast_dag.py", "scripts/airflow/sparkfast_tasks.py"), 60);
    assertEquals(0, compiled.code, compiled.output);
    Result libOpts = exec(List.of("bash", "-c", "source scripts/lib.sh && echo \"$SPARKFAST_JAVA_OPTS\""), 60);
    Result dagOpts = exec(List.of("env", "PYTHONDONTWRITEBYTECODE=1", "python3", "-c",
        "import sys; sys.path.insert(0, 'scripts/airflow'); import sparkfast_tasks; print(sparkfast_tasks.JAVA_OPTS)"),
        60);
    assertEquals(libOpts.output, dagOpts.output, "sparkfast_tasks.JAVA_OPTS is SPARKFAST_JAVA_OPTS of scripts/lib.sh");

    String ds = "2026-11-28";
    Path base = dir.resolve("airflow-base");
    Path partition = io.sparkfast.jobs.vision.ShapeImages.write(base.resolve("images/dt=" + ds), 24, 8);
    Path tiny = Files.writeString(dir.resolve("finetune-tiny.conf"), String.join("\n",
        "data { format = folders, seed = 42 }",
        "model.arch = resnet-tiny",
        "input { size = 20, presize = 20, channels = 3, norm = dataset }",
        "train { schedule = one_cycle, epochs = 1, lr = 3e-3, batch_size = 8 }",
        "eval { tta = false, top_losses = 0 }"));
    Path finetuneOut = base.resolve("models/finetune/dt=" + ds);
    Path scoreOut = base.resolve("scores/dt=" + ds);
    Result rendered = exec(List.of("scripts/airflow/render", "--date", ds,
        "--master", "spark://127.0.0.1:" + masterPort, "--task", "finetune", "--task", "score",
        "--param", "base=" + base, "--param", "finetune_conf=" + tiny,
        "--param", "score_conf=" + root.resolve("conf/score-daily.conf"), "--param", "train_data=" + partition,
        "--param", "model_dir=" + finetuneOut.resolve("model"), "--param", "executor_memory=900m"), 60);
    assertEquals(0, rendered.code, rendered.output);
    List<String> lines = rendered.output.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(2, lines.size(), rendered.output);
    assertTrue(lines.get(0).startsWith("scripts/submit ") && lines.get(0).contains(" finetune "), lines.get(0));
    assertTrue(lines.get(1).contains(" score ") && lines.get(1).contains("--input " + partition), lines.get(1));

    Result finetune = exec(List.of("bash", "-c", lines.get(0)), 420);
    assertEquals(0, finetune.code, finetune.output);
    assertTrue(Files.exists(finetuneOut.resolve("_SUCCESS")));
    assertTrue(Files.isDirectory(finetuneOut.resolve("model")));
    assertEquals(2, metrics(finetuneOut).get("replicas").asInt());

    for (int run = 0; run < 2; run++) {
      if (run == 1) {
        Files.writeString(scoreOut.resolve("stale-from-an-older-run.txt"), "replaced by the re-run");
      }
      Result score = exec(List.of("bash", "-c", lines.get(1)), 420);
      assertEquals(0, score.code, "run " + run + ": " + score.output);
      assertTrue(Files.exists(scoreOut.resolve("_SUCCESS")));
      assertTrue(Files.notExists(scoreOut.resolve("stale-from-an-older-run.txt")), "the re-run replaced the output");
      JsonNode m = metrics(scoreOut);
      assertEquals(64, m.get("images").asLong(), m.toString());
      assertEquals(0, m.get("errors").asLong(), m.toString());
      assertEquals(64, m.get("exactly_once").get("distinct_paths").asLong(), m.toString());
    }
  }

  /** Starts a thread that kill -9s one executor JVM as soon as {@code condition} holds; the pid goes to victim. */
  static Thread killExecutorWhen(java.util.function.BooleanSupplier condition,
      java.util.concurrent.atomic.AtomicReference<String> victim) {
    Thread killer = new Thread(() -> {
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
          if (condition.getAsBoolean()) {
            Process pg = new ProcessBuilder("pgrep", "-f", "CoarseGrainedExecutorBackend").start();
            String pids = new String(pg.getInputStream().readAllBytes()).trim();
            if (!pids.isEmpty()) {
              String pid = pids.split("\\s+")[0];
              new ProcessBuilder("kill", "-9", pid).start().waitFor();
              victim.set(pid);
              return;
            }
          }
          Thread.sleep(100);
        }
      } catch (Exception e) {
        victim.set("error: " + e);
      }
    });
    killer.start();
    return killer;
  }

  record Result(int code, String output) {}

  static Result exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
    File log = Files.createTempFile(dir, "exec", ".log").toFile();
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).redirectOutput(log);
    pb.environment().putAll(env);
    pb.directory(root.toFile());
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, "timed out after " + timeoutSeconds + " s: " + cmd + "\n" + Files.readString(log.toPath()));
    }
    String output = Files.readString(log.toPath());
    return new Result(p.exitValue(), output.length() > 20000 ? output.substring(output.length() - 20000) : output);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
