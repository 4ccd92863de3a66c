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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class FillMissingTest {

  @RegisterExtension static SparkTestSession spark = new SparkTestSession();

  /** age has a null and a NaN (median of 1, 2, 4, 10 = 3; mode of 2, 2, 5 = 2); fare has none. */
  private Dataset<Row> train() {
    return spark.get().sql("SELECT * FROM VALUES (1.0, 2, 7.0), (2.0, 2, 8.0), (NULL, 5, 9.0), (4.0, NULL, 1.0),"
        + " (10.0, NULL, 2.0), (double('NaN'), 2, 3.0) AS t(age, sibsp, fare)");
  }

  @Test
  void medianFillsAndIndicatorsOnlyForColumnsMissingInTrain() {
    FillMissingModel m = new FillMissing().setInputCols("age", "fare").fit(train());
    assertEquals(3.0, m.fillValues().get("age"), 1e-12);
    assertEquals(List.of("age_na"), m.indicatorColumns());
    Dataset<Row> out = m.transform(train());
    assertEquals(2, out.filter("age = 3.0 AND age_na").count());
    assertEquals(0, out.filter("age IS NULL OR isnan(age)").count());
    assertTrue(!List.of(out.columns()).contains("fare_na"));
  }

  @Test
  void modeAndConstantStrategies() {
    assertEquals(2.0, new FillMissing().setInputCols("sibsp").setStrategy("mode").fit(train()).fillValues()
        .get("sibsp"), 1e-12);
    FillMissingModel c = new FillMissing().setInputCols("sibsp").setStrategy("constant").setFillValue(-1)
        .fit(train());
    assertEquals(2, c.transform(train()).filter("sibsp = -1 AND sibsp_na").count());
  }

  @Test
  void newMissingColumnFailsUnlessKeep() {
    FillMissingModel m = new FillMissing().setInputCols("fare").fit(train());
    Dataset<Row> valid = spark.get().sql("SELECT CAST(NULL AS DOUBLE) AS fare");
    Exception e = assertThrows(Exception.class, () -> m.transform(valid).collectAsList());
    assertTrue(String.valueOf(e.getMessage()).contains("handleInvalid=keep"), e.getMessage());
    assertEquals(5.0, m.setHandleInvalid("keep").transform(valid).first().getDouble(0), 1e-12,
        "median of 1, 2, 3, 7, 8, 9");
  }

  @Test
  void rejectsMissingAndNonNumericColumns() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FillMissing().setInputCols("ag").fit(train()));
    assertTrue(e.getMessage().contains("available columns: age, sibsp, fare"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new FillMissing().setInputCols("s").fit(spark.get().sql("SELECT 'x' AS s")));
  }

  @Test
  void saveLoadRoundTrip(@TempDir Path dir) throws Exception {
    FillMissingModel m = new FillMissing().setInputCols("age", "sibsp").fit(train());
    m.write().save(dir.resolve("m").toString());
    FillMissingModel back = FillMissingModel.load(dir.resolve("m").toString());
    assertEquals(m.fillValues(), back.fillValues());
    assertEquals(0, back.transform(train()).exceptAll(m.transform(train())).count());
    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {new FillMissing().setInputCols("age")})
        .fit(train());
    pm.write().save(dir.resolve("pm").toString());
    assertEquals(0, PipelineModel.load(dir.resolve("pm").toString()).transform(train())
        .exceptAll(pm.transform(train())).count());
  }

  @Test
  void indicatorColumnsComeInTransformSchemaOrder() {
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES (1.0, NULL, 3.0, NULL), (NULL, 2.0, NULL, 4.0)"
        + " AS t(a, b, c, d)");
    FillMissingModel m = new FillMissing().setInputCols("a", "b", "c", "d").fit(df);
    assertEquals(List.of("a", "b", "c", "d", "a_na", "b_na", "c_na", "d_na"), List.of(m.transform(df).columns()));
    assertEquals(List.of(m.transformSchema(df.schema()).fieldNames()), List.of(m.transform(df).columns()));
  }
}
