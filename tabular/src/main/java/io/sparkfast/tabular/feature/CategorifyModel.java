package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_from_arrays;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import io.sparkfast.tabular.persist.StageIO;
import io.sparkfast.tabular.util.Frames;
import java.util.ArrayList;
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

/** A fitted {@link Categorify}: per column, the vocabulary whose value at index i has code i + 1. */
public final class CategorifyModel extends Model<CategorifyModel> implements CategorifyParams, MLWritable {

  private static final long serialVersionUID = 1L;
  /** fastai's name for code 0 (null or unseen). */
  public static final String NA = "#na#";

  private final String uid;
  private final Map<String, String[]> vocab;
  private final StringArrayParam inputCols;
  private final StringArrayParam outputCols;
  private final Param<String> handleInvalid;

  CategorifyModel(String uid, Map<String, String[]> vocab) {
    this.uid = uid;
    Map<String, String[]> copy = new LinkedHashMap<>();
    vocab.forEach((k, v) -> copy.put(k, v.clone()));
    this.vocab = copy;
    inputCols = CategorifyParams.inputColsParam(this);
    outputCols = CategorifyParams.outputColsParam(this);
    handleInvalid = CategorifyParams.handleInvalidParam(this);
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

  @Override
  public Param<String> handleInvalid() {
    return handleInvalid;
  }

  public CategorifyModel setHandleInvalid(String value) {
    set(handleInvalid, value);
    return this;
  }

  /** The vocabulary of {@code column} with {@code #na#} first, so that index = code (a copy). */
  public List<String> vocabulary(String column) {
    String[] v = vocab.get(column);
    if (v == null) {
      throw new IllegalArgumentException("No vocabulary for column '" + column + "'; fitted columns: " + vocab.keySet());
    }
    List<String> out = new ArrayList<>(v.length + 1);
    out.add(NA);
    out.addAll(List.of(v));
    return out;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return validateAndTransformSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String[] in = getInputCols();
    String[] out = getOutputCols();
    Map<String, Column> cols = new LinkedHashMap<>();
    for (int i = 0; i < in.length; i++) {
      String[] v = vocab.get(in[i]);
      int[] codes = new int[v.length];
      for (int j = 0; j < codes.length; j++) {
        codes[j] = j + 1;
      }
      Column key = col(in[i]).cast(DataTypes.StringType);
      Column lookup = element_at(map_from_arrays(lit(v), lit(codes)), key);
      Column code = coalesce(lookup, lit(0));
      if (getHandleInvalid().equals("error")) {
        code = when(key.isNotNull().and(lookup.isNull()), raise_error(concat(lit("Categorify: column '" + in[i]
            + "' has a value not seen in training: '"), key, lit("'; set handleInvalid=keep to map it to #na# (0)"))))
            .otherwise(code).cast(DataTypes.IntegerType);
      }
      cols.put(out[i], code);
    }
    return Frames.withColumnsInOrder(dataset.toDF(), cols);
  }

  @Override
  public CategorifyModel copy(ParamMap extra) {
    return copyValues(new CategorifyModel(uid, vocab), extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Reader for saved models. */
  public static MLReader<CategorifyModel> read() {
    return new Reader();
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static CategorifyModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final CategorifyModel instance;

    Writer(CategorifyModel instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      StageIO.saveMetadata(instance, path, sparkSession());
      List<Row> rows = new ArrayList<>();
      instance.vocab.forEach((c, v) -> rows.add(RowFactory.create(c, List.of(v))));
      StructType schema = new StructType().add("column", DataTypes.StringType)
          .add("vocabulary", DataTypes.createArrayType(DataTypes.StringType));
      StageIO.saveData(sparkSession().createDataFrame(rows, schema), path);
    }
  }

  private static final class Reader extends MLReader<CategorifyModel> {
    @Override
    public CategorifyModel load(String path) {
      DefaultParamsReader.Metadata metadata = StageIO.loadMetadata(path, sparkSession(), CategorifyModel.class.getName());
      Map<String, String[]> vocab = new LinkedHashMap<>();
      for (Row r : StageIO.loadData(sparkSession(), path).collectAsList()) {
        vocab.put(r.getString(0), r.getList(1).toArray(new String[0]));
      }
      return StageIO.restoreParams(new CategorifyModel(metadata.uid(), vocab), metadata);
    }
  }
}
