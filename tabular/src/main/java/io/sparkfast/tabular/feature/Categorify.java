package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count_distinct;

import io.sparkfast.tabular.util.SchemaChecks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
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
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * fastai's {@code Categorify}: learns each column's vocabulary on the training data and replaces values by integer
 * codes. Code 0 is {@code #na#}: nulls, and in transform values never seen in training (fastai's behaviour,
 * {@code handleInvalid=keep}; {@code error} fails on them instead). The vocabulary is sorted ascending, unless the
 * column's order is given in {@code orderedCategories} ({@code "size:small|medium|large"}), which keeps that order.
 *
 * <p>Outputs are written to {@code outputCols} (default: the input columns, replaced in place, as fastai does).
 * Codes are plain integers, which tree learners split on as ordered numbers (as fastbook and sklearn do). A column
 * with more distinct values than {@code maxCategories} fails the fit rather than bringing a huge vocabulary back.
 */
public final class Categorify extends Estimator<CategorifyModel> implements CategorifyParams, MLWritable {

  private static final long serialVersionUID = 1L;
  private final String uid;
  private final StringArrayParam inputCols;
  private final StringArrayParam outputCols;
  private final IntParam maxCategories;
  private final StringArrayParam orderedCategories;
  private final Param<String> handleInvalid;

  /** Creates the estimator with a random uid. */
  public Categorify() {
    this(Identifiable$.MODULE$.randomUID("categorify"));
  }

  /** Creates the estimator with {@code uid}. */
  public Categorify(String uid) {
    this.uid = uid;
    inputCols = CategorifyParams.inputColsParam(this);
    outputCols = CategorifyParams.outputColsParam(this);
    maxCategories = new IntParam(this, "maxCategories", "largest vocabulary allowed per column",
        ParamValidators.gtEq(1));
    orderedCategories = new StringArrayParam(this, "orderedCategories",
        "explicit category order per column, entries like \"size:small|medium|large\"");
    handleInvalid = CategorifyParams.handleInvalidParam(this);
    setDefault(maxCategories, 100_000);
    setDefault(orderedCategories, new String[0]);
    setDefault(handleInvalid, "keep");
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public StringArrayParam inputCols() {
    return inputCols;
  }

  @Override
  public StringArrayParam outputCols() {
    return outputCols;
  }

  /** Largest vocabulary allowed per column. */
  public IntParam maxCategories() {
    return maxCategories;
  }

  /** Explicit orders, {@code "col:a|b|c"}. */
  public StringArrayParam orderedCategories() {
    return orderedCategories;
  }

  @Override
  public Param<String> handleInvalid() {
    return handleInvalid;
  }

  public Categorify setInputCols(String... value) {
    set(inputCols, value);
    return this;
  }

  public Categorify setOutputCols(String... value) {
    set(outputCols, value);
    return this;
  }

  public Categorify setMaxCategories(int value) {
    set(maxCategories, value);
    return this;
  }

  public Categorify setOrderedCategories(String... value) {
    set(orderedCategories, value);
    return this;
  }

  public Categorify setHandleInvalid(String value) {
    set(handleInvalid, value);
    return this;
  }

  public int getMaxCategories() {
    return (Integer) $(maxCategories);
  }

  /** Parses {@code orderedCategories} into column -> ordered values. */
  Map<String, String[]> orders() {
    Map<String, String[]> out = new HashMap<>();
    for (String entry : $(orderedCategories)) {
      int colon = entry.indexOf(':');
      if (colon <= 0 || colon == entry.length() - 1) {
        throw new IllegalArgumentException("orderedCategories entry '" + entry
            + "' must look like \"column:first|second|third\"");
      }
      String c = entry.substring(0, colon);
      if (!Arrays.asList(getInputCols()).contains(c)) {
        throw new IllegalArgumentException("orderedCategories names column '" + c + "', which is not in inputCols "
            + Arrays.toString(getInputCols()));
      }
      if (out.containsKey(c)) {
        throw new IllegalArgumentException("orderedCategories gives column '" + c + "' more than once");
      }
      String[] values = entry.substring(colon + 1).split("\\|", -1);
      // As pandas' Categorical, which rejects duplicate categories; a duplicate would also break the code lookup.
      SchemaChecks.requireDistinct("orderedCategories of column '" + c + "'", values);
      out.put(c, values);
    }
    return out;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String c : getInputCols()) {
      StructField f = SchemaChecks.requireColumn(schema, c);
      if (!(f.dataType() instanceof StringType || f.dataType() instanceof IntegralType
          || f.dataType() instanceof BooleanType)) {
        throw new IllegalArgumentException("Categorify column '" + c + "' must be string, integral or boolean but is "
            + f.dataType().simpleString() + "; continuous columns belong in FillMissing/Normalize");
      }
    }
    return validateAndTransformSchema(schema);
  }

