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

class NormalizeTest {

  @RegisterExtension static SparkTestSession spark = new SparkTestSession();

  /** age 2, 4, 6: mean 4, population std sqrt(8/3). */
  private Dataset<Row> train() {
    return spark.get().sql("SELECT * FROM VALUES (2, 1.0D), (4, 1.0D), (6, 1.0D) AS t(age, c)");
  }

  @Test
  void usesTrainMeanAndPopulationStdPlusEpsilon() {
    NormalizeModel m = new Normalize().setInputCols("age", "c").fit(train());
    assertEquals(4.0, m.mean("age"), 1e-12);
    assertEquals(Math.sqrt(8.0 / 3), m.std("age"), 1e-12);
    Row r = m.transform(spark.get().sql("SELECT 10 AS age, 3.0D AS c")).first();
    assertEquals(6.0 / (Math.sqrt(8.0 / 3) + 1e-7), r.getDouble(0), 1e-9);
    assertEquals(2.0 / 1e-7, r.getDouble(1), 1e-3, "a constant column divides by fastai's epsilon");
  }

  @Test
  void rejectsMissingAndNonNumericColumns() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Normalize().setInputCols("ag").fit(train()));
    assertTrue(e.getMessage().contains("available columns: age, c"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Normalize().setInputCols("s").fit(spark.get().sql("SELECT 'x' AS s")));
  }

  @Test
  void saveLoadRoundTrip(@TempDir Path dir) throws Exception {
    NormalizeModel m = new Normalize().setInputCols("age").fit(train());
    m.write().save(dir.resolve("m").toString());
    assertEquals(0, NormalizeModel.load(dir.resolve("m").toString()).transform(train())
        .exceptAll(m.transform(train())).count());
    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {new Normalize().setInputCols("age")})
        .fit(train());
    pm.write().save(dir.resolve("pm").toString());
    assertEquals(0, PipelineModel.load(dir.resolve("pm").toString()).transform(train())
        .exceptAll(pm.transform(train())).count());
  }

  @Test
  void decimalColumnsAreNormalizedLikeDoubles() {
    Dataset<Row> df = spark.get().sql("SELECT CAST(x AS DECIMAL(10, 2)) AS x FROM VALUES (2), (4), (6) AS t(x)");
    NormalizeModel m = new Normalize().setInputCols("x").fit(df);
    assertEquals(4.0, m.mean("x"), 1e-12);
    assertEquals(Math.sqrt(8.0 / 3), m.std("x"), 1e-12);
    assertEquals(2.0 / (Math.sqrt(8.0 / 3) + 1e-7), m.transform(df).orderBy("x").collectAsList().get(2).getDouble(0),
        1e-9);
  }

  @Test
  void nanIsSkippedInTheStatisticsAsPandasDoes() {
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES (2.0D), (double('NaN')), (4.0D), (6.0D) AS t(x)");
    NormalizeModel m = new Normalize().setInputCols("x").fit(df);
    assertEquals(4.0, m.mean("x"), 1e-12);
    assertEquals(Math.sqrt(8.0 / 3), m.std("x"), 1e-12);
  }
}
