package io.sparkfast.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.internal.config.ConfigEntry$;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.Test;

/** The shipped Spark configuration files: every key is one Spark knows, and the values agree with our scripts. */
class ConfFilesTest {

  static final Path ROOT = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();

  /** Keys Spark accepts by pattern rather than by registration. */
  private static final Pattern DYNAMIC = Pattern.compile(
      "spark\\.executorEnv\\.[A-Z_]+|spark\\.(driver|executor|worker|task)\\.resource\\.gpu\\.(amount|discoveryScript|vendor)");

  @Test
  void gpuSparkDefaultsUseOnlyKnownKeys() throws Exception {
    for (String holder : List.of("org.apache.spark.internal.config.package$", "org.apache.spark.internal.config.Kryo$",
        "org.apache.spark.internal.config.Worker$")) {
      Class.forName(holder).getField("MODULE$").get(null); // registers their ConfigEntry objects
    }
    Map<String, String> props = scala.jdk.javaapi.CollectionConverters.asJava(
        Utils.getPropertiesFromFile(ROOT.resolve("conf/spark-defaults-gpu.conf").toString()));
    assertTrue(props.size() > 15, props.toString());
    for (String key : props.keySet()) {
      assertTrue(DYNAMIC.matcher(key).matches() || ConfigEntry$.MODULE$.findEntry(key) != null,
          "not a Spark setting: " + key);
    }
    assertEquals("1", props.get("spark.task.resource.gpu.amount"));
    assertEquals(props.get("spark.executor.cores"), props.get("spark.task.cpus"), "one GPU task per executor");
    // the Java options agree with what scripts/submit passes (scripts/lib.sh)
    Matcher m = Pattern.compile("SPARKFAST_JAVA_OPTS=\"([^\"]*)\"").matcher(Files.readString(ROOT.resolve("scripts/lib.sh")));
    assertTrue(m.find());
    assertEquals(m.group(1), props.get("spark.executor.extraJavaOptions"));
    assertEquals(m.group(1), props.get("spark.driver.extraJavaOptions"));
  }

  @Test
  void gpuDiscoveryScriptPrintsSparksResourceJson() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("scripts/gpu/getGpusResources.sh").toString());
    pb.environment().put("CUDA_VISIBLE_DEVICES", "0,3");
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    ResourceInformation info = ResourceInformation.parseJson(out);
    assertNotNull(info);
    assertEquals("gpu", info.name());
    assertEquals(List.of("0", "3"), List.of(info.addresses()));
  }
}
