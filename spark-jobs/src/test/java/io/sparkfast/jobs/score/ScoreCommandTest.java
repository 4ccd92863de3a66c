package io.sparkfast.jobs.score;

import static io.sparkfast.jobs.CliRun.metrics;
import static io.sparkfast.jobs.CliRun.withSets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkfast.jobs.CliRun;
import io.sparkfast.jobs.ExitCodes;
import io.sparkfast.jobs.StopSparkAfterAll;
import io.sparkfast.jobs.vision.ShapeImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code sparkfast score} in-process on local[2] with a model trained by {@code sparkfast train}. */
@ExtendWith(StopSparkAfterAll.class)
class ScoreCommandTest {

  @TempDir static Path dir;
  static Path shapes;
  static Path model;
  static final Path ROOT = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();

  @BeforeAll
  static void trainAModel() throws Exception {
    shapes = ShapeImages.write(dir.resolve("shapes"), 32, 20);
    Path out = dir.resolve("trained");
    CliRun run = CliRun.of(withSets(List.of("train", "--master", "local[2]", "--conf",
        ROOT.resolve("conf/fashion-mnist.conf").toString(), "--out", out.toString()), "data.format=folders",
        "data.path=\"" + shapes + "\"", "input.size=20", "input.presize=20", "input.channels=3", "train.batch_size=16",
        "train.epochs=2", "eval.tta=false", "eval.top_losses=0"));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    model = out.resolve("model");
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
    assertEquals("auto", m.get("onednn").asText(), "oneDNN is tried by default (the accuracy check below holds)");
    io.sparkfast.jobs.report.ReportCheck.assertReportShowsPlots(out, "score", 1);
    // a single-label model's output keeps its columns (multi-label models add labels; see MultiLabelTrainTest)
    assertFalse(m.get("multi_label").asBoolean());
    assertEquals(List.of(ScoreJob.SCHEMA.fieldNames()), List.of(
        SparkSession.active().read().parquet(out.resolve("predictions").toString()).schema().fieldNames()));
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
    // ... but only rows scored as this run would score them: not without the TTA they had, not by another model
    CliRun noTta = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", in.toString(),
        "--out", inc.toString(), "--incremental", out.toString());
    assertEquals(ExitCodes.BAD_CONFIG, noTta.exitCode(), noTta.err());
    assertTrue(noTta.errorLine().contains("tta true -> false"), noTta.errorLine());
    Path changed = dir.resolve("model-changed");
    ShapeImages.copyTree(model, changed);
    Path preprocess = changed.resolve(io.sparkfast.common.artifact.ExportInfo.PREPROCESS_FILE);
    Files.writeString(preprocess, Files.readString(preprocess) + "\n");
    CliRun otherModel = CliRun.of("score", "--master", "local[2]", "--model", changed.toString(), "--input",
        in.toString(), "--out", inc.toString(), "--tta", "--incremental", out.toString());
    assertEquals(ExitCodes.BAD_CONFIG, otherModel.exitCode(), otherModel.err());
    assertTrue(otherModel.errorLine().contains("model_sha256"), otherModel.errorLine());
    assertFalse(Files.exists(inc));
    CliRun incr = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", in.toString(),
        "--out", inc.toString(), "--tta", "--incremental", out.toString());
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
    CliRun run = CliRun.of(withSets(List.of("score", "--master", "local[2]", "--model",
        ts.resolve("model.pt").toString(), "--input", in.toString(), "--out", out.toString()), "score.model.size=16",
        "score.model.norm=none", "score.model.resize=squish"));
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
    CliRun layout = CliRun.of("score", "--master", "local[2]", "--model", ts.toString(), "--input", in.toString(),
        "--out", dir.resolve("ts-bad").toString(), "--set", "score.onednn=fast");
    assertEquals(ExitCodes.BAD_CONFIG, layout.exitCode(), layout.err());
    assertTrue(layout.errorLine().contains("score.onednn must be auto, on or off"), layout.errorLine());
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

  static final StructType TABLE = new StructType().add("key", DataTypes.StringType, true)
      .add("img", DataTypes.BinaryType, true).add("n", DataTypes.IntegerType, false);

  /** Writes {@code rows} of (key, img, n) as a Parquet table of {@code files} files. */
  static Path table(String name, List<Row> rows, int files) {
    Path t = dir.resolve(name);
    SparkSession spark = SparkSession.builder().master("local[2]").getOrCreate();
    spark.createDataFrame(rows, TABLE).repartition(files).write().parquet(t.toString());
    return t;
  }

  /** A row per image under the shapes' valid/ folder, keyed by "label/file". */
  static List<Row> imageRows() throws Exception {
    Path valid = shapes.resolve("valid");
    List<Row> rows = new ArrayList<>();
    try (var w = Files.walk(valid)) {
      for (Path f : w.filter(Files::isRegularFile).sorted().toList()) {
        rows.add(RowFactory.create(valid.relativize(f).toString(), Files.readAllBytes(f), rows.size()));
      }
    }
    return rows;
  }

  @Test
  void parquetTableOfImageBytes() throws Exception {
    List<Row> rows = imageRows();
    rows.add(RowFactory.create("garbage", "not an image".getBytes(StandardCharsets.UTF_8), rows.size()));
    Path t = table("table", rows, 3);
    Path out = dir.resolve("scored-parquet");
    CliRun run = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", t.toString(),
        "--out", out.toString(), "--input-format", "parquet", "--key-column", "key", "--image-column", "img",
        "--batch-size", "5", "--top-k", "2");
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertEquals(rows.size(), m.get("images").asLong());
    assertEquals(1, m.get("errors").asLong());
    assertEquals(rows.size(), m.get("exactly_once").get("distinct_paths").asLong());
    List<Row> scored = rows(out);
    assertEquals(rows.size(), scored.size());
    assertEquals(rows.stream().map(r -> r.getString(0)).collect(Collectors.toSet()),
        scored.stream().map(r -> r.getString(0)).collect(Collectors.toSet()), "one row per key, keyed as path");
    long correct = 0;
    long labelled = 0;
    for (Row r : scored) {
      String key = r.getString(0);
      assertNull(r.get(8), "no modification time for table rows");
      if (key.equals("garbage")) {
        assertNull(r.get(1));
        assertTrue(r.getString(6).contains("garbage"), r.getString(6));
        continue;
      }
      assertNull(r.get(6), key);
      assertEquals(2, r.getList(3).size());
      labelled++;
      correct += key.startsWith(r.getString(1) + "/") ? 1 : 0;
    }
    double trainedAccuracy = metrics(model.getParent()).get("valid").get("accuracy").asDouble();
    assertEquals(trainedAccuracy, (double) correct / labelled, 1e-9, correct + " of " + labelled + " correct");

    // the config keys work like the options; a glob names the table's files
    Path out2 = dir.resolve("scored-parquet-conf");
    CliRun conf = CliRun.of(withSets(List.of("score", "--master", "local[2]", "--model", model.toString(), "--input",
        t.resolve("*.parquet").toString(), "--out", out2.toString()), "score.input_format=parquet",
        "score.key_column=key", "score.image_column=img", "score.partitions=2"));
    assertEquals(ExitCodes.OK, conf.exitCode(), conf.err());
    assertEquals(rows.size(), metrics(out2).get("images").asLong());
  }

  @Test
  void parquetTableAndFilesGiveTheSameTtaScores() throws Exception {
    // the same images as files and as a table fall into different batches; each image's scores must not change
    Path t = table("table-tta", imageRows(), 2);
    Path fromTable = dir.resolve("tta-table");
    CliRun table = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input", t.toString(),
        "--out", fromTable.toString(), "--input-format", "parquet", "--key-column", "key", "--image-column", "img",
        "--batch-size", "5", "--top-k", "2", "--tta");
    assertEquals(ExitCodes.OK, table.exitCode(), table.err());
    Path valid = shapes.resolve("valid");
    Path fromFiles = dir.resolve("tta-files");
    CliRun files = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--input",
        valid.toString(), "--out", fromFiles.toString(), "--batch-size", "7", "--top-k", "2", "--tta");
    assertEquals(ExitCodes.OK, files.exitCode(), files.err());
    java.util.Map<String, Row> byKey = rows(fromTable).stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r));
    List<Row> scored = rows(fromFiles);
    assertEquals(byKey.size(), scored.size());
    for (Row r : scored) {
      String key = valid.toUri().relativize(java.net.URI.create(r.getString(0))).getPath();
      Row other = byKey.get(key);
      assertNotNull(other, key);
      assertEquals(other.getList(3), r.getList(3), key);
      List<Float> a = other.getList(4);
      List<Float> b = r.getList(4);
      for (int k = 0; k < a.size(); k++) {
        assertEquals(a.get(k), b.get(k), 1e-5f, key + " " + a + " vs " + b);
      }
    }
  }

  @Test
  void parquetBadInputs() throws Exception {
    List<Row> rows = imageRows().subList(0, 4);
    Path t = table("table-bad", rows, 1);
    Path out = dir.resolve("bad-parquet");
    String[] base = {"score", "--master", "local[2]", "--model", model.toString(), "--out", out.toString(),
        "--input-format", "parquet"};

    CliRun missing = CliRun.of(cat(base, "--input", t.toString()));
    assertEquals(ExitCodes.BAD_INPUT, missing.exitCode(), missing.err());
    assertTrue(missing.errorLine().contains("no key column 'path'")
        && missing.errorLine().contains("key string, img binary, n int"), missing.errorLine());

    CliRun notBinary = CliRun.of(cat(base, "--input", t.toString(), "--key-column", "key", "--image-column", "n"));
    assertEquals(ExitCodes.BAD_INPUT, notBinary.exitCode(), notBinary.err());
    assertTrue(notBinary.errorLine().contains("image column 'n'")
        && notBinary.errorLine().contains("is int, not binary"), notBinary.errorLine());

    List<Row> dups = new ArrayList<>(rows);
    dups.add(rows.get(0));
    dups.add(rows.get(1));
    dups.add(rows.get(1));
    CliRun dup = CliRun.of(cat(base, "--input", table("table-dups", dups, 2).toString(), "--key-column", "key",
        "--image-column", "img"));
    assertEquals(ExitCodes.BAD_INPUT, dup.exitCode(), dup.err());
    assertTrue(dup.errorLine().contains("2 duplicate keys (5 of 7 rows)"), dup.errorLine());

    List<Row> nulls = new ArrayList<>(rows);
    nulls.add(RowFactory.create(null, rows.get(0).get(1), 9));
    CliRun nullKey = CliRun.of(cat(base, "--input", table("table-nulls", nulls, 1).toString(), "--key-column", "key",
        "--image-column", "img"));
    assertEquals(ExitCodes.BAD_INPUT, nullKey.exitCode(), nullKey.err());
    assertTrue(nullKey.errorLine().contains("1 null value"), nullKey.errorLine());

    CliRun empty = CliRun.of(cat(base, "--input", table("table-empty", List.of(), 1).toString(), "--key-column",
        "key", "--image-column", "img"));
    assertEquals(ExitCodes.BAD_INPUT, empty.exitCode(), empty.err());
    assertTrue(empty.errorLine().contains("no rows"), empty.errorLine());

    CliRun notParquet = CliRun.of(cat(base, "--input", shapes.resolve("valid").toString()));
    assertEquals(ExitCodes.BAD_INPUT, notParquet.exitCode(), notParquet.err());
    assertTrue(notParquet.errorLine().contains("not a readable Parquet table"), notParquet.errorLine());

    CliRun filter = CliRun.of(cat(base, "--input", t.toString(), "--key-column", "key", "--image-column", "img",
        "--set", "score.path_filter=\"*.png\""));
    assertEquals(ExitCodes.BAD_CONFIG, filter.exitCode(), filter.err());
    assertTrue(filter.errorLine().contains("path_filter"), filter.errorLine());

    CliRun incremental = CliRun.of(cat(base, "--input", t.toString(), "--key-column", "key", "--image-column", "img",
        "--incremental", dir.resolve("scored").toString()));
    assertEquals(ExitCodes.BAD_CONFIG, incremental.exitCode(), incremental.err());
    assertTrue(incremental.errorLine().contains("--incremental"), incremental.errorLine());

    CliRun format = CliRun.of("score", "--master", "local[2]", "--model", model.toString(), "--out", out.toString(),
        "--input", t.toString(), "--input-format", "csv");
    assertEquals(ExitCodes.BAD_CONFIG, format.exitCode(), format.err());
    assertTrue(format.errorLine().contains("files or parquet"), format.errorLine());
    assertFalse(Files.exists(out));
  }

  static String[] cat(String[] a, String... b) {
    return java.util.stream.Stream.concat(Arrays.stream(a), Arrays.stream(b)).toArray(String[]::new);
  }
}
