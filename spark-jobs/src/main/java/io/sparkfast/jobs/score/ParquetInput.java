package io.sparkfast.jobs.score;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.sparkfast.jobs.SparkfastException;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code parquet} input of {@code sparkfast score}: a Parquet table with a key column and a binary column of
 * encoded image bytes, read into the shape of Spark's {@code binaryFile} source ({@code path} = the key as a string,
 * {@code modificationTime} = null, {@code content} = the bytes), so scoring and the exactly-once check do not change.
 * The table is validated on the executors (aggregates only, nothing is collected): the key must be unique and not
 * null, because the output has exactly one row per key.
 */
final class ParquetInput {

  /** {@code score.input_format} values. */
  static final String FILES = "files";
  static final String PARQUET = "parquet";

  /** The table in {@code binaryFile}'s shape, and its row count. */
  record Table(Dataset<Row> rows, long count) {}

  private ParquetInput() {}

  /** Checks the input options that do not need the data: the format and what goes with it. */
  static boolean isParquet(ScoreJob.Options o) {
    String format = o.inputFormat() == null ? FILES : o.inputFormat().toLowerCase(Locale.ROOT);
    if (!format.equals(FILES) && !format.equals(PARQUET)) {
      throw SparkfastException.config("--input-format / score.input_format must be " + FILES + " or " + PARQUET
          + ", not '" + o.inputFormat() + "'");
    }
    if (format.equals(FILES)) {
      return false;
    }
    if (o.pathFilter() != null && !o.pathFilter().isEmpty()) {
      throw SparkfastException.config("score.path_filter (\"" + o.pathFilter() + "\") applies to files only, not to"
          + " --input-format parquet; filter the table instead");
    }
    if (o.incremental() != null) {
      throw SparkfastException.config("--incremental needs file modification times to tell changed images from"
          + " scored ones; it is not supported with --input-format parquet");
    }
    if (blank(o.keyColumn()) || blank(o.imageColumn())) {
      throw SparkfastException.config("--key-column / score.key_column and --image-column / score.image_column"
          + " must be set for --input-format parquet");
    }
    if (o.keyColumn().equals(o.imageColumn())) {
      throw SparkfastException.config("--key-column and --image-column are both '" + o.keyColumn()
          + "'; the key must be a separate column");
    }
    return true;
  }

  /** Reads and validates the table(s) under {@code o.inputs()}. */
  static Table read(SparkSession spark, ScoreJob.Options o) {
    String inputs = String.join(" ", o.inputs());
    Dataset<Row> table;
    try {
      table = spark.read().parquet(o.inputs().toArray(String[]::new));
    } catch (Exception e) { // AnalysisException, e.g. a folder without Parquet files: "Unable to infer schema"
      if (!(e instanceof AnalysisException)) {
        throw e;
      }
      throw SparkfastException.input("--input " + inputs + " is not a readable Parquet table: "
          + io.sparkfast.jobs.JobCommand.oneLine(e.getMessage()), e);
    }
    StructType schema = table.schema();
    StructField key = field(schema, o.keyColumn(), "key", inputs);
    StructField image = field(schema, o.imageColumn(), "image", inputs);
    DataType t = image.dataType();
    if (!t.equals(DataTypes.BinaryType)) {
      throw SparkfastException.input("image column '" + image.name() + "' of --input " + inputs + " is "
          + t.simpleString() + ", not binary (encoded image bytes)");
    }
    Dataset<Row> rows = table.select(column(key.name()).cast(DataTypes.StringType).as("path"),
        lit(null).cast(DataTypes.TimestampType).as("modificationTime"),
        // a null image gets an error row ("no bytes") like an empty file, rather than failing the task
        coalesce(column(image.name()), lit(new byte[0])).as("content"));

    // one aggregation over the keys: row count, null keys, duplicated keys and the rows that carry them
    Row c = rows.groupBy("path").count()
        .selectExpr("coalesce(sum(count), 0) AS n",
            "coalesce(sum(CASE WHEN path IS NULL THEN count END), 0) AS nulls",
            "count_if(path IS NOT NULL AND count > 1) AS dup_keys",
            "coalesce(sum(CASE WHEN path IS NOT NULL AND count > 1 THEN count END), 0) AS dup_rows")
        .first();
    long n = c.getLong(0);
    long nulls = c.getLong(1);
    long dupKeys = c.getLong(2);
    long dupRows = c.getLong(3);
    if (n == 0) {
      throw SparkfastException.input("no rows in the Parquet table --input " + inputs);
    }
    if (nulls > 0) {
      throw SparkfastException.input("key column '" + key.name() + "' has " + nulls + " null value"
          + (nulls == 1 ? "" : "s") + " in " + n + " rows; scoring writes exactly one row per key, so every row"
          + " needs a unique, non-null key");
    }
    if (dupKeys > 0) {
      throw SparkfastException.input("key column '" + key.name() + "' has " + dupKeys + " duplicate key"
          + (dupKeys == 1 ? "" : "s") + " (" + dupRows + " of " + n + " rows); scoring writes exactly one row per"
          + " key, so keys must be unique");
    }
    return new Table(rows, n);
  }

  private static StructField field(StructType schema, String name, String role, String inputs) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw SparkfastException.input("no " + role + " column '" + name + "' in the Parquet table --input " + inputs
        + "; its columns: " + String.join(", ", Arrays.stream(schema.fields())
            .map(f -> f.name() + " " + f.dataType().simpleString()).toList())
        + " (set --" + role + "-column)");
  }

  private static Column column(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
