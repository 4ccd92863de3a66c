package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_distinct;

import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.apache.spark.sql.types.DataTypes;
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
      out.put(c, entry.substring(colon + 1).split("\\|", -1));
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
    List<Column> counts = new ArrayList<>();
    for (String c : in) {
      counts.add(count_distinct(col(c)).alias(c));
    }
    Row card = dataset.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).first();
    Map<String, String[]> vocab = new LinkedHashMap<>();
    for (int i = 0; i < in.length; i++) {
      long n = card.getLong(i);
      if (orders.containsKey(in[i])) {
        vocab.put(in[i], orders.get(in[i]));
        continue;
      }
      if (n > getMaxCategories()) {
        throw new IllegalArgumentException("Categorify column '" + in[i] + "' has " + n
            + " distinct values, more than maxCategories=" + getMaxCategories()
            + "; raise maxCategories or treat the column as continuous");
      }
      // Bounded by maxCategories: the sorted vocabulary may come back to the driver.
      List<Row> values = dataset.select(col(in[i])).where(col(in[i]).isNotNull()).distinct().orderBy(col(in[i]))
          .select(col(in[i]).cast(DataTypes.StringType)).collectAsList();
      String[] v = new String[values.size()];
      for (int j = 0; j < v.length; j++) {
        v[j] = values.get(j).getString(0);
      }
      vocab.put(in[i], v);
    }
    return copyValues(new CategorifyModel(uid, vocab).setParent(this), ParamMap.empty());
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
