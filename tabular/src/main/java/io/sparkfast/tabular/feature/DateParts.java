package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.dayofmonth;
import static org.apache.spark.sql.functions.dayofweek;
import static org.apache.spark.sql.functions.dayofyear;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.last_day;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.minute;
import static org.apache.spark.sql.functions.month;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.second;
import static org.apache.spark.sql.functions.to_timestamp_ntz;
import static org.apache.spark.sql.functions.try_to_timestamp;
import static org.apache.spark.sql.functions.unix_date;
import static org.apache.spark.sql.functions.unix_seconds;
import static org.apache.spark.sql.functions.weekofyear;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import io.sparkfast.tabular.util.Frames;
import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * fastai's {@code add_datepart}: expands a date column into {@code <prefix>Year, Month, Week (ISO), Day,
 * Dayofweek (Monday=0), Dayofyear, Is_month_end, Is_month_start, Is_quarter_end, Is_quarter_start, Is_year_end,
 * Is_year_start}, then {@code Hour, Minute, Second} when {@code time=true}, then {@code Elapsed} (epoch seconds), in
 * fastai's column order.
 *
 * <p>The prefix defaults to the column name without a trailing {@code date}/{@code Date} ({@code saledate -> sale},
 * {@code date -> ""}). Dates, timestamps (with or without time zone) and strings (parsed with {@code dateFormat})
 * are accepted. A null date gives null parts. A string that does not parse fails the job under
 * {@code handleInvalid=error}, gives null parts under {@code keep}, and drops the row under {@code skip}.
 * Date-only and zone-less values are read as UTC wall-clock times, so Elapsed does not depend on the session time
 * zone; zoned timestamps, and strings whose {@code dateFormat} has a zone or offset field, use their instant.
 */
public final class DateParts extends Transformer implements MLWritable {

  private static final long serialVersionUID = 1L;
  private static final String[] DATE_PARTS = {"Year", "Month", "Week", "Day", "Dayofweek", "Dayofyear",
      "Is_month_end", "Is_month_start", "Is_quarter_end", "Is_quarter_start", "Is_year_end", "Is_year_start"};
  private static final String[] TIME_PARTS = {"Hour", "Minute", "Second"};

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> prefix;
  private final BooleanParam time;
  private final BooleanParam dropOriginal;
  private final Param<String> dateFormat;
  private final Param<String> handleInvalid;

  /** Creates the stage with a random uid. */
  public DateParts() {
    this(Identifiable$.MODULE$.randomUID("dateParts"));
  }

  /** Creates the stage with {@code uid} (used when loading). */
  public DateParts(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "date column to expand (date, timestamp or string)");
    prefix = new Param<>(this, "prefix", "output column prefix; default: the column name minus a trailing date/Date");
    time = new BooleanParam(this, "time", "also add Hour, Minute and Second");
    dropOriginal = new BooleanParam(this, "dropOriginal", "drop the input column after expanding it");
    dateFormat = new Param<>(this, "dateFormat", "Spark datetime pattern used to parse string input");
    handleInvalid = new Param<>(this, "handleInvalid",
        "what to do with strings that do not parse: error (fail), skip (drop the row), keep (null parts)",
        ParamValidators.inArray(new String[] {"error", "skip", "keep"}));
    setDefault(time, false);
    setDefault(dropOriginal, true);
    setDefault(dateFormat, "yyyy-MM-dd");
    setDefault(handleInvalid, "error");
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The date column. */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** The output prefix. */
  public Param<String> prefix() {
    return prefix;
  }

  /** Whether time parts are added. */
  public BooleanParam time() {
    return time;
  }

  /** Whether the input column is dropped. */
  public BooleanParam dropOriginal() {
    return dropOriginal;
  }

  /** Pattern for string input. */
  public Param<String> dateFormat() {
    return dateFormat;
  }

  /** error | skip | keep for strings that do not parse. */
  public Param<String> handleInvalid() {
    return handleInvalid;
  }

