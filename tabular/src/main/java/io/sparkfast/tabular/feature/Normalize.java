package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.stddev_pop;

import io.sparkfast.tabular.util.Frames;
import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * fastai's {@code Normalize} for continuous columns: {@code (x - mean) / (std + 1e-7)} with the mean and the
 * population standard deviation (pandas {@code std(ddof=0)}, as fastai's setups uses) of the training data, NaN
 * skipped as pandas does. Columns
 * are replaced in place by doubles; all statistics come from one aggregation.
 */
public final class Normalize extends Estimator<NormalizeModel> implements MLWritable {

  private static final long serialVersionUID = 1L;
  /** fastai's epsilon added to the standard deviation. */
  public static final double EPS = 1e-7;
  private final String uid;
  private final StringArrayParam inputCols;

  /** Creates the estimator with a random uid. */
  public Normalize() {
    this(Identifiable$.MODULE$.randomUID("normalize"));
  }

  /** Creates the estimator with {@code uid}. */
  public Normalize(String uid) {
    this.uid = uid;
    inputCols = NormalizeModel.inputColsParam(this);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The continuous columns. */
  public StringArrayParam inputCols() {
    return inputCols;
  }

  public Normalize setInputCols(String... value) {
    set(inputCols, value);
    return this;
  }

  public String[] getInputCols() {
    if (!isDefined(inputCols)) {
      throw new IllegalArgumentException("Normalize needs inputCols (the continuous columns)");
    }
    return $(inputCols);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return NormalizeModel.outputSchema(schema, getInputCols());
  }

  @Override
  public NormalizeModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String[] in = getInputCols();
    List<Column> aggs = new ArrayList<>();
    for (String c : in) {
      // As doubles: avg of a decimal column is a decimal, which the double read below cannot take. NaN is missing,
      // as in pandas' mean and std (Spark's avg would make every statistic NaN).
      Column x = Frames.nanAsNull(col(c).cast(DataTypes.DoubleType));
      aggs.add(avg(x));
      aggs.add(stddev_pop(x));
    }
    Row r = dataset.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    Map<String, double[]> stats = new LinkedHashMap<>();
    for (int i = 0; i < in.length; i++) {
      if (r.isNullAt(2 * i)) {
        throw new IllegalArgumentException("Normalize column '" + in[i] + "' has no values in the training data");
      }
      stats.put(in[i], new double[] {r.getDouble(2 * i), r.getDouble(2 * i + 1)});
    }
    NormalizeModel model = new NormalizeModel(uid, stats);
    return copyValues(model, ParamMap.empty()).setParent(this);
  }

  @Override
  public Normalize copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  /** Reader for saved estimators. */
  public static MLReader<Normalize> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static Normalize load(String path) {
    return read().load(path);
  }

  static void requireNumeric(StructType schema, String[] cols) {
    for (String c : cols) {
      SchemaChecks.requireNumeric(schema, c);
    }
  }
}
