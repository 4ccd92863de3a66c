package io.sparkfast.jobs.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkfast.jobs.CliRun;
import io.sparkfast.jobs.ExitCodes;
import io.sparkfast.jobs.vision.ShapeImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sparkfast score} in-process on local[2] with a model trained by {@code sparkfast train}. */
class ScoreCommandTest {

  @TempDir static Path dir;
  static Path shapes;
  static Path model;
  static final Path ROOT = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();

  @BeforeAll
  static void trainAModel() throws Exception {
    shapes = ShapeImages.write(dir.resolve("shapes"), 32, 20);
    Path out = dir.resolve("trained");
    CliRun run = CliRun.of("train", "--master", "local[2]", "--conf", ROOT.resolve("conf/fashion-mnist.conf").toString(),
        "--out", out.toString(), "--set", "data.format=folders", "--set", "data.path=\"" + shapes + "\"",
        "--set", "input.size=20", "--set", "input.presize=20", "--set", "input.channels=3",
        "--set", "train.batch_size=16", "--set", "train.epochs=2", "--set", "eval.tta=false",
        "--set", "eval.top_losses=0");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    model = out.resolve("model");
  }

  @AfterAll
  static void stopSpark() {
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
  }

  static JsonNode metrics(Path out) throws Exception {
    return new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
  }

  static List<Row> rows(Path out) {
    return SparkSession.active().read().parquet(out.resolve("predictions").toString()).collectAsList();
  }

  @Test
  void oneRowPerImageWithErrorRowsAndCleanReruns() throws Exception {
    Path in = dir.resolve("in");
    ShapeImages.copyTree(shapes.resolve("valid"), in);
    Files.writeString(in.resolve("bar/broken.png"), "not a png");
    Files.writeString(in.resolve("notes.txt"), "not an image either");
    long files;
    try (var w = Files.walk(in)) {
      files = w.filter(Files::isRegularFile).count();
    }
    Path out = dir.resolve("scored");
    CliRun run = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", in.toString(),
        "--out", out.toString(), "--batch-size", "7", "--top-k", "2");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertEquals(files, m.get("images").asLong());
    assertEquals(2, m.get("errors").asLong());
    io.sparkfast.jobs.report.ReportCheck.assertReportShowsPlots(out, "score", 1);
    List<Row> rows = rows(out);
    assertEquals(files, rows.size());
    assertEquals(files, rows.stream().map(r -> r.getString(0)).distinct().count());
    long correct = 0;
    long labelled = 0;
    for (Row r : rows) {
      String path = r.getString(0);
      if (path.endsWith("broken.png") || path.endsWith("notes.txt")) {
        assertNull(r.get(1));
        assertTrue(r.getString(6).contains(path.substring(path.lastIndexOf('/') + 1)), r.getString(6));
        continue;
      }
      assertNull(r.get(6));
      assertEquals(2, r.getList(3).size());
      labelled++;
      correct += path.contains("/" + r.getString(1) + "/") ? 1 : 0;
    }
    // the same model and preprocessing as the training run's own evaluation of these images: the same accuracy
    double trainedAccuracy = metrics(model.getParent()).get("valid").get("accuracy").asDouble();
    assertEquals(trainedAccuracy, (double) correct / labelled, 1e-9, correct + " of " + labelled + " correct");