  @Override
  public CategorifyModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String[] in = getInputCols();
    Map<String, String[]> orders = orders();
    List<String> learn = new ArrayList<>();
    for (String c : in) {
      if (!orders.containsKey(c)) {
        learn.add(c);
      }
    }
    Map<String, String[]> learned = learn.isEmpty() ? Map.of() : learnVocabularies(dataset, learn);
    Map<String, String[]> vocab = new LinkedHashMap<>();
    for (String c : in) {
      vocab.put(c, orders.containsKey(c) ? orders.get(c) : learned.get(c));
    }
    return copyValues(new CategorifyModel(uid, vocab).setParent(this), ParamMap.empty());
  }

  /**
   * The sorted vocabularies of {@code cols} in two passes over the data, whatever the number of columns: exact
   * distinct counts first, so that a column over {@code maxCategories} fails before any of it comes back to the
   * driver, then every column's distinct values at once ({@code collect_set}), sorted here in Spark's order. (A
   * distinct and a sort per column took two more Spark jobs per column.)
   */
  private Map<String, String[]> learnVocabularies(Dataset<?> dataset, List<String> cols) {
    long cap = getMaxCategories();
    List<Column> counts = new ArrayList<>();
    List<Column> sets = new ArrayList<>();
    for (String c : cols) {
      counts.add(count_distinct(col(c)).alias(c));
      sets.add(collect_set(col(c)).alias(c));
    }
    Row n = dataset.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).first();
    for (int i = 0; i < cols.size(); i++) {
      if (n.getLong(i) > cap) {
        throw new IllegalArgumentException("Categorify column '" + cols.get(i) + "' has " + n.getLong(i)
            + " distinct values, more than maxCategories=" + cap
            + "; raise maxCategories or treat the column as continuous");
      }
    }
    Row values = dataset.agg(sets.get(0), sets.subList(1, sets.size()).toArray(new Column[0])).first();
    Map<String, String[]> vocab = new HashMap<>();
    for (int i = 0; i < cols.size(); i++) {
      List<Object> v = new ArrayList<>(values.getList(i));
      v.sort(ascending(dataset.schema().apply(cols.get(i)).dataType()));
      vocab.put(cols.get(i), v.stream().map(String::valueOf).toArray(String[]::new));
    }
    return vocab;
  }

  /**
   * Spark's ascending order for a categorical column's values: UTF-8 bytes for strings (the default binary
   * collation; a column with another collation is ordered the same way), numeric, false before true.
   */
  private static Comparator<Object> ascending(DataType type) {
    if (type instanceof StringType) {
      return (a, b) -> Arrays.compareUnsigned(((String) a).getBytes(StandardCharsets.UTF_8),
          ((String) b).getBytes(StandardCharsets.UTF_8));
    }
    if (type instanceof BooleanType) {
      return (a, b) -> Boolean.compare((Boolean) a, (Boolean) b);
    }
    return (a, b) -> Long.compare(((Number) a).longValue(), ((Number) b).longValue());
  }

  @Override
  public Categorify copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  /** Reader for saved estimators. */
  public static MLReader<Categorify> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static Categorify load(String path) {
    return read().load(path);
  }
}
