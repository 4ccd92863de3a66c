package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.rank;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.sparkfast.tabular.util.Frames;
import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructType;

/**
 * Declarative group statistics as new columns (fastai's feature-engineering lessons, pandas'
 * {@code groupby().transform}). Each entry of {@code specs} reads {@code "mean(delay) by origin,hour as
 * origin_hour_delay_mean"} or {@code "count by origin,day as origin_day_flights"}; statistics: count (rows, or
 * non-null values when a column is given), mean, sum, min, max, std (sample, as pandas), nunique, rank (1-based,
 * ascending, a double: tied values share the average of their ranks, pandas' default {@code method='average'}; null
 * values get a null rank). NaN in a
 * floating-point value column is missing, as in pandas: skipped by every statistic, and ranked null.
 *
 * <p>Two modes. {@code within}: statistics are computed over whatever data is transformed, with window functions
 * (fit learns nothing). {@code fitted}: fit learns per-group statistics on the training data and transform joins
 * them onto any split, so a target statistic never leaks validation labels; groups unseen in training get
 * {@code defaultValue} (null unless set). Null keys form a group of their own. rank exists only in within mode.
 */
public final class GroupStats extends Estimator<GroupStatsModel> implements GroupStatsParams, MLWritable {

  private static final long serialVersionUID = 1L;
  private final String uid;
  private final StringArrayParam specs;
  private final Param<String> mode;
  private final DoubleParam defaultValue;

  /** Creates the estimator with a random uid. */
  public GroupStats() {
    this(Identifiable$.MODULE$.randomUID("groupStats"));
  }

  /** Creates the estimator with {@code uid}. */
  public GroupStats(String uid) {
    this.uid = uid;
    specs = GroupStatsParams.specsParam(this);
    mode = GroupStatsParams.modeParam(this);
    defaultValue = GroupStatsParams.defaultValueParam(this);
    setDefault(mode, "within");
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public StringArrayParam specs() {
    return specs;
  }

  @Override
  public Param<String> mode() {
    return mode;
  }

  @Override
  public DoubleParam defaultValue() {
    return defaultValue;
  }

  public GroupStats setSpecs(String... value) {
    set(specs, value);
    return this;
  }

  public GroupStats setMode(String value) {
    set(mode, value);
    return this;
  }

  public GroupStats setDefaultValue(double value) {
    set(defaultValue, value);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return validateAndTransformSchema(schema);
  }

  @Override
  public GroupStatsModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    List<Dataset<Row>> tables = new ArrayList<>();
    if (getMode().equals("fitted")) {
      for (GroupStatSpec s : parsedSpecs()) {
        Column[] keys = s.keys().stream().map(k -> col(k)).toArray(Column[]::new);
        tables.add(dataset.toDF().groupBy(keys).agg(asDeclared(s, aggregate(s, dataset.schema())).alias(s.output()))
            .cache());
      }
    }
    return copyValues(new GroupStatsModel(uid, tables).setParent(this), ParamMap.empty());
  }

  /**
   * The value column of {@code s}: a constant for a row count, and NaN read as missing in a floating-point column,
   * as pandas' statistics skip it (Spark's avg, sum and std would be NaN, count and nunique would count it, and
   * rank would rank it last).
   */
  static Column value(GroupStatSpec s, StructType schema) {
    if (s.value() == null) {
      return lit(1);
    }
    Column v = col(s.value());
    DataType t = schema.apply(s.value()).dataType();
    return t instanceof DoubleType || t instanceof FloatType ? Frames.nanAsNull(v) : v;
  }

  /** The aggregate of {@code s} over a group (also used over a window in within mode). */
  static Column aggregate(GroupStatSpec s, StructType schema) {
    Column v = value(s, schema);
    return switch (s.stat()) {
      case "count" -> count(v);
      case "mean" -> avg(v);
      case "sum" -> sum(v);
      case "min" -> min(v);
      case "max" -> max(v);
      case "std" -> stddev_samp(v);
      case "nunique" -> count_distinct(v);
      default -> throw new IllegalArgumentException("rank is a within-group transform, not an aggregate");
    };
  }

  /**
   * {@code value} cast to the type transformSchema declares for {@code s}: mean, sum and std are doubles (Spark's sum
   * of an integer column is a long, and its avg and sum of a decimal column are decimals).
   */
  static Column asDeclared(GroupStatSpec s, Column value) {
    return switch (s.stat()) {
      case "mean", "sum", "std" -> value.cast(DataTypes.DoubleType);
      default -> value;
    };
  }

  /** The window expression of {@code s} for within mode. */
  static Column window(GroupStatSpec s, StructType schema) {
    WindowSpec w = Window.partitionBy(s.keys().stream().map(k -> col(k)).toArray(Column[]::new));
    Column v = value(s, schema);
    return switch (s.stat()) {
      case "rank" -> {
        // pandas' default method='average': tied values share the mean of the ranks they span, that is the lowest
        // rank plus (ties - 1) / 2.
        Column[] tieKeys = Stream.concat(s.keys().stream().map(k -> col(k)), Stream.of(v)).toArray(Column[]::new);
        Column ties = count(lit(1)).over(Window.partitionBy(tieKeys));
        yield when(v.isNull(), lit(null)).otherwise(rank().over(w.orderBy(v.asc_nulls_last()))
            .plus(ties.minus(1).divide(2.0))).cast(DataTypes.DoubleType);
      }
      case "nunique" -> size(collect_set(v).over(w)).cast(DataTypes.LongType);
      default -> asDeclared(s, aggregate(s, schema).over(w));
    };
  }

  @Override
  public GroupStats copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  /** Reader for saved estimators. */
  public static MLReader<GroupStats> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static GroupStats load(String path) {
    return read().load(path);
  }

  static void requireColumns(StructType schema, GroupStatSpec s) {
    SchemaChecks.requireColumns(schema, s.keys());
    if (s.value() != null) {
      if (s.stat().equals("count") || s.stat().equals("nunique") || s.stat().equals("rank")
          || s.stat().equals("min") || s.stat().equals("max")) {
        SchemaChecks.requireColumn(schema, s.value());
      } else {
        SchemaChecks.requireNumeric(schema, s.value());
      }
    }
  }
}
