package io.sparkfast.tabular.util;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Schema validation shared by every stage (our counterpart of Spark's private {@code SchemaUtils}).
 *
 * <p>Every message names the column, what was expected, what was found, and for missing columns the
 * columns that do exist, so a misspelled name in a config is fixed in one look.
 */
public final class SchemaChecks {

  private SchemaChecks() {}

  /** Returns the field named {@code column}, or fails listing the available columns. */
  public static StructField requireColumn(StructType schema, String column) {
    if (column == null || column.isEmpty()) {
      throw new IllegalArgumentException("A column name is empty; available columns: " + available(schema));
    }
    for (StructField f : schema.fields()) {
      if (f.name().equals(column)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "Column '" + column + "' does not exist; available columns: " + available(schema));
  }

  /** Requires every column in {@code columns} to exist. */
  public static void requireColumns(StructType schema, Collection<String> columns) {
    for (String c : columns) {
      requireColumn(schema, c);
    }
  }

  /** Requires {@code column} to be numeric (any of Spark's numeric types). */
  public static StructField requireNumeric(StructType schema, String column) {
    StructField f = requireColumn(schema, column);
    if (!(f.dataType() instanceof NumericType)) {
      throw new IllegalArgumentException(
          "Column '" + column + "' must be numeric but is " + f.dataType().simpleString());
    }
    return f;
  }

  /** Requires {@code column} to have one of {@code allowed} types. */
  public static StructField requireType(StructType schema, String column, DataType... allowed) {
    StructField f = requireColumn(schema, column);
    for (DataType t : allowed) {
      if (f.dataType().sameType(t)) {
        return f;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (DataType t : allowed) {
      sb.append(sb.length() == 0 ? "" : " or ").append(t.simpleString());
    }
    throw new IllegalArgumentException(
        "Column '" + column + "' must be of type " + sb + " but is " + f.dataType().simpleString());
  }

  /** Requires {@code column} to be a date, a timestamp or a string (parsed by the stage). */
  public static StructField requireDateLike(StructType schema, String column) {
    return requireType(
        schema, column, DataTypes.DateType, DataTypes.TimestampType, DataTypes.TimestampNTZType,
        DataTypes.StringType);
  }

  /**
   * Fails when {@code column} already exists, so a stage never silently overwrites data. Names compare as Spark
   * resolves them: ignoring case unless {@code spark.sql.caseSensitive} is on (with it off, adding {@code Day} to a
   * frame with {@code day} would replace {@code day}).
   */
  public static void requireAbsent(StructType schema, String column) {
    for (String existing : schema.fieldNames()) {
      if (sameName(existing, column)) {
        throw new IllegalArgumentException("Output column '" + column + "' already exists"
            + (existing.equals(column) ? "" : " as '" + existing + "' (Spark compares column names ignoring case)")
            + "; choose another output name or drop it first");
      }
    }
  }

  /** Whether Spark resolves {@code a} and {@code b} to the same column (case-insensitive by default). */
  public static boolean sameName(String a, String b) {
    return org.apache.spark.sql.internal.SQLConf.get().caseSensitiveAnalysis() ? a.equals(b) : a.equalsIgnoreCase(b);
  }

  /** Fails on duplicate names within {@code names} (for example two output columns with one name). */
  public static void requireDistinct(String what, String[] names) {
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (!seen.add(n)) {
        throw new IllegalArgumentException(what + " contains '" + n + "' more than once");
      }
    }
  }

  /** Fails when two parallel arrays of column settings differ in length. */
  public static void requireSameLength(String aName, Object[] a, String bName, Object[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          aName + " has " + a.length + " entries but " + bName + " has " + b.length + "; they must match");
    }
  }

  /** The schema's column names, comma separated, for error messages. */
  public static String available(StructType schema) {
    return String.join(", ", schema.fieldNames());
  }

  /** Appends {@code field} to {@code schema} after checking it does not exist yet. */
  public static StructType append(StructType schema, StructField field) {
    requireAbsent(schema, field.name());
    return schema.add(field);
  }
}
