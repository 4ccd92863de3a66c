package io.sparkfast.tabular.util;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/** DataFrame helpers shared by the stages. */
public final class Frames {

  private Frames() {}

  /**
   * {@code Dataset.withColumns(map)} that keeps the map's order: columns already in {@code df} (by Spark's name
   * resolution) are replaced in place, new ones are appended in iteration order of {@code columns}. (Spark's
   * {@code withColumns(java.util.Map)} goes through a Scala hash map, so with more than four entries the new columns
   * come out in hash order, not in the order {@code transformSchema} promises.)
   */
  public static Dataset<Row> withColumnsInOrder(Dataset<Row> df, Map<String, Column> columns) {
    Map<String, Column> pending = new LinkedHashMap<>(columns);
    List<Column> select = new ArrayList<>();
    for (String name : df.columns()) {
      // matched as Spark's withColumns matches names (ignoring case unless spark.sql.caseSensitive)
      String key = pending.keySet().stream().filter(k -> SchemaChecks.sameName(k, name)).findFirst().orElse(null);
      Column replacement = key == null ? null : pending.remove(key);
      select.add(replacement == null ? col(quote(name)) : replacement.as(key));
    }
    pending.forEach((name, c) -> select.add(c.as(name)));
    return df.select(select.toArray(new Column[0]));
  }

  /**
   * {@code c} with NaN read as missing (null), as pandas' statistics skip it; Spark's aggregates would count NaN, or
   * make the result NaN, or sort it as the largest value.
   */
  public static Column nanAsNull(Column c) {
    return when(isnan(c.cast(DataTypes.DoubleType)), lit(null)).otherwise(c);
  }

  /** {@code name} quoted with backticks, so that dots and other special characters are taken literally. */
  public static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
