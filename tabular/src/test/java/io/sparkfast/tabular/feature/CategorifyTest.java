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

class CategorifyTest {

  @RegisterExtension static SparkTestSession spark = new SparkTestSession();

  private Dataset<Row> train() {
    return spark.get().sql("SELECT * FROM VALUES ('b', 'low', 3), ('a', 'high', 1), (NULL, 'mid', 3), ('b', NULL, 2)"
        + " AS t(city, size, n)");
  }

  /** Rows to encode, with the expected codes as columns. */
  private Dataset<Row> valid() {
    return spark.get().sql("SELECT * FROM VALUES ('a', 'mid', 2, 1, 2, 2), ('zzz', 'huge', 7, 0, 0, 0),"
        + " (NULL, 'low', 1, 0, 1, 1) AS t(city, size, n, e_city, e_size, e_n)");
  }

  @Test
  void codesFollowSortedVocabularyWithNaAndUnseenAsZero() {
    CategorifyModel m = new Categorify().setInputCols("city", "size", "n")
        .setOutputCols("city_c", "size_c", "n_c").setOrderedCategories("size:low|mid|high").fit(train());
    assertEquals(List.of("#na#", "a", "b"), m.vocabulary("city"));
    assertEquals(List.of("#na#", "low", "mid", "high"), m.vocabulary("size"), "given order kept");
    assertEquals(List.of("#na#", "1", "2", "3"), m.vocabulary("n"), "integers sorted numerically");
    Dataset<Row> out = m.transform(valid());
    assertEquals(0, out.filter("city_c <> e_city OR size_c <> e_size OR n_c <> e_n").count());
  }

  @Test
  void inPlaceByDefaultAndErrorModeRejectsUnseen() {
    CategorifyModel m = new Categorify().setInputCols("city").fit(train());
    assertEquals("integer", m.transform(valid()).schema().apply("city").dataType().typeName());
    Exception e = assertThrows(Exception.class,
        () -> m.setHandleInvalid("error").transform(valid()).collectAsList());
    assertTrue(String.valueOf(e.getMessage()).contains("'zzz'"), e.getMessage());
  }

  @Test
  void vocabularyIsInSparksAscendingOrder() {
    // bytes, not Java's UTF-16 order: upper case before lower, accents and other scripts after ASCII, "10" before "9";
    // negative numbers first; false before true
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES ('b', -3L, true), ('B', 10L, false), ('\u00e9', 9L, true),"
        + " ('\u03a9', -12L, NULL), ('10', 0L, false), ('9', 9L, true), ('a', NULL, false), (NULL, 7L, true),"
        + " ('\ud83d\ude00', 1L, true), ('\uff5e', 2L, true) AS t(s, l, b)");
    CategorifyModel m = new Categorify().setInputCols("s", "l", "b").fit(df);
    for (String c : List.of("s", "l", "b")) {
      List<String> expected = new java.util.ArrayList<>(List.of("#na#"));
      df.select(c).where(c + " IS NOT NULL").distinct().orderBy(c).collectAsList()
          .forEach(r -> expected.add(String.valueOf(r.get(0))));
      assertEquals(expected, m.vocabulary(c), c);
    }
  }

  @Test
  void cardinalityCapFailsWithTheFix() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Categorify().setInputCols("n").setMaxCategories(2).fit(train()));
    assertTrue(e.getMessage().contains("raise maxCategories"), e.getMessage());
  }

  @Test
  void rejectsMissingAndNonCategoricalColumns() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Categorify().setInputCols("town").fit(train()));
    assertTrue(e.getMessage().contains("available columns: city, size, n"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Categorify().setInputCols("x")
        .fit(spark.get().sql("SELECT 1.5 AS x")));
    assertThrows(IllegalArgumentException.class, () -> new Categorify().setInputCols("city").setOutputCols("size")
        .fit(train()), "existing output column");
  }

  @Test
  void saveLoadRoundTrip(@TempDir Path dir) throws Exception {
    CategorifyModel m = new Categorify().setInputCols("city", "size").setOrderedCategories("size:low|mid|high")
        .fit(train());
    m.write().save(dir.resolve("m").toString());
    CategorifyModel back = CategorifyModel.load(dir.resolve("m").toString());
    assertEquals(m.vocabulary("size"), back.vocabulary("size"));
    assertEquals(0, back.transform(valid()).exceptAll(m.transform(valid())).count());
    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {new Categorify().setInputCols("city")})
        .fit(train());
    pm.write().save(dir.resolve("pm").toString());
    assertEquals(0, PipelineModel.load(dir.resolve("pm").toString()).transform(valid())
        .exceptAll(pm.transform(valid())).count());
    new Categorify().setInputCols("city").write().save(dir.resolve("est").toString());
    assertEquals(List.of("city"), List.of(Categorify.load(dir.resolve("est").toString()).getInputCols()));
  }

  @Test
  void newOutputColumnsComeInTransformSchemaOrder() {
    Dataset<Row> df = spark.get().sql("SELECT 'x' AS a, 'y' AS b, 'z' AS c, 'u' AS d, 'v' AS e");
    CategorifyModel m = new Categorify().setInputCols("a", "b", "c", "d", "e")
        .setOutputCols("a_c", "b_c", "c_c", "d_c", "e_c").fit(df);
    assertEquals(List.of("a", "b", "c", "d", "e", "a_c", "b_c", "c_c", "d_c", "e_c"),
        List.of(m.transform(df).columns()));
  }

  @Test
  void duplicateOrderedCategoriesFailAtFit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Categorify().setInputCols("size").setOrderedCategories("size:low|mid|low").fit(train()));
    assertTrue(e.getMessage().contains("'low' more than once"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Categorify().setInputCols("size")
        .setOrderedCategories("size:low|mid", "size:mid|low").fit(train()));
  }
}
