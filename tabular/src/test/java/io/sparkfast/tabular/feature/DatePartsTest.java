package io.sparkfast.tabular.feature;

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
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DatePartsTest {

  @RegisterExtension static SparkTestSession spark = new SparkTestSession();

  /** Input strings with the expected parts as columns: Year, Month, Week, Day, Dayofweek, Dayofyear, flags, Elapsed. */
  private Dataset<Row> expected() {
    StructType schema = new StructType().add("saledate", DataTypes.StringType)
        .add("eYear", DataTypes.IntegerType).add("eWeek", DataTypes.IntegerType).add("eDow", DataTypes.IntegerType)
        .add("eDoy", DataTypes.IntegerType).add("eMonthEnd", DataTypes.BooleanType)
        .add("eQuarterEnd", DataTypes.BooleanType).add("eYearStart", DataTypes.BooleanType)
        .add("eElapsed", DataTypes.LongType);
    return spark.get().createDataFrame(List.of(
        // 2024-12-30 is a Monday in ISO week 1 of 2025.
        RowFactory.create("2024-12-30", 2024, 1, 0, 365, false, false, false, 1735516800L),
        // 2021-01-03 is a Sunday in ISO week 53 of 2020.
        RowFactory.create("2021-01-03", 2021, 53, 6, 3, false, false, false, 1609632000L),
        // 2023-03-31: month end and quarter end, a Friday.
        RowFactory.create("2023-03-31", 2023, 13, 4, 90, true, true, false, 1680220800L),
        // 2024-02-29: leap day, month end, not a quarter end; day 60.
        RowFactory.create("2024-02-29", 2024, 9, 3, 60, true, false, false, 1709164800L),
        RowFactory.create("1970-01-01", 1970, 1, 3, 1, false, false, true, 0L)), schema);
  }

  @Test
  void datePartsMatchHandComputedValues() {
    Dataset<Row> out = new DateParts().setInputCol("saledate").transform(expected());
    assertTrue(List.of(out.columns()).contains("saleYear"), "prefix is the name minus 'date'");
    assertTrue(!List.of(out.columns()).contains("saledate"), "original dropped by default");
    long wrong = out.filter("saleYear <> eYear OR saleWeek <> eWeek OR saleDayofweek <> eDow OR saleDayofyear <> eDoy"
        + " OR saleIs_month_end <> eMonthEnd OR saleIs_quarter_end <> eQuarterEnd OR saleIs_year_start <> eYearStart"
        + " OR saleElapsed <> eElapsed").count();
    assertEquals(0, wrong);
    assertEquals(1, out.filter("saleIs_month_start").count(), "only 1970-01-01 starts a month");
    assertEquals(1, out.filter("saleIs_quarter_start AND saleIs_year_start AND saleYear = 1970").count());
  }

  @Test
  void stringTimestampsWithFormatAndTimeParts() {
    Dataset<Row> df = spark.get().sql("SELECT '2001/01/13 14:56' AS date UNION ALL SELECT NULL");
    Row r = new DateParts().setInputCol("date").setDateFormat("yyyy/MM/dd HH:mm").setTime(true)
        .setDropOriginal(false).transform(df).orderBy("date").collectAsList().get(1);
    assertEquals(2001, r.getInt(r.fieldIndex("Year")));
    assertEquals(14, r.getInt(r.fieldIndex("Hour")));
    assertEquals(56, r.getInt(r.fieldIndex("Minute")));
    assertEquals(5, r.getInt(r.fieldIndex("Dayofweek")), "2001-01-13 was a Saturday");
    assertEquals(979397760L, r.getLong(r.fieldIndex("Elapsed")));
    Row nul = new DateParts().setInputCol("date").setDateFormat("yyyy/MM/dd HH:mm").transform(df)
        .filter("Year IS NULL").first();
    assertTrue(nul.isNullAt(nul.fieldIndex("Elapsed")), "null date gives null parts");
  }

  @Test
  void timestampNtzAndDateInputs() {
    Dataset<Row> df = spark.get().sql(
        "SELECT TIMESTAMP_NTZ '2023-03-31 23:59:59' AS t, DATE '2023-03-31' AS d");
    Row r = new DateParts().setInputCol("t").setTime(true).transform(df).first();
    assertEquals(1680307199L, r.getLong(r.fieldIndex("tElapsed")));
    assertEquals(59, r.getInt(r.fieldIndex("tSecond")));
    Row d = new DateParts().setInputCol("d").setPrefix("d_").transform(df).first();
    assertEquals(1680220800L, d.getLong(d.fieldIndex("d_Elapsed")));
  }

  @Test
  void unparsableStringsFollowHandleInvalid() {
    Dataset<Row> df = spark.get().sql("SELECT '2020-01-05' AS date UNION ALL SELECT 'not a date'");
    DateParts dp = new DateParts().setInputCol("date");
    Exception e = assertThrows(Exception.class, () -> dp.transform(df).collectAsList());
    assertTrue(String.valueOf(e.getMessage()).contains("handleInvalid=keep"), e.getMessage());
    assertEquals(1, dp.setHandleInvalid("keep").transform(df).filter("Year IS NULL").count());
    assertEquals(1, dp.setHandleInvalid("skip").transform(df).count());
  }

  @Test
  void errorModeNamesTheColumnAndTheBadValue() {
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES ('2020-01-05'), ('31/12/2020') AS t(saledate)");
    Exception e = assertThrows(Exception.class,
        () -> new DateParts().setInputCol("saledate").transform(df).collectAsList());
    String msg = String.valueOf(e.getMessage());
    assertTrue(msg.contains("column 'saledate'") && msg.contains("'31/12/2020'")
        && msg.contains("dateFormat 'yyyy-MM-dd'"), msg);
  }

  @Test
  void countsUnparsableStringsButNotNulls() {
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES ('2020-01-05'), ('2020-13-01'), (NULL), ('soon'),"
        + " ('2021-02-03') AS t(saledate)");
    assertEquals(2, DateParts.countUnparsable(df, "saledate", "yyyy-MM-dd"));
    assertEquals(4, DateParts.countUnparsable(df, "saledate", "dd/MM/yyyy"), "every non-null string fails");
    DateParts dp = new DateParts().setInputCol("saledate").setHandleInvalid("keep");
    assertEquals(2, dp.countInvalid(df));
    assertEquals(3, dp.transform(df).filter("saleYear IS NULL").count(), "the 2 bad strings and the null");
    assertEquals(0, new DateParts().setInputCol("d").countInvalid(spark.get().sql("SELECT DATE '2020-01-01' AS d")));
    IllegalArgumentException notString = assertThrows(IllegalArgumentException.class,
        () -> DateParts.countUnparsable(spark.get().sql("SELECT 1 AS n"), "n", "yyyy"));
    assertTrue(notString.getMessage().contains("'n' must be of type string"), notString.getMessage());
  }

  @Test
  void transformRejectsMissingColumnAndExistingOutputColumn() {
    Dataset<Row> df = spark.get().sql("SELECT DATE '2020-01-01' AS date, 1 AS Year");
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> new DateParts().setInputCol("dat").transform(df));
    assertTrue(missing.getMessage().contains("available columns: date, Year"), missing.getMessage());
    IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
        () -> new DateParts().setInputCol("date").transform(df));
    assertTrue(clash.getMessage().contains("'Year' already exists"), clash.getMessage());
    // Spark resolves names ignoring case, so a helper column "day" would be overwritten by Day: refused as well
    Dataset<Row> helper = spark.get().sql("SELECT DATE '2020-01-01' AS date, DATE '2020-01-01' AS day");
    IllegalArgumentException caseClash = assertThrows(IllegalArgumentException.class,
        () -> new DateParts().setInputCol("date").transform(helper));
    assertTrue(caseClash.getMessage().contains("'Day' already exists as 'day'"), caseClash.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new DateParts().setInputCol("Year").transform(df), "an int column is not a date");
  }

  @Test
  void saveLoadRoundTripAloneAndInPipeline(@TempDir Path dir) throws Exception {
    DateParts dp = new DateParts().setInputCol("saledate").setTime(true).setPrefix("s_");
    dp.write().save(dir.resolve("dp").toString());
    DateParts loaded = DateParts.load(dir.resolve("dp").toString());
    assertEquals("s_", loaded.getPrefix());
    assertEquals(true, loaded.getTime());
    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {dp}).fit(expected());
    pm.write().save(dir.resolve("pm").toString());
    PipelineModel back = PipelineModel.load(dir.resolve("pm").toString());
    assertEquals(0, back.transform(expected()).exceptAll(pm.transform(expected())).count());
  }

  @Test
  void outputColumnsComeInTransformSchemaOrder() {
    Dataset<Row> df = spark.get().sql("SELECT 7 AS id, '2020-01-05' AS saledate");
    DateParts dp = new DateParts().setInputCol("saledate").setTime(true);
    assertEquals(List.of(dp.transformSchema(df.schema()).fieldNames()), List.of(dp.transform(df).columns()));
  }

  @Test
  void elapsedComesAfterTheTimePartsAsInFastai() {
    Dataset<Row> df = spark.get().sql("SELECT 7 AS id, '2020-01-05' AS saledate");
    assertEquals(List.of("id", "saleYear", "saleMonth", "saleWeek", "saleDay", "saleDayofweek", "saleDayofyear",
        "saleIs_month_end", "saleIs_month_start", "saleIs_quarter_end", "saleIs_quarter_start", "saleIs_year_end",
        "saleIs_year_start", "saleHour", "saleMinute", "saleSecond", "saleElapsed"),
        List.of(new DateParts().setInputCol("saledate").setTime(true).transform(df).columns()));
  }

  @Test
  void stringDatesDoNotDependOnTheSessionTimeZone() {
    // In America/Sao_Paulo, 2018-11-04 00:00 does not exist (DST started at midnight).
    spark.get().conf().set("spark.sql.session.timeZone", "America/Sao_Paulo");
    try {
      Dataset<Row> df = spark.get().sql("SELECT '2018-11-04' AS date");
      Row r = new DateParts().setInputCol("date").setTime(true).transform(df).first();
      assertEquals(0, r.getInt(r.fieldIndex("Hour")));
      assertEquals(1541289600L, r.getLong(r.fieldIndex("Elapsed")), "2018-11-04T00:00 as a UTC wall-clock time");
    } finally {
      spark.get().conf().set("spark.sql.session.timeZone", "UTC");
    }
  }

  @Test
  void stringsWithAnOffsetUseTheirInstant() {
    Dataset<Row> df = spark.get().sql("SELECT '2020-01-05 10:00+02:00' AS date");
    Row r = new DateParts().setInputCol("date").setDateFormat("yyyy-MM-dd HH:mmXXX").setTime(true).transform(df)
        .first();
    assertEquals(1578211200L, r.getLong(r.fieldIndex("Elapsed")), "2020-01-05T08:00Z");
    assertEquals(8, r.getInt(r.fieldIndex("Hour")), "parts in the session time zone (UTC), as for TIMESTAMP input");
    assertTrue(DateParts.hasZone("yyyy-MM-dd'T'HH:mm:ssZ") && !DateParts.hasZone("yyyy-MM-dd 'Zulu'"));
  }
}