  public String getInputCol() {
    return $(inputCol);
  }

  /** The prefix in effect: the param if set, else fastai's derived prefix. */
  public String getPrefix() {
    return isDefined(prefix) ? $(prefix) : getInputCol().replaceFirst("[Dd]ate$", "");
  }

  public boolean getTime() {
    return (Boolean) $(time);
  }

  public boolean getDropOriginal() {
    return (Boolean) $(dropOriginal);
  }

  public String getDateFormat() {
    return $(dateFormat);
  }

  public String getHandleInvalid() {
    return $(handleInvalid);
  }

  public DateParts setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public DateParts setPrefix(String value) {
    set(prefix, value);
    return this;
  }

  public DateParts setTime(boolean value) {
    set(time, value);
    return this;
  }

  public DateParts setDropOriginal(boolean value) {
    set(dropOriginal, value);
    return this;
  }

  public DateParts setDateFormat(String value) {
    set(dateFormat, value);
    return this;
  }

  public DateParts setHandleInvalid(String value) {
    set(handleInvalid, value);
    return this;
  }

  /** The names of the output columns, in fastai's order: the date parts, the time parts if any, then Elapsed. */
  public List<String> outputColumns() {
    List<String> out = new ArrayList<>();
    for (String p : DATE_PARTS) {
      out.add(getPrefix() + p);
    }
    if (getTime()) {
      for (String p : TIME_PARTS) {
        out.add(getPrefix() + p);
      }
    }
    out.add(getPrefix() + "Elapsed");
    return out;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!isDefined(inputCol)) {
      throw new IllegalArgumentException("DateParts needs inputCol (the date column to expand)");
    }
    StructField in = SchemaChecks.requireDateLike(schema, getInputCol());
    StructType out = schema;
    for (String name : outputColumns()) {
      if (!(getDropOriginal() && name.equals(in.name()))) {
        SchemaChecks.requireAbsent(schema, name);
      }
    }
    if (getDropOriginal()) {
      out = new StructType(java.util.Arrays.stream(out.fields()).filter(f -> !f.name().equals(in.name()))
          .toArray(StructField[]::new));
    }
    for (String name : outputColumns()) {
      String part = name.substring(getPrefix().length());
      DataType type = part.startsWith("Is_") ? DataTypes.BooleanType
          : part.equals("Elapsed") ? DataTypes.LongType : DataTypes.IntegerType;
      out = out.add(name, type, true);
    }
    return out;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String in = getInputCol();
    DataType type = dataset.schema().apply(in).dataType();
    String tmp = "__dateparts_t_" + uid;
    Dataset<Row> df = dataset.toDF();
    Column raw = col(in);
    Column t;
    boolean zoned = type.equals(DataTypes.TimestampType);
    if (type.equals(DataTypes.StringType)) {
      // A zone-less pattern is parsed straight to a zone-less timestamp: going through try_to_timestamp (session
      // time zone) shifts wall times that fall in a DST gap (a date at midnight in Sao Paulo came out as 01:00,
      // Elapsed 3600 s off); try_to_timestamp only guards the parse, which under ANSI mode fails on a bad string.
      // A pattern with a zone or offset gives instants, handled as a zoned timestamp column.
      Column valid = try_to_timestamp(raw, lit(getDateFormat()));
      zoned = hasZone(getDateFormat());
      DataType parsedType = zoned ? DataTypes.TimestampType : DataTypes.TimestampNTZType;
      Column parsed = zoned ? valid : when(valid.isNotNull(), to_timestamp_ntz(raw, lit(getDateFormat())));
      Column invalid = raw.isNotNull().and(parsed.isNull());
      switch (getHandleInvalid()) {
        case "error" -> parsed = when(invalid, raise_error(concat(lit("DateParts: column '" + in
            + "' has a value that does not parse with dateFormat '" + getDateFormat() + "': '"), raw,
            lit("'; fix dateFormat, or set handleInvalid=keep (null parts) or skip (drop rows)"))))
            .otherwise(parsed).cast(parsedType);
        case "skip" -> df = df.filter(raw.isNull().or(valid.isNotNull()));
        default -> { }
      }
      t = parsed;
    } else if (type.equals(DataTypes.DateType)) {
      t = raw.cast(DataTypes.TimestampNTZType);
    } else {
      t = raw;
    }
    df = df.withColumn(tmp, t);
    Column ts = col(tmp);
    Column day = dayofmonth(ts);
    Column mon = month(ts);
    Column monthEnd = day.equalTo(dayofmonth(last_day(ts)));
    Column elapsed = zoned ? unix_seconds(ts)
        : unix_date(ts.cast(DataTypes.DateType)).cast(DataTypes.LongType).multiply(86400L)
            .plus(hour(ts).multiply(3600)).plus(minute(ts).multiply(60)).plus(second(ts));
    Map<String, Column> parts = new LinkedHashMap<>();
    String p = getPrefix();
    parts.put(p + "Year", year(ts));
    parts.put(p + "Month", mon);
    parts.put(p + "Week", weekofyear(ts));
    parts.put(p + "Day", day);
    parts.put(p + "Dayofweek", dayofweek(ts).plus(5).mod(7));
    parts.put(p + "Dayofyear", dayofyear(ts));
    parts.put(p + "Is_month_end", monthEnd);
    parts.put(p + "Is_month_start", day.equalTo(1));
    parts.put(p + "Is_quarter_end", monthEnd.and(mon.isin(3, 6, 9, 12)));
    parts.put(p + "Is_quarter_start", day.equalTo(1).and(mon.isin(1, 4, 7, 10)));
    parts.put(p + "Is_year_end", mon.equalTo(12).and(day.equalTo(31)));
    parts.put(p + "Is_year_start", mon.equalTo(1).and(day.equalTo(1)));
    if (getTime()) {
      parts.put(p + "Hour", hour(ts));
      parts.put(p + "Minute", minute(ts));
      parts.put(p + "Second", second(ts));
    }
    parts.put(p + "Elapsed", elapsed.cast(DataTypes.LongType));
    if (getDropOriginal()) {
      df = df.drop(in);
    }
    return Frames.withColumnsInOrder(df, parts).drop(tmp);
  }

  /** Whether the datetime pattern has a zone or offset field (V, z, O, X, x, Z outside quoted text). */
  static boolean hasZone(String pattern) {
    return pattern.replaceAll("'[^']*'", "").matches("(?s).*[VzOXxZ].*");
  }

  /**
   * The number of rows of {@code dataset} whose input value this stage cannot parse (what {@code handleInvalid}
   * acts on): non-null strings that {@code dateFormat} does not parse. 0 for a date or timestamp column.
   */
  public long countInvalid(Dataset<?> dataset) {
    if (!isDefined(inputCol)) {
      throw new IllegalArgumentException("DateParts needs inputCol (the date column to expand)");
    }
    StructField in = SchemaChecks.requireDateLike(dataset.schema(), getInputCol());
    return in.dataType().equals(DataTypes.StringType) ? countUnparsable(dataset, in.name(), getDateFormat()) : 0L;
  }

  /**
   * The number of non-null values of the string column {@code inputCol} that do not parse with the Spark datetime
   * pattern {@code dateFormat} ({@code try_to_timestamp}); one count aggregate, no rows reach the driver.
   */
  public static long countUnparsable(Dataset<?> dataset, String inputCol, String dateFormat) {
    SchemaChecks.requireType(dataset.schema(), inputCol, DataTypes.StringType);
    Column raw = col(inputCol);
    return dataset.toDF().filter(raw.isNotNull().and(try_to_timestamp(raw, lit(dateFormat)).isNull())).count();
  }

  @Override
  public DateParts copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  /** Reader for saved stages. */
  public static MLReader<DateParts> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads a stage saved with {@code write().save(path)}. */
  public static DateParts load(String path) {
    return read().load(path);
  }
}
