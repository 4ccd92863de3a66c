package io.sparkfast.jobs.tabular;

import static io.sparkfast.jobs.CliRun.metrics;
import static io.sparkfast.jobs.CliRun.withSets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkfast.jobs.CliRun;
import io.sparkfast.jobs.ExitCodes;
import io.sparkfast.jobs.StopSparkAfterAll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of {@code sparkfast tabular} on generated fixtures, and its handling of bad input. */
@ExtendWith(StopSparkAfterAll.class)
class TabularJobTest {

  @TempDir static Path dir;
  static Path flights;
  static Path titanic;
  static Path flightsConf;
  static Path titanicConf;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void fixtures() throws IOException {
    // Flights-like JSON: 30 days, delay driven by hour and origin, plus noise.
    Random r = new Random(7);
    StringBuilder sb = new StringBuilder("[");
    String[] origins = {"SFO", "LAX", "ORD", "JFK"};
    for (int i = 0; i < 480; i++) {
      int day = 1 + i % 30;
      int hour = 6 + r.nextInt(16);
      String origin = origins[r.nextInt(origins.length)];
      int delay = (hour - 6) * 3 + (origin.equals("ORD") ? 25 : 0) + r.nextInt(10) - 5;
      sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
          "{\"date\":\"2001/01/%02d %02d:%02d\",\"delay\":%d,\"distance\":%d,\"origin\":\"%s\",\"destination\":\"%s\"}",
          day, hour, r.nextInt(60), delay, 100 + r.nextInt(2000), origin, origins[(i + 1) % 4]));
    }
    flights = Files.writeString(dir.resolve("flights.json"), sb.append("]").toString());
    // Titanic-like CSV: survival driven by sex and class.
    StringBuilder csv = new StringBuilder("row_id,pclass,survived,sex,age,fare\n");
    for (int i = 0; i < 400; i++) {
      int pclass = 1 + r.nextInt(3);
      String sex = r.nextBoolean() ? "female" : "male";
      double p = (sex.equals("female") ? 0.75 : 0.2) + (pclass == 1 ? 0.15 : 0);
      csv.append(i).append(',').append(pclass).append(',').append(r.nextDouble() < p ? 1 : 0).append(',')
          .append(sex).append(',').append(i % 9 == 0 ? "" : String.valueOf(1 + r.nextInt(70))).append(',')
          .append(String.format(Locale.ROOT, "%.2f", 5 + r.nextDouble() * (4 - pclass) * 30)).append('\n');
    }
    titanic = Files.writeString(dir.resolve("titanic.csv"), csv.toString());
    flightsConf = Files.writeString(dir.resolve("flights.conf"), String.join("\n",
        "input.path = \"" + flights + "\"",
        "target = delay",
        "exclude = [date]",
        "split { type = time, column = date, dateFormat = \"yyyy/MM/dd HH:mm\", validFraction = 0.2 }",
        "pipeline = [",
        "  { stage = SQLTransformer, params { statement = \"SELECT *, hour(to_timestamp(date, 'yyyy/MM/dd HH:mm')) AS hour FROM __THIS__\" } }",
        "  { stage = StringIndexer, params { inputCol = origin, outputCol = origin_idx, handleInvalid = keep } }",
        "]",
        "model { numTrees = 5, maxBins = 32 }",
        "outOfDomain = true",
        "importance.dropThreshold = 0.05",
        "plots { partialDependence = [hour], pdSampleSize = 50, pdGridSize = 5 }"));
    titanicConf = Files.writeString(dir.resolve("titanic.conf"), String.join("\n",
        "input.path = \"" + titanic + "\"",
        "target = survived",
        "task = classification",
        "keyColumns = [row_id]",
        "split { type = random, validFraction = 0.25, seed = 42 }",
        "pipeline = [ { stage = StringIndexer, params { inputCol = sex, outputCol = sex_idx } },",
        "  { stage = Imputer, params { inputCols = [age], outputCols = [age_filled] } } ]",
        "features = [pclass, sex_idx, age_filled, fare]",
        "model { numTrees = 10 }"));
  }

  private static List<String> args(Path conf, Path out, String... sets) {
    return withSets(List.of("tabular", "--master", "local[2]", "--conf", conf.toString(), "--out", out.toString()),
        sets);
  }

  @Test
  void regressionRunWritesModelMetricsAndPlots() throws Exception {
    Path out = dir.resolve("out-reg");
    CliRun run = CliRun.of(args(flightsConf, out));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    for (String k : List.of("rmse", "mae", "r2")) {
      assertTrue(m.get("valid").has(k) && m.get("baseline").has(k), k);
    }
    // The delay depends strongly on hour and origin: the forest must clearly beat the mean.
    assertTrue(m.get("valid").get("rmse").asDouble() < 0.8 * m.get("baseline").get("rmse").asDouble(), m.toString());
    assertEquals(480, m.get("rows").get("train").asLong() + m.get("rows").get("valid").asLong());
    assertTrue(m.get("out_of_domain").get("auc").asDouble() >= 0.0);
    assertTrue(m.get("drop_low_importance").get("kept").size() >= 1);
    // compared with the fitted model's own score, as fastbook does (not with a refit on reordered features)
    assertEquals(m.get("valid"), m.get("drop_low_importance").get("valid_all_features"));
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    for (String png : List.of("importance.png", "pd_hour.png")) {
      byte[] head = Arrays.copyOf(Files.readAllBytes(out.resolve(png)), 4);
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head, png);
    }
    io.sparkfast.jobs.report.ReportCheck.assertReportShowsPlots(out, "tabular-regression", 2);
    List<String> imp = Files.readAllLines(out.resolve("importance.csv"));
    assertEquals("feature,importance", imp.get(0));
    double prev = Double.MAX_VALUE;
    for (String line : imp.subList(1, imp.size())) {
      double v = Double.parseDouble(line.split(",")[1]);
      assertTrue(v <= prev, "importance.csv is sorted");
      prev = v;
    }
    // The saved pipeline reproduces the raw-input -> prediction path.
    SparkSession spark = SparkSession.active();
    PipelineModel model = PipelineModel.load(out.resolve("model").toString());
    Dataset<Row> scored = model.transform(spark.read().json(flights.toString()));
    assertEquals(480, scored.filter("prediction IS NOT NULL").count());
    assertEquals(m.get("rows").get("valid").asLong(), spark.read().parquet(out.resolve("predictions").toString()).count());
    try (Stream<Path> s = Files.list(dir)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no work directory left behind");
    }
  }

  /**
   * {@code model.slices}: the forest trains as MLlib forests on random slices of the rows and is combined into one
   * forest of all the trees, which predicts their mean, saves and loads like any MLlib forest, and still learns.
   */
  @Test
  void slicedForestIsOneForestOfAllTheTrees() throws Exception {
    Path out = dir.resolve("out-sliced");
    CliRun run = CliRun.of(args(flightsConf, out, "model.slices=2", "outOfDomain=false",
        "importance.dropThreshold=0", "plots.partialDependence=[]"));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertTrue(m.get("valid").get("rmse").asDouble() < 0.8 * m.get("baseline").get("rmse").asDouble(), m.toString());
    PipelineModel model = PipelineModel.load(out.resolve("model").toString());
    var forest = (org.apache.spark.ml.regression.RandomForestRegressionModel) model.stages()[model.stages().length - 1];
    assertEquals(5, forest.trees().length);
    assertEquals(5, forest.getNumTrees());
    Dataset<Row> scored = model.transform(SparkSession.active().read().json(flights.toString()));
    for (Row r : scored.select("features", "prediction").takeAsList(5)) {
      org.apache.spark.ml.linalg.Vector x = r.getAs(0);
      double mean = Arrays.stream(forest.trees()).mapToDouble(t -> t.predict(x)).average().orElseThrow();
      assertEquals(mean, r.getDouble(1), 1e-9, "a forest predicts the mean of its trees");
    }
    // classification: the class-probability votes of both slices' trees
    Path outCls = dir.resolve("out-sliced-cls");
    CliRun cls = CliRun.of(args(titanicConf, outCls, "model.slices=2", "model.numTrees=6"));
    assertEquals(ExitCodes.OK, cls.exitCode(), cls.err());
    assertTrue(metrics(outCls).get("valid").get("auc").asDouble() > 0.7, metrics(outCls).toString());
    PipelineModel clsModel = PipelineModel.load(outCls.resolve("model").toString());
    var clsForest = (org.apache.spark.ml.classification.RandomForestClassificationModel)
        clsModel.stages()[clsModel.stages().length - 1];
    assertEquals(6, clsForest.trees().length);
  }

  /**
   * Partial dependence, computed with one transform over the sample crossed with the grid, equals the definition:
   * for each grid value, set the feature to it on every sampled row and average the predictions (or class-1
   * probabilities).
   */
  @Test
  void partialDependenceMatchesItsDefinition() {
    SparkSession spark = SparkSession.builder().master("local[2]").getOrCreate();
    List<Row> rows = new java.util.ArrayList<>();
    Random r = new Random(3);
    for (int i = 0; i < 300; i++) {
      int x = r.nextInt(10);
      double z = r.nextGaussian();
      rows.add(org.apache.spark.sql.RowFactory.create(x, z, 3.0 * x + z, x > 5 ? 1.0 : 0.0));
    }
    Dataset<Row> data = spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
        .add("x", "int").add("z", "double").add("y", "double").add("label", "double"));
    var assembler = new org.apache.spark.ml.feature.VectorAssembler().setInputCols(new String[] {"x", "z"})
        .setOutputCol("features");
    for (boolean classification : new boolean[] {false, true}) {
      org.apache.spark.ml.PipelineStage forest = classification
          ? new org.apache.spark.ml.classification.RandomForestClassifier().setLabelCol("label").setNumTrees(5)
              .setSeed(1)
          : new org.apache.spark.ml.regression.RandomForestRegressor().setLabelCol("y").setNumTrees(5).setSeed(1);
      PipelineModel fitted = new org.apache.spark.ml.Pipeline()
          .setStages(new org.apache.spark.ml.PipelineStage[] {assembler, forest}).fit(data);
      TabularModels.Curve curve = TabularModels.partialDependence(fitted, data, "x", 100, 6, 7, classification);
      Dataset<Row> sample = data.orderBy(org.apache.spark.sql.functions.rand(7)).limit(100);
      assertTrue(curve.x().length >= 4, Arrays.toString(curve.x()));
      for (int i = 0; i < curve.x().length; i++) {
        Dataset<Row> scored = fitted.transform(sample.withColumn("x",
            org.apache.spark.sql.functions.lit(curve.x()[i]).cast("int")));
        double expected = classification
            ? scored.agg(org.apache.spark.sql.functions.avg(org.apache.spark.ml.functions.vector_to_array(
                scored.col("probability"), "float64").getItem(1))).first().getDouble(0)
            : scored.agg(org.apache.spark.sql.functions.avg("prediction")).first().getDouble(0);
        assertEquals(expected, curve.y()[i], 1e-9, "grid value " + curve.x()[i]);
      }
      // and the curve follows the model: y rises with x
      assertTrue(curve.y()[curve.y().length - 1] > curve.y()[0] + (classification ? 0.5 : 10), Arrays.toString(curve.y()));
    }
  }

  /** Auto slicing: one slice per 3 x maxSamples training rows (rounded), at most one per tree; none without maxSamples. */
  @Test
  void forestSlicesFollowMaxSamples() {
    java.util.function.Function<String, io.sparkfast.jobs.config.TabularJobConfig> conf = sets ->
        io.sparkfast.jobs.config.TabularJobConfig.from(io.sparkfast.jobs.config.ConfigLoader.load("tabular-reference.conf", null, null,
            List.of(sets)));
    assertEquals(4, conf.apply("model.maxSamples=200000").forestSlices(2_399_991));
    assertEquals(1, conf.apply("model.maxSamples=200000").forestSlices(800_000));
    assertEquals(1, conf.apply("model.maxSamples=0").forestSlices(2_399_991));
    assertEquals(40, conf.apply("model.maxSamples=100").forestSlices(2_399_991));
    assertEquals(3, conf.apply("model.slices=3").forestSlices(1000));
    assertEquals(1, conf.apply("model.slices=1").forestSlices(2_399_991));
    assertEquals(1, conf.apply("model.type=gbt").forestSlices(2_399_991));
  }

  @Test
  void classificationRunReportsAccuracyAucAndBaseline() throws Exception {
    Path out = dir.resolve("out-cls");
    CliRun run = CliRun.of(args(titanicConf, out));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    for (String k : List.of("accuracy", "error_rate", "auc", "log_loss")) {
      assertTrue(m.get("valid").has(k) && m.get("baseline").has(k), k);
    }
    assertEquals(1.0, m.get("valid").get("accuracy").asDouble() + m.get("valid").get("error_rate").asDouble(), 1e-9);
    assertEquals(0.5, m.get("baseline").get("auc").asDouble(), 1e-9);
    assertTrue(m.get("valid").get("auc").asDouble() > 0.7, m.toString());
    Dataset<Row> pred = SparkSession.active().read().parquet(out.resolve("predictions").toString());
    assertEquals(List.of("row_id", "survived", "prediction", "probability"), Arrays.asList(pred.columns()));
  }

  @Test
  void rerunReplacesPreviousOutputAndSetOverridesApply() throws Exception {
    Path out = dir.resolve("out-rerun");
    assertEquals(ExitCodes.OK, CliRun.of(args(titanicConf, out)).exitCode());
    Files.writeString(out.resolve("stale.txt"), "from an older run");
    CliRun run = CliRun.of(args(titanicConf, out, "model.numTrees=3", "model.type=gbt"));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    assertFalse(Files.exists(out.resolve("stale.txt")), "re-run replaces the whole output");
    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
    assertEquals(3, manifest.get("config").get("model").get("numTrees").asInt());
    assertEquals("gbt", metrics(out).get("model").asText());
  }

  @Test
  void missingColumnListsAvailableColumnsAndKeepsPreviousOutput() throws Exception {
    Path out = dir.resolve("out-keep");
    assertEquals(ExitCodes.OK, CliRun.of(args(titanicConf, out)).exitCode());
    String before = Files.readString(out.resolve("metrics.json"));
    CliRun run = CliRun.of(args(titanicConf, out, "target=survivd"));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("'survivd' does not exist"), run.errorLine());
    assertTrue(run.errorLine().contains("survived"), "lists available columns: " + run.errorLine());
    assertEquals(before, Files.readString(out.resolve("metrics.json")), "previous output untouched");
  }

  @Test
  void unwritableOutIsBadInputNamingOut() {
    // --out below an existing file: the output can never be created there, so a retry would fail the same way
    Path out = titanic.resolve("out");
    CliRun run = CliRun.of(args(titanicConf, out));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("--out " + out), run.errorLine());
    assertTrue(run.errorLine().contains("not a directory"), run.errorLine());
    assertTrue(Files.isRegularFile(titanic), "the file in the way is left as it is");
  }

  @Test
  void malformedCsvRecordIsBadInputNamingTheRecord() throws Exception {
    // a row with more fields than the header: FAILFAST rejects it when the rows are first read
    List<String> lines = Files.readAllLines(titanic);
    lines.set(5, lines.get(5) + ",extra,fields");
    Path bad = Files.write(dir.resolve("malformed.csv"), lines);
    Path out = dir.resolve("out-malformed");
    CliRun run = CliRun.of(args(titanicConf, out, "input.path=\"" + bad + "\""));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("malformed.csv"), run.errorLine());
    assertTrue(run.errorLine().contains("Malformed CSV record: " + lines.get(5)), run.errorLine());
    assertFalse(Files.exists(out));
  }

  @Test
  void classificationTargetThatIsNotZeroOneIsBadInputNamingItsValues() {
    // task = classification is binary with labels 0/1; pclass holds 1, 2, 3
    Path out = dir.resolve("out-multiclass");
    CliRun run = CliRun.of(args(titanicConf, out, "target=pclass", "features=[fare, sex_idx]"));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("target 'pclass'"), run.errorLine());
    assertTrue(run.errorLine().contains("0/1") && run.errorLine().contains("2"), run.errorLine());
    assertFalse(Files.exists(out));
  }

  @Test
  void missingKeyColumnListsAvailableColumnsBeforeTraining() {
    Path out = dir.resolve("out-key-column");
    CliRun run = CliRun.of(args(titanicConf, out, "keyColumns=[rowid]"));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("'rowid' does not exist"), run.errorLine());
    assertTrue(run.errorLine().contains("available columns") && run.errorLine().contains("row_id")
        && run.errorLine().contains("survived"), run.errorLine());
    assertFalse(Files.exists(out));
  }

  @Test
  void missingValuesInAFeatureOrTheTargetAreBadInputNamingTheColumn() throws Exception {
    // age is empty in every ninth row; without a FillMissing / Imputer stage the forest cannot train on it
    Path out = dir.resolve("out-missing-values");
    CliRun feature = CliRun.of(args(titanicConf, out, "features=[pclass, age]"));
    assertEquals(ExitCodes.BAD_INPUT, feature.exitCode(), feature.err());
    assertTrue(feature.errorLine().contains("feature 'age'") && feature.errorLine().contains("missing"),
        feature.errorLine());
    // an empty target
    List<String> lines = Files.readAllLines(titanic);
    String[] f = lines.get(3).split(",", -1);
    f[2] = "";
    lines.set(3, String.join(",", f));
    Path noTarget = Files.write(dir.resolve("no-target.csv"), lines);
    CliRun target = CliRun.of(args(titanicConf, out, "input.path=\"" + noTarget + "\"", "split.seed=1"));
    assertEquals(ExitCodes.BAD_INPUT, target.exitCode(), target.err());
    assertTrue(target.errorLine().contains("target 'survived'") && target.errorLine().contains("missing"),
        target.errorLine());
    assertFalse(Files.exists(out));
  }

  @Test
  void emptyInputIsBadInput() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.csv"), "row_id,pclass,survived,sex,age,fare\n");
    Path out = dir.resolve("out-empty");
    CliRun run = CliRun.of(args(titanicConf, out, "input.path=\"" + empty + "\""));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("has no rows"), run.errorLine());
    assertFalse(Files.exists(out));
  }

  @Test
  void nonexistentPathIsBadInput() {
    Path out = dir.resolve("out-missing");
    CliRun run = CliRun.of(args(titanicConf, out, "input.path=\"" + dir.resolve("nope.csv") + "\""));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("nope.csv"), run.errorLine());
    assertFalse(Files.exists(out));
  }

  @Test
  void unparsableSplitDatesAreBadInput() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad-dates.json"),
        Files.readString(flights).replaceFirst("2001/01/01", "01-01-2001"));
    CliRun run = CliRun.of(args(flightsConf, dir.resolve("out-dates"), "input.path=\"" + bad + "\""));
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("do not parse"), run.errorLine());
  }

  @Test
  void datesKeptUnparsedByDatePartsAreCountedInMetrics() throws Exception {
    // 60 rows, 3 of them (i = 7, 27, 47) with a day that does not parse.
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < 60; i++) {
      String day = i % 20 == 7 ? "n/a" : String.format(Locale.ROOT, "2020-01-%02d", 1 + i % 28);
      sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"id\":%d,\"day\":\"%s\",\"y\":%d}", i, day,
          i % 28));
    }
    Path data = Files.writeString(dir.resolve("days.json"), sb.append("]").toString());
    Path conf = Files.writeString(dir.resolve("days.conf"), String.join("\n",
        "input.path = \"" + data + "\"",
        "target = y",
        "keyColumns = [id]",
        "split { type = random, validFraction = 0.25, seed = 1 }",
        "pipeline = [ { stage = SQLTransformer, params { statement = \"SELECT *, day AS sale_day FROM __THIS__\" } },",
        "  { stage = DateParts, params { inputCol = sale_day, handleInvalid = keep } },",
        "  { stage = FillMissing, params { inputCols = [sale_dayDay, sale_dayElapsed], handleInvalid = keep } } ]",
        "features = [sale_dayDay, sale_dayElapsed]",
        "model { numTrees = 3 }"));
    Path out = dir.resolve("out-days");
    CliRun run = CliRun.of(args(conf, out));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    JsonNode m = metrics(out);
    assertEquals(3, m.path("data").path("unparsable_dates").path("sale_day").asLong(-1), m.toString());
  }

  @Test
  void unknownConfigKeyNamesItAndTheValidKeys() {
    CliRun run = CliRun.of(args(titanicConf, dir.resolve("out-key"), "model.numTree=3"));
    assertEquals(ExitCodes.BAD_CONFIG, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("unknown config key 'model.numTree'"), run.errorLine());
    assertTrue(run.errorLine().contains("model.numTrees"), run.errorLine());
  }

  @Test
  void unknownStageParamListsValidParams() throws Exception {
    Path conf = Files.writeString(dir.resolve("badparam.conf"), Files.readString(titanicConf)
        .replace("outputCol = sex_idx", "outputColumn = sex_idx"));
    CliRun run = CliRun.of(args(conf, dir.resolve("out-param")));
    assertEquals(ExitCodes.BAD_CONFIG, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("has no param 'outputColumn'"), run.errorLine());
    assertTrue(run.errorLine().contains("outputCol"), run.errorLine());
  }

  @Test
  void wrongTypeAndBadChoiceAreConfigErrors() {
    CliRun run = CliRun.of(args(titanicConf, dir.resolve("out-type"), "model.numTrees=many"));
    assertEquals(ExitCodes.BAD_CONFIG, run.exitCode(), run.err());
    assertTrue(run.errorLine().contains("model.numTrees"), run.errorLine());
    CliRun task = CliRun.of(args(titanicConf, dir.resolve("out-task"), "task=clustering"));
    assertEquals(ExitCodes.BAD_CONFIG, task.exitCode());
    assertTrue(task.errorLine().contains("task must be one of"), task.errorLine());
  }

  @Test
  void wrongColumnTypesAreBadInputNamingTheColumnAndType() throws Exception {
    Path out = dir.resolve("out-coltype");
    CliRun feature = CliRun.of(args(titanicConf, out, "features=[pclass, sex]"));
    assertEquals(ExitCodes.BAD_INPUT, feature.exitCode(), feature.err());
    assertTrue(feature.errorLine().contains("feature 'sex' is string"), feature.errorLine());
    CliRun target = CliRun.of(args(titanicConf, out, "target=sex", "features=[pclass, fare]"));
    assertEquals(ExitCodes.BAD_INPUT, target.exitCode(), target.err());
    assertTrue(target.errorLine().contains("sex") && target.errorLine().contains("string"), target.errorLine());
    assertFalse(Files.exists(out), "no partial output");
  }

  @Test
  void preSplitTransformersSeeTheWholeHistoryAndAreSaved() throws Exception {
    Path conf = Files.writeString(dir.resolve("presplit.conf"), String.join("\n",
        "input.path = \"" + flights + "\"",
        "target = delay",
        "split { type = time, column = date, dateFormat = \"yyyy/MM/dd HH:mm\", validFraction = 0.2 }",
        "preSplit = [",
        "  { stage = SQLTransformer, params { statement = \"SELECT *, to_date(date, 'yyyy/MM/dd HH:mm') AS day, origin = 'ORD' AS ord FROM __THIS__\" } }",
        "  { stage = ElapsedTimes, params { fieldNames = [ord], dateCol = day, groupCols = [destination], window = 3 } }",
        "]",
        "features = [distance, ord_bw, ord_fw]",
        "model { numTrees = 3 }"));
    Path out = dir.resolve("out-presplit");
    CliRun run = CliRun.of(args(conf, out));
    assertEquals(ExitCodes.OK, run.exitCode(), run.err());
    PipelineModel model = PipelineModel.load(out.resolve("model").toString());
    assertEquals("ElapsedTimes", model.stages()[1].getClass().getSimpleName());
    // the saved model goes from raw rows to predictions, preSplit stages included
    Dataset<Row> all = model.transform(SparkSession.active().read().json(flights.toString()));
    assertEquals(480, all.filter("prediction IS NOT NULL AND ord_bw IS NOT NULL").count());
    assertEquals(all.filter("ord").count(), all.filter("ord AND Afterord = 0").count());

    Path est = Files.writeString(dir.resolve("presplit-est.conf"), String.join("\n",
        "input.path = \"" + flights + "\"", "target = delay", "exclude = [date]",
        "preSplit = [ { stage = StringIndexer, params { inputCol = origin, outputCol = origin_idx } } ]"));
    CliRun bad = CliRun.of(args(est, dir.resolve("out-presplit-est")));
    assertEquals(ExitCodes.BAD_CONFIG, bad.exitCode(), bad.err());
    assertTrue(bad.errorLine().contains("preSplit[0] (StringIndexer) is an Estimator"), bad.errorLine());
  }

  @Test
  void helpAndMissingOutOption() {
    CliRun help = CliRun.of("tabular", "--help");
    assertEquals(ExitCodes.OK, help.exitCode());
    assertTrue(help.out().contains("--conf"), help.out());
    CliRun noOut = CliRun.of("tabular");
    assertEquals(ExitCodes.BAD_CONFIG, noOut.exitCode());
    assertTrue(noOut.err().startsWith("sparkfast tabular: error: Missing required option: '--out=DIR'"), noOut.err());
    assertTrue(noOut.err().contains("Usage: sparkfast tabular"), noOut.err());
    CliRun unknown = CliRun.of("tabular", "--out", dir.resolve("never").toString(), "--sett", "a=1");
    assertEquals(ExitCodes.BAD_CONFIG, unknown.exitCode());
    assertTrue(unknown.err().startsWith("sparkfast tabular: error: Unknown options: '--sett', 'a=1'"), unknown.err());
    assertFalse(java.nio.file.Files.exists(dir.resolve("never")));
  }
}
