package io.sparkfast.jobs.it;

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
    JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    assertTrue(m.get("valid").get("rmse").asDouble() < m.get("baseline").get("rmse").asDouble(), m.toString());
    JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
    assertEquals("spark://127.0.0.1:" + masterPort, manifest.get("master").asText());
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