    // TTA runs too, and a re-run replaces the output cleanly
    CliRun again = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", in.toString(),
        "--out", out.toString(), "--tta");
    assertEquals(ExitCodes.OK, again.exitCode(), again.err());
    assertEquals(files, rows(out).size());
    assertTrue(metrics(out).get("tta").asBoolean());

    // incremental: nothing new is scored; a new image is; everything is carried
    Path inc = dir.resolve("scored-inc");
    Files.copy(shapes.resolve("train/ring/0.png"), in.resolve("ring/new.png"));
    CliRun incr = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", in.toString(),
        "--out", inc.toString(), "--incremental", out.toString());
    assertEquals(ExitCodes.OK, incr.exitCode(), incr.err());
    JsonNode im = metrics(inc);
    assertEquals(files + 1, im.get("images").asLong());
    assertEquals(files - 2, im.get("carried_from_previous").asLong(), im.toString());
    assertEquals(3, im.get("scored").asLong(), "the new image and the two error rows are scored again");
  }

  @Test
  void torchScriptModelsScoreWithConfiguredPreprocessing() throws Exception {
    Path ts = Files.createDirectories(dir.resolve("ts-model"));
    Files.copy(ROOT.resolve("common/src/test/resources/torchscript/tiny_classifier.pt"), ts.resolve("model.pt"));
    Files.writeString(ts.resolve("labels.txt"), "circle\nsquare\nother\n");
    Path in = dir.resolve("ts-in");
    ShapeImages.copyTree(shapes.resolve("valid"), in);
    Files.writeString(in.resolve("broken.png"), "not a png");
    long files;
    try (var w = Files.walk(in)) {
      files = w.filter(Files::isRegularFile).count();
    }
    Path out = dir.resolve("ts-scored");
    CliRun run = CliRun.of("score", "--master", "local[2]", "--model", ts.resolve("model.pt").toString(),
        "--input", in.toString(), "--out", out.toString(), "--set", "score.model.size=16",
        "--set", "score.model.norm=none", "--set", "score.model.resize=squish");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertEquals(files, m.get("images").asLong());
    assertEquals(1, m.get("errors").asLong());
    assertTrue(m.get("model_id").asText().startsWith("torchscript@"), m.toString());
    for (Row r : rows(out)) {
      if (r.get(6) == null) {
        assertTrue(List.of("circle", "square", "other").contains(r.getString(1)), r.toString());
      }
    }
    // TorchScript settings are checked before any task runs
    CliRun norm = CliRun.of("score", "--master", "local[2]", "--model", ts.toString(), "--input", in.toString(),
        "--out", dir.resolve("ts-bad").toString(), "--set", "score.model.norm=cifar");
    assertEquals(ExitCodes.BAD_CONFIG, norm.exitCode(), norm.err());
    assertTrue(norm.errorLine().contains("score.model.norm"), norm.errorLine());
    Files.writeString(ts.resolve("labels.txt"), "circle\nsquare\n");
    CliRun labels = CliRun.of("score", "--master", "local[2]", "--model", ts.toString(), "--input", in.toString(),
        "--out", dir.resolve("ts-bad").toString(), "--set", "score.model.size=16");
    assertEquals(ExitCodes.BAD_INPUT, labels.exitCode(), labels.err());
    assertTrue(labels.errorLine().contains("label-count mismatch"), labels.errorLine());
    assertFalse(Files.exists(dir.resolve("ts-bad")));
  }

  @Test
  void badInputs() throws Exception {
    Path out = dir.resolve("bad");
    CliRun missing = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input",
        dir.resolve("nope").toString(), "--out", out.toString());
    assertEquals(ExitCodes.BAD_INPUT, missing.exitCode(), missing.err());
    assertTrue(missing.errorLine().contains("does not exist"), missing.errorLine());

    Path empty = Files.createDirectories(dir.resolve("empty"));
    CliRun none = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", empty.toString(),
        "--out", out.toString());
    assertEquals(ExitCodes.BAD_INPUT, none.exitCode(), none.err());
    assertTrue(none.errorLine().contains("no files"), none.errorLine());

    Path broken = Files.createDirectories(dir.resolve("broken-model"));
    Files.writeString(broken.resolve("preprocess.json"), "{");
    CliRun bad = CliRun.of("score", "--master", "local[2]", "--model", broken.toString(), "--input",
        shapes.resolve("valid").toString(), "--out", out.toString());
    assertEquals(ExitCodes.BAD_INPUT, bad.exitCode(), bad.err());
    assertTrue(bad.errorLine().contains("--model"), bad.errorLine());

    // a labels file that does not match the model's outputs
    Path mismatch = dir.resolve("mismatch");
    ShapeImages.copyTree(model, mismatch);
    Files.writeString(mismatch.resolve("labels.txt"), "a\nb\nc\n");
    Files.writeString(mismatch.resolve("synset.txt"), "a\nb\nc\n");
    CliRun labels = CliRun.of("score", "--master", "local[2]", "--model", mismatch.toString(), "--input",
        shapes.resolve("valid").toString(), "--out", out.toString());
    assertEquals(ExitCodes.BAD_INPUT, labels.exitCode(), labels.err());
    assertTrue(labels.errorLine().contains("mismatch"), labels.errorLine());
    assertFalse(Files.exists(out));
    assertNotNull(model);
  }

}
