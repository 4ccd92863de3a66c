package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_distinct;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructField;

/**
 * fastai's {@code cont_cat_split(df, max_card=20, dep_var)}: floating-point and decimal columns are continuous;
 * integer columns are continuous when they have more than {@code maxCard} distinct values and categorical
 * otherwise; every other column (strings, booleans, dates) is categorical. The dependent variable is left out.
 * Exact cardinalities of all integer columns come from one aggregation.
 */
public final class ContCatSplit {

  /** The result: continuous and categorical column names, in schema order. */
  public record Result(List<String> continuous, List<String> categorical) {
    public Result {
      continuous = List.copyOf(continuous);
      categorical = List.copyOf(categorical);
    }
  }

  private ContCatSplit() {}

  /** Splits the columns of {@code data} (except {@code depVar}, which may be null) with fastai's max_card rule. */
  public static Result split(Dataset<Row> data, int maxCard, String depVar) {
    if (maxCard < 1) {
      throw new IllegalArgumentException("maxCard must be >= 1 but is " + maxCard);
    }
    List<String> ints = new ArrayList<>();
    List<Column> counts = new ArrayList<>();
    for (StructField f : data.schema().fields()) {
      if (f.dataType() instanceof IntegralType && !f.name().equals(depVar)) {
        ints.add(f.name());
        counts.add(count_distinct(col(f.name())));
      }
    }
    Row card = counts.isEmpty() ? null
        : data.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).first();
    List<String> cont = new ArrayList<>();
    List<String> cat = new ArrayList<>();
    for (StructField f : data.schema().fields()) {
      if (f.name().equals(depVar)) {
        continue;
      }
      DataType t = f.dataType();
      boolean continuous = t instanceof DoubleType || t instanceof FloatType || t instanceof DecimalType
          || (t instanceof IntegralType && card.getLong(ints.indexOf(f.name())) > maxCard);
      (continuous ? cont : cat).add(f.name());
    }
    return new Result(cont, cat);
  }
}
