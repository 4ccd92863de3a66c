package io.sparkfast.jobs.finetune;

import static io.sparkfast.jobs.CliRun.metrics;
import static io.sparkfast.jobs.CliRun.withSets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkfast.jobs.CliRun;
import io.sparkfast.jobs.ExitCodes;
import io.sparkfast.jobs.StopSparkAfterAll;
import io.sparkfast.jobs.vision.ShapeImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkfast finetune} in-process on local[2] (two replicas as two task threads with a real TCP ring): a
 * run, a replica failure that Spark retries from the checkpoint, a stalled replica that times out, and bad input.
 */
@ExtendWith(StopSparkAfterAll.class)
class FinetuneCommandTest {

  @TempDir static Path dir;
  static Path shapes;
  static final Path ROOT = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();

  @BeforeAll
  static void images() throws Exception {
    shapes = ShapeImages.write(dir.resolve("shapes"), 48, 16);
  }

  static CliRun finetune(Path out, String master, String... sets) {
    List<String> base = withSets(List.of("finetune", "--master", master, "--replicas", "2",
        "--conf", ROOT.resolve("conf/fashion-mnist.conf").toString(), "--out", out.toString()),
        "data.format=folders", "data.path=\"" + shapes + "\"", "input.size=20", "input.presize=20", "input.channels=3",
        "train.batch_size=8", "train.epochs=2", "eval.tta=false", "eval.top_losses=4");
    return CliRun.of(withSets(base, sets));
  }

  @Test
  void twoReplicasTrainAndExport() throws Exception {
    Path out = dir.resolve("ft");
    Path cache = dir.resolve("presize-cache");
    CliRun run = finetune(out, "local[2]", "distributed.cache=\"" + cache + "\"");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertEquals(2, m.get("replicas").asInt());
    assertEquals(16, m.get("global_batch").asInt());
    assertEquals("average", m.get("batchnorm").asText());
    assertHistory(m, 2);
    // each replica presized its train and valid shares, rank 0 the whole validation set; all into the cache
    // folder, deleted after the successful run
    assertEquals(5, m.get("presize_cache").get("miss").asInt(), m.get("presize_cache").toString());
    assertEquals(0, m.get("presize_cache").get("hit").asInt());
    assertEquals("miss", m.get("per_replica").get(1).get("presize_cache").get("train").asText());
    try (var left = Files.list(cache)) {
      assertEquals(List.of(), left.toList());
    }
    // the default checkpoint folder next to --out is gone with the successful run's checkpoints
    assertFalse(Files.exists(out.resolveSibling(".sparkfast-checkpoints")));
    assertTrue(m.get("valid").get("accuracy").asDouble() > m.get("baseline").get("accuracy").asDouble(), m.toString());
    JsonNode r0 = m.get("per_replica").get(0);
    JsonNode r1 = m.get("per_replica").get(1);
    assertEquals(r0.get("steps").asLong(), r1.get("steps").asLong(), "equal step counts");
    assertEquals(2 * (48 / 8), r0.get("steps").asLong());
    double share = m.get("allreduce_share").asDouble();
    assertTrue(share > 0 && share < 1, "allreduce share " + share);
    assertTrue(Files.isRegularFile(out.resolve("model/model-0000.params")));
    assertTrue(Files.isRegularFile(out.resolve("plots/confusion_matrix.png")));
    io.sparkfast.jobs.report.ReportCheck.assertReportShowsPlots(out, "finetune", 2);
    assertTrue(Files.isRegularFile(out.resolve("checkpoints/phase1.ckpt")));
  }

  /** One row per epoch, numbered 0, 1, ... in order, with finite losses. */
  static void assertHistory(JsonNode m, int epochs) {
    JsonNode h = m.get("history");
    assertEquals(epochs, h.size(), h.toString());
    for (int e = 0; e < epochs; e++) {
      assertEquals(e, h.get(e).get("epoch").asInt(), h.toString());
      assertTrue(h.get(e).get("valid_loss").isNumber() && h.get(e).get("train_loss").isNumber(), h.toString());
      double acc = h.get(e).get("accuracy").asDouble();
      assertEquals(1 - acc, h.get(e).get("error_rate").asDouble(), 1e-9, h.toString());
    }
  }

