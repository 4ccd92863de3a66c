package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkfast.tabular.SparkTestSession;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ElapsedTimesTest {

  @RegisterExtension static SparkTestSession spark = new SparkTestSession();

  /**
   * Two stores, six dates each, rows out of order; Promo is boolean (one null, counted as false), Holiday is 0/1.
   * The e* columns hold the values computed by hand with window = 3: After, Before, _bw, _fw of Promo (eAP, eBP,
   * eBwP, eFwP) and of Holiday (eAH, eBH, eBwH, eFwH).
   *
   * <pre>
   * store 1  01-01 01-02 01-04 01-05 01-08 01-10   Promo F T T null T F   Holiday 1 0 0 0 0 0
   * store 2  01-01 01-03 01-04 01-06 01-07 01-09   Promo T F F F T F      Holiday 0 0 0 0 0 1
   * </pre>
   */
  private Dataset<Row> data() {
    return spark.get().sql("SELECT Store, CAST(d AS DATE) AS Date, Promo, Holiday,"
        + " eAP, eBP, eBwP, eFwP, eAH, eBH, eBwH, eFwH FROM VALUES"
        + " (2, '2015-01-06', false, 0,   5,   -1,  0, 1,   NULL, -3,  0, 1),"
        + " (1, '2015-01-05', NULL,  0,   1,   -3,  2, 1,   4,   NULL, 0, 0),"
        + " (1, '2015-01-10', false, 0,   2,   NULL, 1, 0,  9,   NULL, 0, 0),"
        + " (2, '2015-01-01', true,  0,   0,   0,   1, 1,   NULL, -8,  0, 0),"
        + " (1, '2015-01-01', false, 1,   NULL, -1, 0, 2,   0,   0,    1, 1),"
        + " (2, '2015-01-09', false, 1,   2,   NULL, 1, 0,  0,   0,    1, 1),"
        + " (1, '2015-01-08', true,  0,   0,   0,   2, 1,   7,   NULL, 0, 0),"
        + " (2, '2015-01-04', false, 0,   3,   -3,  1, 1,   NULL, -5,  0, 0),"
        + " (1, '2015-01-02', true,  0,   0,   0,   1, 2,   1,   NULL, 1, 0),"
        + " (2, '2015-01-07', true,  0,   0,   0,   1, 1,   NULL, -2,  0, 1),"
        + " (1, '2015-01-04', true,  0,   0,   0,   2, 2,   3,   NULL, 1, 0),"
        + " (2, '2015-01-03', false, 0,   2,   -4,  1, 0,   NULL, -6,  0, 0)"
        + " AS t(Store, d, Promo, Holiday, eAP, eBP, eBwP, eFwP, eAH, eBH, eBwH, eFwH)");
  }

  private static ElapsedTimes stage() {
    return new ElapsedTimes().setFieldNames("Promo", "Holiday").setDateCol("Date").setGroupCols("Store").setWindow(3);
  }

  /** Rows where any output differs from its hand-computed value (nulls compared as values). */
  private static List<Row> mismatches(Dataset<Row> out) {
    return out.filter("NOT (AfterPromo <=> eAP AND BeforePromo <=> eBP AND Promo_bw <=> eBwP AND Promo_fw <=> eFwP"
        + " AND AfterHoliday <=> eAH AND BeforeHoliday <=> eBH AND Holiday_bw <=> eBwH AND Holiday_fw <=> eFwH)")
        .collectAsList();
  }

  @Test
  void elapsedTimesAndRollingSumsMatchHandComputedValues() {
    Dataset<Row> out = stage().transform(data());
    assertEquals(12, out.count(), "one output row per input row");
    assertEquals(List.of(), mismatches(out));
    assertEquals(DataTypes.IntegerType, out.schema().apply("AfterPromo").dataType());
    assertEquals(DataTypes.LongType, out.schema().apply("Promo_bw").dataType());
    assertEquals(7, new ElapsedTimes().getWindow(), "fastai's rolling(7)");
  }

  @Test
  void timestampDatesGiveTheSameDays() {
    Dataset<Row> ts = data().withColumn("Date", col("Date").cast(DataTypes.TimestampType));
    assertEquals(List.of(), mismatches(stage().transform(ts)));
    Dataset<Row> ntz = data().withColumn("Date", col("Date").cast(DataTypes.TimestampNTZType));
    assertEquals(List.of(), mismatches(stage().transform(ntz)));
  }

  @Test
  void transformSchemaRejectsBadColumns() {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> stage().setFieldNames("Promo", "Holliday").transform(data()));
    assertTrue(missing.getMessage().contains("'Holliday' does not exist; available columns: Store, Date, Promo,"),
        missing.getMessage());
    IllegalArgumentException group = assertThrows(IllegalArgumentException.class,
        () -> stage().setGroupCols("store_id").transform(data()));
    assertTrue(group.getMessage().contains("available columns: Store, Date"), group.getMessage());
    Dataset<Row> strings = data().withColumn("Date", col("Date").cast(DataTypes.StringType));
    IllegalArgumentException str = assertThrows(IllegalArgumentException.class, () -> stage().transform(strings));
    assertTrue(str.getMessage().contains("'Date'") && str.getMessage().contains("but is string"), str.getMessage());
    IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
        () -> stage().transform(data().withColumn("Promo_fw", col("Promo"))));
    assertTrue(clash.getMessage().contains("'Promo_fw' already exists"), clash.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new ElapsedTimes().setDateCol("Date").setGroupCols("Store").transform(data()), "fieldNames required");
    assertThrows(IllegalArgumentException.class, () -> stage().setGroupCols().transform(data()), "groupCols empty");
    assertThrows(IllegalArgumentException.class, () -> stage().setWindow(0), "window >= 1");
  }

  @Test
  void saveLoadRoundTripAloneAndInPipeline(@TempDir Path dir) throws Exception {
    ElapsedTimes et = stage();
    et.write().save(dir.resolve("et").toString());
    ElapsedTimes loaded = ElapsedTimes.load(dir.resolve("et").toString());
    assertEquals(List.of("Promo", "Holiday"), List.of(loaded.getFieldNames()));
    assertEquals("Date", loaded.getDateCol());
    assertEquals(List.of("Store"), List.of(loaded.getGroupCols()));
    assertEquals(3, loaded.getWindow());
    assertEquals(List.of(), mismatches(loaded.transform(data())));
    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {et,
        new DateParts().setInputCol("Date").setDropOriginal(false)}).fit(data());
    pm.write().save(dir.resolve("pm").toString());
    PipelineModel back = PipelineModel.load(dir.resolve("pm").toString());
    Dataset<Row> out = back.transform(data());
    assertEquals(List.of(), mismatches(out));
    assertTrue(List.of(out.columns()).contains("Elapsed"), "DateParts ran after ElapsedTimes");
    assertEquals(0, out.exceptAll(pm.transform(data())).count());
  }

  @Test
  void outputColumnsComeInTransformSchemaOrder() {
    ElapsedTimes et = stage();
    assertEquals(List.of(et.transformSchema(data().schema()).fieldNames()), List.of(et.transform(data()).columns()));
  }

  @Test
  void timestampDayCountsRoundDownAsFastaisNumpyCast() {
    // fastai: (d - next).astype('timedelta64[D]') floors: -1.5 days -> -2 (and -0.25 days -> -1); After is >= 0.
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES (1, TIMESTAMP_NTZ '2020-01-01 12:00:00', false),"
        + " (1, TIMESTAMP_NTZ '2020-01-02 18:00:00', false), (1, TIMESTAMP_NTZ '2020-01-03 00:00:00', true),"
        + " (1, TIMESTAMP_NTZ '2020-01-04 12:00:00', false) AS t(g, d, e)");
    List<Row> out = new ElapsedTimes().setFieldNames("e").setDateCol("d").setGroupCols("g").transform(df)
        .orderBy("d").select("Aftere", "Beforee").collectAsList();
    assertEquals(-2, out.get(0).getInt(1));
    assertEquals(-1, out.get(1).getInt(1));
    assertEquals(0, out.get(2).getInt(1));
    assertEquals(0, out.get(2).getInt(0));
    assertEquals(1, out.get(3).getInt(0));
  }

  @Test
  void timestampDayCountsAreWallClockDaysAcrossDst() {
    spark.get().conf().set("spark.sql.session.timeZone", "Europe/Berlin");
    try {
      // 2015-03-29 has 23 hours in Berlin; midnight to midnight is still one day.
      Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES (1, TIMESTAMP '2015-03-29 00:00:00', true),"
          + " (1, TIMESTAMP '2015-03-30 00:00:00', false) AS t(g, d, e)");
      Row r = new ElapsedTimes().setFieldNames("e").setDateCol("d").setGroupCols("g").transform(df)
          .orderBy("d").collectAsList().get(1);
      assertEquals(1, r.getInt(r.fieldIndex("Aftere")));
    } finally {
      spark.get().conf().set("spark.sql.session.timeZone", "UTC");
    }
  }
}
