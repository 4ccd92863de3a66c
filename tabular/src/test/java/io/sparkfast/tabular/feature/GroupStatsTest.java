package io.sparkfast.tabular.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkfast.tabular.SparkTestSession;
import java.nio.file.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class GroupStatsTest {

  @RegisterExtension static SparkTestSession spark = new SparkTestSession();

  /** Training rows; group SFO delays 10, 20, 20 (mean 50/3, std 5.7735), LAX 4; NULL origin 7. */
  private Dataset<Row> train() {
    return spark.get().sql("SELECT * FROM VALUES ('SFO', 1, 10.0D), ('SFO', 1, 20.0D), ('SFO', 2, 20.0D),"
        + " ('LAX', 1, 4.0D), (NULL, 1, 7.0D) AS t(origin, hour, delay)");
  }

  private static final String[] ALL = {
    "count by origin as n", "mean(delay) by origin as mean", "sum(delay) by origin as total",
    "min(delay) by origin as lo", "max(delay) by origin as hi", "std(delay) by origin as sd",
    "nunique(delay) by origin as uniq", "count by origin,hour as n_oh"};

  @Test
  void withinModeMatchesPandasTransform() {
    Dataset<Row> out = new GroupStats().setSpecs(ALL).fit(train()).transform(train());
    assertEquals(5, out.count(), "one output row per input row");
    Row sfo = out.filter("origin = 'SFO' AND hour = 2").first();
    assertEquals(3L, sfo.getLong(sfo.fieldIndex("n")));
    assertEquals(50.0 / 3, sfo.getDouble(sfo.fieldIndex("mean")), 1e-9);
    assertEquals(50.0, sfo.getDouble(sfo.fieldIndex("total")), 1e-9);
    assertEquals(10.0, sfo.getDouble(sfo.fieldIndex("lo")), 1e-9);
    assertEquals(20.0, sfo.getDouble(sfo.fieldIndex("hi")), 1e-9);
    assertEquals(Math.sqrt(100.0 / 3), sfo.getDouble(sfo.fieldIndex("sd")), 1e-9);
    assertEquals(2L, sfo.getLong(sfo.fieldIndex("uniq")));
    assertEquals(1L, sfo.getLong(sfo.fieldIndex("n_oh")));
    Row nul = out.filter("origin IS NULL").first();
    assertEquals(1L, nul.getLong(nul.fieldIndex("n")), "null keys are a group of their own");
  }

  @Test
  void rankIsPandasAverageMethodWithinGroups() {
    Dataset<Row> out = new GroupStats().setSpecs("rank(delay) by origin as r").fit(train()).transform(train());
    assertEquals(1.0, out.filter("origin = 'SFO' AND delay = 10.0").first().getDouble(3), 1e-12);
    assertEquals(2, out.filter("origin = 'SFO' AND delay = 20.0 AND r = 2.5").count(),
        "ties share the average of ranks 2 and 3, as pandas' default method='average'");
    assertEquals(1.0, out.filter("origin = 'LAX'").first().getDouble(3), 1e-12);
  }

  @Test
  void fittedModeLearnsOnTrainAndDefaultsUnseenGroups() {
    Dataset<Row> valid = spark.get().sql("SELECT * FROM VALUES ('SFO', 3, 100.0D), ('JFK', 1, 5.0D), (NULL, 2, 0.0D)"
        + " AS t(origin, hour, delay)");
    GroupStatsModel m = new GroupStats().setMode("fitted").setSpecs("mean(delay) by origin as m",
        "count by origin as n").fit(train());
    Dataset<Row> out = m.transform(valid);
    assertEquals(3, out.count(), "left join keeps every row");
    assertEquals(50.0 / 3, out.filter("origin = 'SFO'").first().getDouble(3), 1e-9, "validation labels not used");
    assertTrue(out.filter("origin = 'JFK'").first().isNullAt(3), "unseen group -> null");
    assertEquals(7.0, out.filter("origin IS NULL").first().getDouble(3), 1e-9);
    GroupStatsModel withDefault = new GroupStats().setMode("fitted").setSpecs("mean(delay) by origin as m")
        .setDefaultValue(-1).fit(train());
    assertEquals(-1.0, withDefault.transform(valid).filter("origin = 'JFK'").first().getDouble(3), 1e-9);
  }

  @Test
  void badSpecsFailWithTheGrammar() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new GroupStats().setSpecs("mean delay per origin").fit(train()));
    assertTrue(e.getMessage().contains("expected"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new GroupStats().setSpecs("median(delay) by origin as m").fit(train()));
    assertThrows(IllegalArgumentException.class,
        () -> new GroupStats().setMode("fitted").setSpecs("rank(delay) by origin as r").fit(train()));
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> new GroupStats().setSpecs("mean(delay) by orign as m").fit(train()));
    assertTrue(missing.getMessage().contains("available columns: origin, hour, delay"), missing.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new GroupStats().setSpecs("count by origin as hour").fit(train()), "existing output column");
  }

  @Test
  void saveLoadRoundTripInBothModes(@TempDir Path dir) throws Exception {
    for (String mode : new String[] {"within", "fitted"}) {
      GroupStatsModel m = new GroupStats().setMode(mode).setSpecs("mean(delay) by origin,hour as m",
          "count by origin as n").fit(train());
      String path = dir.resolve(mode).toString();
      m.write().save(path);
      assertEquals(0, GroupStatsModel.load(path).transform(train()).exceptAll(m.transform(train())).count(), mode);
    }
    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {
        new GroupStats().setMode("fitted").setSpecs("mean(delay) by origin as m")}).fit(train());
    pm.write().save(dir.resolve("pm").toString());
    assertEquals(0, PipelineModel.load(dir.resolve("pm").toString()).transform(train())
        .exceptAll(pm.transform(train())).count());
  }

  @Test
  void defaultValueIsOnlyForUnseenGroupsNotForNullStatisticsOfSeenOnes() {
    // LAX has one training row: its sample std is null (pandas NaN), but LAX was seen in training.
    Dataset<Row> valid = spark.get().sql("SELECT * FROM VALUES ('LAX', 1, 5.0D), ('JFK', 1, 5.0D)"
        + " AS t(origin, hour, delay)");
    Dataset<Row> out = new GroupStats().setMode("fitted").setSpecs("std(delay) by origin as sd").setDefaultValue(-1)
        .fit(train()).transform(valid);
    assertTrue(out.filter("origin = 'LAX'").first().isNullAt(3), "seen group keeps its own (null) statistic");
    assertEquals(-1.0, out.filter("origin = 'JFK'").first().getDouble(3), 1e-9, "unseen group gets the default");
  }

  @Test
  void outputTypesMatchTransformSchemaForIntegerAndDecimalColumns() {
    Dataset<Row> df = spark.get().sql("SELECT origin, hour, CAST(delay AS DECIMAL(10, 2)) AS delay FROM VALUES"
        + " ('SFO', 1, 10.0D), ('SFO', 2, 20.0D), ('LAX', 3, 4.0D) AS t(origin, hour, delay)");
    String[] specs = {"sum(hour) by origin as h_sum", "mean(delay) by origin as d_mean", "sum(delay) by origin as d_sum",
        "std(hour) by origin as h_sd"};
    for (String mode : new String[] {"within", "fitted"}) {
      GroupStats gs = new GroupStats().setMode(mode).setSpecs(specs);
      assertEquals(gs.transformSchema(df.schema()), gs.fit(df).transform(df).schema(), mode);
    }
  }

  @Test
  void nanValuesAreMissingAsInPandas() {
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES ('SFO', 10.0D), ('SFO', double('NaN')), ('SFO', 20.0D)"
        + " AS t(origin, delay)");
    String[] specs = {"count(delay) by origin as n", "mean(delay) by origin as mean", "sum(delay) by origin as total",
        "min(delay) by origin as lo", "max(delay) by origin as hi", "std(delay) by origin as sd",
        "nunique(delay) by origin as uniq"};
    for (String mode : new String[] {"within", "fitted"}) {
      Row r = new GroupStats().setMode(mode).setSpecs(specs).fit(df).transform(df).first();
      assertEquals(2L, r.getLong(r.fieldIndex("n")), mode);
      assertEquals(15.0, r.getDouble(r.fieldIndex("mean")), 1e-9, mode);
      assertEquals(30.0, r.getDouble(r.fieldIndex("total")), 1e-9, mode);
      assertEquals(10.0, r.getDouble(r.fieldIndex("lo")), 1e-9, mode);
      assertEquals(20.0, r.getDouble(r.fieldIndex("hi")), 1e-9, mode);
      assertEquals(Math.sqrt(50.0), r.getDouble(r.fieldIndex("sd")), 1e-9, mode);
      assertEquals(2L, r.getLong(r.fieldIndex("uniq")), mode);
    }
    Dataset<Row> ranked = new GroupStats().setSpecs("rank(delay) by origin as r").fit(df).transform(df);
    assertTrue(ranked.filter("isnan(delay)").first().isNullAt(2), "NaN gets a null rank");
  }
}
