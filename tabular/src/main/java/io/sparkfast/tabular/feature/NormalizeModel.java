package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.sparkfast.tabular.persist.StageIO;
import io.sparkfast.tabular.util.Frames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** A fitted {@link Normalize}: per column the training mean and standard deviation. */
public final class NormalizeModel extends Model<NormalizeModel> implements MLWritable {

  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Map<String, double[]> stats;
  private final StringArrayParam inputCols;

  NormalizeModel(String uid, Map<String, double[]> stats) {
    this.uid = uid;
    Map<String, double[]> copy = new LinkedHashMap<>();
    stats.forEach((k, v) -> copy.put(k, v.clone()));
    this.stats = copy;
    inputCols = inputColsParam(this);
  }

  static StringArrayParam inputColsParam(Params owner) {
    return new StringArrayParam(owner, "inputCols", "continuous columns to normalize in place");
  }

  static StructType outputSchema(StructType schema, String[] cols) {
    Normalize.requireNumeric(schema, cols);
    StructField[] fields = schema.fields().clone();
    for (int i = 0; i < fields.length; i++) {
      if (List.of(cols).contains(fields[i].name())) {
        fields[i] = new StructField(fields[i].name(), DataTypes.DoubleType, fields[i].nullable(), fields[i].metadata());
      }
    }
    return new StructType(fields);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The continuous columns. */
  public StringArrayParam inputCols() {
    return inputCols;
  }

  /** The training mean of {@code column}. */
  public double mean(String column) {
    return stat(column)[0];
  }

  /** The training population standard deviation of {@code column} (without the epsilon). */
  public double std(String column) {
    return stat(column)[1];
  }

  private double[] stat(String column) {
    double[] s = stats.get(column);
    if (s == null) {
      throw new IllegalArgumentException("Normalize was not fitted on '" + column + "'; fitted columns: " + stats.keySet());
    }
    return s;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return outputSchema(schema, $(inputCols));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    Map<String, Column> cols = new LinkedHashMap<>();
    for (String c : $(inputCols)) {
      cols.put(c, col(c).cast(DataTypes.DoubleType).minus(lit(mean(c))).divide(lit(std(c) + Normalize.EPS)));
    }
    return Frames.withColumnsInOrder(dataset.toDF(), cols);
  }

  @Override
  public NormalizeModel copy(ParamMap extra) {
    return copyValues(new NormalizeModel(uid, stats), extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Reader for saved models. */
  public static MLReader<NormalizeModel> read() {
    return new Reader();
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static NormalizeModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final NormalizeModel instance;

    Writer(NormalizeModel instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      StageIO.saveMetadata(instance, path, sparkSession());
      List<Row> rows = new ArrayList<>();
      instance.stats.forEach((c, s) -> rows.add(RowFactory.create(c, s[0], s[1])));
      StructType schema = new StructType().add("column", DataTypes.StringType).add("mean", DataTypes.DoubleType)
          .add("std", DataTypes.DoubleType);
      StageIO.saveData(sparkSession().createDataFrame(rows, schema), path);
    }
  }

  private static final class Reader extends MLReader<NormalizeModel> {
    @Override
    public NormalizeModel load(String path) {
      DefaultParamsReader.Metadata metadata = StageIO.loadMetadata(path, sparkSession(), NormalizeModel.class.getName());
      Map<String, double[]> stats = new LinkedHashMap<>();
      for (Row r : StageIO.loadData(sparkSession(), path).collectAsList()) {
        stats.put(r.getString(0), new double[] {r.getDouble(1), r.getDouble(2)});
      }
      return StageIO.restoreParams(new NormalizeModel(metadata.uid(), stats), metadata);
    }
  }
}