  @Test
  void aFailedReplicaIsRetriedFromTheCheckpoint() throws Exception {
    // fine_tune: a frozen epoch (phase0.ckpt), then two unfrozen ones; rank 1 fails in the second unfrozen epoch
    Path out = dir.resolve("ft-fail");
    CliRun run = finetune(out, "local[2]", "distributed.debug.fail_rank=1", "train.schedule=fine_tune",
        "train.freeze_epochs=1");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertEquals(2, m.get("stage_attempts").asInt(), m.toString());
    assertEquals(1, m.get("resumed_phases").asInt(), m.toString());
    // the history covers every epoch as an undisturbed run's: the frozen one (from phase0.ckpt), the unfrozen one
    // before the failure (from phase1.ckpt's Recorder) and the retried one, once each
    assertHistory(m, 3);
    // the retry found both replicas' presized shares in the executor's cache (rank 0 had not reached its final
    // evaluation, so the whole validation set is a miss)
    JsonNode cache = m.get("presize_cache");
    assertEquals(4, cache.get("hit").asInt(), cache.toString());
    assertEquals(1, cache.get("miss").asInt(), cache.toString());
    assertEquals(0, cache.get("rebuilt").asInt(), cache.toString());
    assertEquals("hit", m.get("per_replica").get(0).get("presize_cache").get("train").asText(), m.toString());
  }

  @Test
  void aStalledReplicaFailsTheStageWithinTheTimeout() throws Exception {
    Path out = dir.resolve("ft-stall");
    long t0 = System.nanoTime();
    CliRun run = finetune(out, "local[2]", "distributed.debug.stall_rank=0", "distributed.debug.stall_seconds=25",
        "distributed.op_timeout=3s");
    double seconds = (System.nanoTime() - t0) / 1e9;
    // the stalled attempt fails after ~3 s (not 25), then the retry (no stall) completes
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    assertEquals(2, metrics(out).get("stage_attempts").asInt());
    assertTrue(seconds < 120, "took " + seconds + " s");
  }

  @Test
  void aSlowCheckpointUploadWaitsOnItsOwnDeadlineNotTheOpTimeout() throws Exception {
    Path out = dir.resolve("ft-slow-ckpt");
    // rank 0 spends 6 s storing each checkpoint; the op timeout is 3 s, the checkpoint timeout 60 s
    CliRun run = finetune(out, "local[2]", "distributed.debug.slow_checkpoint_seconds=6", "distributed.op_timeout=3s",
        "distributed.checkpoint_timeout=60s");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    assertEquals(1, metrics(out).get("stage_attempts").asInt(), metrics(out).toString());
  }

  @Test
  void badInput() throws Exception {
    Path parent = Files.createDirectories(dir.resolve("ft-bad-parent"));
    Path out = parent.resolve("out");
    // three replicas on two task slots: the run fails after its checkpoint folder was created, before any
    // checkpoint, so nothing is left to resume from and nothing may be left next to --out
    CliRun tooMany = CliRun.of(withSets(List.of("finetune", "--master", "local[2]", "--replicas", "3", "--conf",
        ROOT.resolve("conf/fashion-mnist.conf").toString(), "--out", out.toString()), "data.format=folders",
        "data.path=\"" + shapes + "\"", "input.size=20", "input.presize=20", "input.channels=3", "train.batch_size=8",
        "distributed.slot_wait=1s"));
    assertEquals(ExitCodes.BAD_INPUT, tooMany.exitCode(), tooMany.err());
    assertTrue(tooMany.errorLine().contains("offers 2"), tooMany.errorLine());
    try (var left = Files.walk(parent)) {
      assertEquals(List.of(parent), left.toList());
    }

    CliRun empty = finetune(out, "local[2]", "train.batch_size=64");
    assertEquals(ExitCodes.BAD_INPUT, empty.exitCode(), empty.err());
    assertTrue(empty.errorLine().contains("empty shard"), empty.errorLine());

    CliRun badBn = finetune(out, "local[2]", "distributed.batchnorm=sync");
    assertEquals(ExitCodes.BAD_CONFIG, badBn.exitCode(), badBn.err());
    assertTrue(badBn.errorLine().contains("distributed.batchnorm"), badBn.errorLine());
    assertFalse(Files.exists(out));

    Path ro = Files.createDirectories(dir.resolve("readonly"));
    ro.toFile().setWritable(false);
    CliRun perm = finetune(out, "local[2]", "distributed.checkpoint_dir=\"" + ro.resolve("ck") + "\"");
    ro.toFile().setWritable(true);
    if (!"root".equals(System.getProperty("user.name"))) {
      assertEquals(ExitCodes.BAD_INPUT, perm.exitCode(), perm.err());
      assertTrue(perm.errorLine().contains("not writable"), perm.errorLine());
    }
  }
}
