package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import io.sparkfast.tabular.persist.StageIO;
import io.sparkfast.tabular.util.Frames;
import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
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
import org.apache.spark.sql.types.StructType;

/** A fitted {@link FillMissing}: per column the fill value and whether it gets a {@code _na} indicator. */
public final class FillMissingModel extends Model<FillMissingModel> implements FillMissingParams, MLWritable {

  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Map<String, Double> fills;
  private final Map<String, Boolean> hadMissing;
  private final StringArrayParam inputCols;
  private final Param<String> handleInvalid;

  FillMissingModel(String uid, Map<String, Double> fills, Map<String, Boolean> hadMissing) {
    this.uid = uid;
    this.fills = Collections.unmodifiableMap(new LinkedHashMap<>(fills));
    this.hadMissing = Collections.unmodifiableMap(new LinkedHashMap<>(hadMissing));
    inputCols = FillMissingParams.inputColsParam(this);
    handleInvalid = FillMissingParams.handleInvalidParam(this);
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

  public FillMissingModel setHandleInvalid(String value) {
    set(handleInvalid, value);
    return this;
  }

  /** The learned fill value per column. */
  public Map<String, Double> fillValues() {
    return fills;
  }

  /** The columns that get a {@code <col>_na} indicator (they had missing values in training). */
  public List<String> indicatorColumns() {
    List<String> out = new ArrayList<>();
    hadMissing.forEach((c, m) -> {
      if (m) {
        out.add(c + "_na");
      }
    });
    return out;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StructType out = schema;
    for (String c : getInputCols()) {
      SchemaChecks.requireNumeric(schema, c);
      if (hadMissing.get(c)) {
        out = SchemaChecks.append(out, new org.apache.spark.sql.types.StructField(c + "_na", DataTypes.BooleanType,
            false, org.apache.spark.sql.types.Metadata.empty()));
      }
    }
    return out;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    transformSchema(schema);
    Map<String, Column> cols = new LinkedHashMap<>();
    for (String c : getInputCols()) {
      Column missing = FillMissingParams.missing(col(c));
      Column filled = when(missing, lit(fills.get(c)).cast(schema.apply(c).dataType())).otherwise(col(c));
      if (hadMissing.get(c)) {
        cols.put(c + "_na", missing);
      } else if (getHandleInvalid().equals("error")) {
        filled = when(missing, raise_error(concat(lit("FillMissing: column '" + c + "' has missing values but had none"
            + " in training, so it has no " + c + "_na indicator; refit on data with missing values or set"
            + " handleInvalid=keep")))).otherwise(filled).cast(schema.apply(c).dataType());
      }
      cols.put(c, filled);
    }
    return Frames.withColumnsInOrder(dataset.toDF(), cols);
  }

  @Override
  public FillMissingModel copy(ParamMap extra) {
    return copyValues(new FillMissingModel(uid, fills, hadMissing), extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Reader for saved models. */
  public static MLReader<FillMissingModel> read() {
    return new Reader();
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static FillMissingModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final FillMissingModel instance;

    Writer(FillMissingModel instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      StageIO.saveMetadata(instance, path, sparkSession());
      List<Row> rows = new ArrayList<>();
      instance.fills.forEach((c, v) -> rows.add(RowFactory.create(c, v, instance.hadMissing.get(c))));
      StructType schema = new StructType().add("column", DataTypes.StringType).add("fill", DataTypes.DoubleType)
          .add("hadMissing", DataTypes.BooleanType);
      StageIO.saveData(sparkSession().createDataFrame(rows, schema), path);
    }
  }

  private static final class Reader extends MLReader<FillMissingModel> {
    @Override
    public FillMissingModel load(String path) {
      DefaultParamsReader.Metadata metadata =
          StageIO.loadMetadata(path, sparkSession(), FillMissingModel.class.getName());
      Map<String, Double> fills = new LinkedHashMap<>();
      Map<String, Boolean> had = new LinkedHashMap<>();
      for (Row r : StageIO.loadData(sparkSession(), path).collectAsList()) {
        fills.put(r.getString(0), r.getDouble(1));
        had.put(r.getString(0), r.getBoolean(2));
      }
      return StageIO.restoreParams(new FillMissingModel(metadata.uid(), fills, had), metadata);
    }
  }
}
