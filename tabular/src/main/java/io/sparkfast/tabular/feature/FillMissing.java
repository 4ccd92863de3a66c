package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.mode;
import static org.apache.spark.sql.functions.percentile;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.sparkfast.tabular.util.Frames;
import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
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
import org.apache.spark.sql.types.StructType;

/**
 * fastai's {@code FillMissing}: fills nulls (and NaN) in continuous columns with a statistic of the training data
 * (median, by default; mode; or a constant) and adds a boolean {@code <col>_na} indicator for every column that had
 * missing values in training, and only for those. Columns are filled in place, as fastai does.
 *
 * <p>A column that had no missing values in training but has some at transform time has no indicator to record
 * them: fastai fails there, and so does {@code handleInvalid=error} (the default); {@code keep} fills them silently.
 * The statistics of all columns are computed in one aggregation ({@code percentile} is exact and interpolates like
 * pandas' median; {@code mode} breaks ties towards the smallest value).
 */
public final class FillMissing extends Estimator<FillMissingModel> implements FillMissingParams, MLWritable {

  private static final long serialVersionUID = 1L;
  private final String uid;
  private final StringArrayParam inputCols;
  private final Param<String> strategy;
  private final DoubleParam fillValue;
  private final Param<String> handleInvalid;

  /** Creates the estimator with a random uid. */
  public FillMissing() {
    this(Identifiable$.MODULE$.randomUID("fillMissing"));
  }

  /** Creates the estimator with {@code uid}. */
  public FillMissing(String uid) {
    this.uid = uid;
    inputCols = FillMissingParams.inputColsParam(this);
    strategy = new Param<>(this, "strategy", "fill statistic learned on training data: median, mode or constant",
        ParamValidators.inArray(new String[] {"median", "mode", "constant"}));
    fillValue = new DoubleParam(this, "fillValue", "value used by strategy=constant");
    handleInvalid = FillMissingParams.handleInvalidParam(this);
    setDefault(strategy, "median");
    setDefault(fillValue, 0.0);
    setDefault(handleInvalid, "error");
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
  public Param<String> handleInvalid() {
    return handleInvalid;
  }

  /** median | mode | constant. */
  public Param<String> strategy() {
    return strategy;
  }

  /** The constant for strategy=constant. */
  public DoubleParam fillValue() {
    return fillValue;
  }

  public String getStrategy() {
    return $(strategy);
  }

  public double getFillValue() {
    return (Double) $(fillValue);
  }

  public FillMissing setInputCols(String... value) {
    set(inputCols, value);
    return this;
  }

  public FillMissing setStrategy(String value) {
    set(strategy, value);
    return this;
  }

  public FillMissing setFillValue(double value) {
    set(fillValue, value);
    return this;
  }

  public FillMissing setHandleInvalid(String value) {
    set(handleInvalid, value);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String c : getInputCols()) {
      SchemaChecks.requireNumeric(schema, c);
    }
    return schema;
  }

  @Override
  public FillMissingModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String[] in = getInputCols();
    List<Column> aggs = new ArrayList<>();
    for (String c : in) {
      // NaN counts as missing (as in pandas), not as Spark's largest value.
      Column q = Frames.nanAsNull(col(Frames.quote(c)));
      Column stat = switch (getStrategy()) {
        case "median" -> percentile(q, lit(0.5));
        case "mode" -> mode(q, true).cast("double");
        default -> lit(getFillValue());
      };
      aggs.add(stat);
      aggs.add(sum(when(FillMissingParams.missing(col(c)), 1).otherwise(0)));
    }
    Row r = dataset.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    Map<String, Double> fills = new LinkedHashMap<>();
    Map<String, Boolean> hadMissing = new LinkedHashMap<>();
    for (int i = 0; i < in.length; i++) {
      if (r.isNullAt(2 * i)) {
        throw new IllegalArgumentException("FillMissing column '" + in[i] + "' has no values in the training data, so"
            + " no " + getStrategy() + " can be learned; drop the column or use strategy=constant");
      }
      fills.put(in[i], ((Number) r.get(2 * i)).doubleValue());
      hadMissing.put(in[i], r.getLong(2 * i + 1) > 0);
    }
    return copyValues(new FillMissingModel(uid, fills, hadMissing).setParent(this), ParamMap.empty());
  }

  @Override
  public FillMissing copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  /** Reader for saved estimators. */
  public static MLReader<FillMissing> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static FillMissing load(String path) {
    return read().load(path);
  }
}
