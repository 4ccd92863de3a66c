package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.timestamp_diff;
import static org.apache.spark.sql.functions.when;

import io.sparkfast.tabular.util.Frames;
import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
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
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * fastai's {@code add_elapsed_times} (the Rossmann notebook's {@code get_elapsed} plus rolling sums): for each event
 * column {@code F} in {@code fieldNames}, within each group of {@code groupCols} ordered by {@code dateCol}, adds
 * <ul>
 *   <li>{@code After<F>}: days since the last date at or before this row's date on which F was true (0 on a row
 *       with the event), null when there was none yet;</li>
 *   <li>{@code Before<F>}: days to the next date at or after this row's date on which F is true, as fastai gives it:
 *       {@code this date - next date}, so never positive; null when there is none;</li>
 *   <li>{@code F_bw}, {@code F_fw}: how many of the current row and the {@code window - 1} rows before it (after it)
 *       have F true, pandas' {@code rolling(window, min_periods=1).sum()} over the date-sorted group.</li>
 * </ul>
 *
 * <p>Events may be boolean or numeric (non-zero is true, as pandas' {@code astype(bool)}); a null event is false.
 * Unlike fastai, which fills missing elapsed times with 0, a missing one stays null so a model can tell "no event
 * yet" from "event today". Day counts of timestamps are whole days, rounded down as fastai's numpy casts do (an
 * event 1.5 days ahead gives Before -2). Rows sharing a date in a group all
 * see each other's events in After/Before; the rolling sums count rows, so they assume one row per group and date
 * (as Rossmann's one row per store and day). Computed with window functions over the whole input, so apply it before
 * a train/validation split or to data that holds the history it needs.
 */
public final class ElapsedTimes extends Transformer implements MLWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final StringArrayParam fieldNames;
  private final Param<String> dateCol;
  private final StringArrayParam groupCols;
  private final IntParam window;

  /** Creates the stage with a random uid. */
  public ElapsedTimes() {
    this(Identifiable$.MODULE$.randomUID("elapsedTimes"));
  }

  /** Creates the stage with {@code uid} (used when loading). */
  public ElapsedTimes(String uid) {
    this.uid = uid;
    fieldNames = new StringArrayParam(this, "fieldNames", "event columns (boolean, or numeric with non-zero = true)");
    dateCol = new Param<>(this, "dateCol", "date or timestamp column that orders each group");
    groupCols = new StringArrayParam(this, "groupCols", "columns whose values form a group (e.g. the store)");
    window = new IntParam(this, "window", "rows in the backward and forward rolling sums, the current one included",
        ParamValidators.gtEq(1));
    setDefault(window, 7);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The event columns. */
  public StringArrayParam fieldNames() {
    return fieldNames;
  }

  /** The date column. */
  public Param<String> dateCol() {
    return dateCol;
  }

  /** The group key columns. */
  public StringArrayParam groupCols() {
    return groupCols;
  }

  /** Rows in each rolling sum. */
  public IntParam window() {
    return window;
  }

  public String[] getFieldNames() {
    return $(fieldNames);
  }

  public String getDateCol() {
    return $(dateCol);
  }

  public String[] getGroupCols() {
    return $(groupCols);
  }

  public int getWindow() {
    return (Integer) $(window);
  }

  public ElapsedTimes setFieldNames(String... value) {
    set(fieldNames, value);
    return this;
  }

  public ElapsedTimes setDateCol(String value) {
    set(dateCol, value);
    return this;
  }

  public ElapsedTimes setGroupCols(String... value) {
    set(groupCols, value);
    return this;
  }

  public ElapsedTimes setWindow(int value) {
    set(window, value);
    return this;
  }

  /** The names of the output columns, in order: After, Before, _bw, _fw of each event column. */
  public List<String> outputColumns() {
    List<String> out = new ArrayList<>();
    for (String f : $(fieldNames)) {
      out.add("After" + f);
      out.add("Before" + f);
      out.add(f + "_bw");
      out.add(f + "_fw");
    }
    return out;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!isDefined(fieldNames) || $(fieldNames).length == 0) {
      throw new IllegalArgumentException("ElapsedTimes needs fieldNames (the boolean or 0/1 event columns)");
    }
    if (!isDefined(dateCol)) {
      throw new IllegalArgumentException("ElapsedTimes needs dateCol (the date or timestamp column)");
    }
    if (!isDefined(groupCols) || $(groupCols).length == 0) {
      throw new IllegalArgumentException("ElapsedTimes needs groupCols (the columns that form a group, e.g. Store)");
    }
    SchemaChecks.requireDistinct("ElapsedTimes fieldNames", getFieldNames());
    for (String f : getFieldNames()) {
      StructField field = SchemaChecks.requireColumn(schema, f);
      if (!(field.dataType() instanceof BooleanType || field.dataType() instanceof NumericType)) {
        throw new IllegalArgumentException("Event column '" + f + "' must be boolean or numeric (0/1) but is "
            + field.dataType().simpleString());
      }
    }
    SchemaChecks.requireType(schema, getDateCol(), DataTypes.DateType, DataTypes.TimestampType,
        DataTypes.TimestampNTZType);
    for (String g : getGroupCols()) {
      SchemaChecks.requireColumn(schema, g);
    }
    StructType out = schema;
    for (String name : outputColumns()) {
      boolean rolling = name.endsWith("_bw") || name.endsWith("_fw");
      SchemaChecks.requireAbsent(out, name);
      out = out.add(name, rolling ? DataTypes.LongType : DataTypes.IntegerType, true);
    }
    return out;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String date = getDateCol();
    boolean isDate = dataset.schema().apply(date).dataType().equals(DataTypes.DateType);
    Column d = col(date);
    Column[] keys = Arrays.stream(getGroupCols()).map(k -> col(k)).toArray(Column[]::new);
    WindowSpec byDate = Window.partitionBy(keys).orderBy(d);
    // Range frames: rows sharing the date are peers, so a same-day event counts whatever their order.
    WindowSpec upTo = byDate.rangeBetween(Window.unboundedPreceding(), Window.currentRow());
    WindowSpec from = byDate.rangeBetween(Window.currentRow(), Window.unboundedFollowing());
    int w = getWindow();
    WindowSpec back = byDate.rowsBetween(-(w - 1), Window.currentRow());
    WindowSpec ahead = byDate.rowsBetween(Window.currentRow(), w - 1);
    Map<String, Column> added = new LinkedHashMap<>();
    for (String f : getFieldNames()) {
      Column event = coalesce(col(f).cast(DataTypes.BooleanType), lit(false));
      Column eventDate = when(event, d);
      Column last = max(eventDate).over(upTo);
      Column next = min(eventDate).over(from);
      Column one = when(event, lit(1L)).otherwise(lit(0L));
      added.put("After" + f, days(last, d, isDate));
      added.put("Before" + f, days(next, d, isDate));
      added.put(f + "_bw", sum(one).over(back));
      added.put(f + "_fw", sum(one).over(ahead));
    }
    return Frames.withColumnsInOrder(dataset.toDF(), added);
  }

  /**
   * Whole days from {@code start} to {@code end}, rounded down as numpy's {@code astype('timedelta64[D]')} in fastai
   * (-1.5 days is -2), null when {@code start} is null. ({@code timestamp_diff("DAY")} truncates towards zero.)
   */
  private static Column days(Column start, Column end, boolean isDate) {
    // On session-local wall-clock times (TIMESTAMP_NTZ), so that a 23-hour DST day still counts as one day.
    Column diff = isDate ? datediff(end, start)
        : floor(timestamp_diff("MICROSECOND", start.cast(DataTypes.TimestampNTZType),
            end.cast(DataTypes.TimestampNTZType)).divide(lit(86_400_000_000L)));
    return diff.cast(DataTypes.IntegerType);
  }

  @Override
  public ElapsedTimes copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  /** Reader for saved stages. */
  public static MLReader<ElapsedTimes> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads a stage saved with {@code write().save(path)}. */
  public static ElapsedTimes load(String path) {
    return read().load(path);
  }
}
