package io.sparkfast.tabular.split;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.rand;

import io.sparkfast.tabular.util.Frames;
import io.sparkfast.tabular.util.SchemaChecks;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * Training/validation splits, made before any statistics are learned (fastai's splitters).
 *
 * <ul>
 *   <li>{@link #timeSplit}: the last {@code validFraction} of the time column goes to validation, as fastbook does
 *       for time series: cutoff = {@code percentile_disc(1 - validFraction)} of the column, the smallest value whose
 *       cumulative share of the rows is {@code >= 1 - validFraction} (on 1, 2, 3 with 0.2: 3; pandas'
 *       {@code quantile(0.8, interpolation='lower')} would give 2); rows with a value {@code >= cutoff} are
 *       validation, earlier rows training. Rows with a null time go to neither split. One aggregation; no rows are
 *       collected.
 *   <li>{@link #randomSplit}: a row is validation when {@code rand(seed) < validFraction}; deterministic for a seed
 *       and the same input partitioning (as every Spark random split).
 * </ul>
 */
public final class Splits {

  /** A training and a validation split. */
  public record TrainValid(Dataset<Row> train, Dataset<Row> valid) {}

  private Splits() {}

  /** Splits on time: the last {@code validFraction} of {@code column} values (date, timestamp or numeric). */
  public static TrainValid timeSplit(Dataset<Row> data, String column, double validFraction) {
    requireFraction(validFraction);
    DataType type = SchemaChecks.requireColumn(data.schema(), column).dataType();
    boolean ok = type instanceof NumericType || type.equals(DataTypes.DateType) || type.equals(DataTypes.TimestampType)
        || type.equals(DataTypes.TimestampNTZType);
    if (!ok) {
      throw new IllegalArgumentException("Time split column '" + column + "' must be a date, timestamp or number but is "
          + type.simpleString() + "; parse it first (split.dateFormat for strings)");
    }
    String quoted = Frames.quote(column);
    // percentile_disc needs numbers: order times by epoch microseconds, dates by epoch days.
    String key = type instanceof NumericType ? quoted
        : type.equals(DataTypes.DateType) ? "unix_date(" + quoted + ")"
        : "unix_micros(CAST(" + quoted + " AS TIMESTAMP))";
    Row r = data.agg(expr("percentile_disc(" + (1.0 - validFraction) + ") WITHIN GROUP (ORDER BY " + key + ")"))
        .first();
    if (r.isNullAt(0)) {
      throw new IllegalArgumentException("Cannot split on '" + column + "': the input is empty or the column is all null");
    }
    Object cutoff = r.get(0);
    return new TrainValid(data.filter(expr(key).lt(cutoff)), data.filter(expr(key).geq(cutoff)));
  }

  /** Splits at random: validation when {@code rand(seed) < validFraction}. */
  public static TrainValid randomSplit(Dataset<Row> data, double validFraction, long seed) {
    requireFraction(validFraction);
    String u = "__sparkfast_split_u";
    Dataset<Row> withU = data.withColumn(u, rand(seed));
    return new TrainValid(withU.filter(col(u).geq(validFraction)).drop(u), withU.filter(col(u).lt(validFraction)).drop(u));
  }

  private static void requireFraction(double f) {
    if (!(f > 0 && f < 1)) {
      throw new IllegalArgumentException("validFraction must be in (0, 1) but is " + f);
    }
  }
}
