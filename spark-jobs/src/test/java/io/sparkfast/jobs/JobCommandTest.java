package io.sparkfast.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Failures every job shares: how a bad configuration value is reported, whichever job reads it. */
@ExtendWith(StopSparkAfterAll.class)
class JobCommandTest {

  @TempDir static Path dir;

  @Test
  void wrongTypeOfAScoreOrFinetuneKeyIsAConfigErrorNamingTheKey() {
    // score and finetune read some keys straight from the config: a wrong type is still bad configuration
    // (exit code 2, not retried), not a runtime failure (4)
    Path out = dir.resolve("score-out");
    CliRun score = CliRun.of("score", "--master", "local[1]", "--model", dir.resolve("no-model").toString(),
        "--input", dir.toString(), "--out", out.toString(), "--set", "score.top_k=three");
    assertEquals(ExitCodes.BAD_CONFIG, score.exitCode(), score.err());
    assertTrue(score.errorLine().contains("score.top_k"), score.errorLine());
    assertFalse(score.errorLine().contains("com.typesafe"), score.errorLine());
    assertFalse(Files.exists(out));

    Path ftOut = dir.resolve("ft-out");
    CliRun ft = CliRun.of("finetune", "--master", "local[1]", "--out", ftOut.toString(), "--conf",
        Path.of(System.getProperty("sparkfast.root", "..")).resolve("conf/fashion-mnist.conf").toString(),
        "--set", "distributed.replicas=two");
    assertEquals(ExitCodes.BAD_CONFIG, ft.exitCode(), ft.err());
    assertTrue(ft.errorLine().contains("distributed.replicas"), ft.errorLine());
    assertFalse(Files.exists(ftOut));
  }

  @Test
  void unparsableMasterIsAConfigErrorNamingMaster() {
    StopSparkAfterAll.stopActive(); // a session left by another test would be reused whatever --master says
    Path out = dir.resolve("master-out");
    CliRun run = CliRun.of("tabular", "--master", "bogus://x", "--out", out.toString());
    assertEquals(ExitCodes.BAD_CONFIG, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("--master bogus://x"), run.errorLine());
    assertFalse(Files.exists(out));
  }
}
