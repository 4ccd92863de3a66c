package io.sparkfast.tabular.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkfast.tabular.SparkTestSession;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ContCatSplitTest {

  @RegisterExtension static SparkTestSession spark = new SparkTestSession();

  @Test
  void followsFastaiMaxCardRule() {
    // id has 4 distinct values, small has 2; with maxCard 3 only id is continuous among the integers.
    Dataset<Row> df = spark.get().sql("SELECT * FROM VALUES (1, 0, 1.5D, 'a', true, 10),"
        + " (2, 1, 2.5D, 'b', false, 20), (3, 0, 3.5D, 'a', true, 30), (4, 1, 4.5D, 'c', true, 40)"
        + " AS t(id, small, x, s, flag, y)");
    ContCatSplit.Result r = ContCatSplit.split(df, 3, "y");
    assertEquals(List.of("id", "x"), r.continuous());
    assertEquals(List.of("small", "s", "flag"), r.categorical());
    ContCatSplit.Result exact = ContCatSplit.split(df, 4, "y");
    assertEquals(List.of("x"), exact.continuous(), "4 distinct values is not more than maxCard 4");
    assertThrows(IllegalArgumentException.class, () -> ContCatSplit.split(df, 0, "y"));
  }
}
