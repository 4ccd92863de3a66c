package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.sparkfast.tabular.persist.StageIO;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.DoubleParam;
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
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link GroupStats}. In fitted mode it holds one small statistics table per spec (keys + statistic), learned
 * on the training data and persisted as Parquet; in within mode it holds none and computes over the input.
 */
public final class GroupStatsModel extends Model<GroupStatsModel> implements GroupStatsParams, MLWritable {

  private static final long serialVersionUID = 1L;
  private final String uid;
  private final transient List<Dataset<Row>> tables;
  private final StringArrayParam specs;
  private final Param<String> mode;
  private final DoubleParam defaultValue;

  GroupStatsModel(String uid, List<Dataset<Row>> tables) {
    this.uid = uid;
    this.tables = List.copyOf(tables);
    specs = GroupStatsParams.specsParam(this);
    mode = GroupStatsParams.modeParam(this);
    defaultValue = GroupStatsParams.defaultValueParam(this);
    setDefault(mode, "within");
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public StringArrayParam specs() {
    return specs;
  }

  @Override
  public Param<String> mode() {
    return mode;
  }

  @Override
  public DoubleParam defaultValue() {
    return defaultValue;
  }

  /** The learned statistics table of spec {@code i} (fitted mode). */
  public Dataset<Row> statistics(int i) {
    return tables.get(i);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return validateAndTransformSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    List<GroupStatSpec> parsed = parsedSpecs();
    Dataset<Row> df = dataset.toDF();
    if (getMode().equals("within")) {
      for (GroupStatSpec s : parsed) {
        df = df.withColumn(s.output(), GroupStats.window(s, dataset.schema()));
      }
      return df;
    }
    if (tables.size() != parsed.size()) {
      throw new IllegalStateException("GroupStatsModel has " + tables.size() + " statistics tables for "
          + parsed.size() + " specs; refit it");
    }
    for (int i = 0; i < parsed.size(); i++) {
      GroupStatSpec s = parsed.get(i);
      // A marker that tells a group seen in training (whose statistic may itself be null, e.g. the std of one
      // row) from an unseen one, which alone gets defaultValue.
      String seen = "__gs_seen_" + i;
      Dataset<Row> t = tables.get(i).withColumn(seen, lit(true));
      List<String> renamed = new ArrayList<>();
      Column cond = null;
      for (int k = 0; k < s.keys().size(); k++) {
        String r = "__gs_" + i + "_" + k;
        t = t.withColumnRenamed(s.keys().get(k), r);
        renamed.add(r);
        Column c = df.col(s.keys().get(k)).eqNullSafe(t.col(r));
        cond = cond == null ? c : cond.and(c);
      }
      df = df.join(broadcast(t), cond, "left_outer");
      for (String r : renamed) {
        df = df.drop(r);
      }
      if (isDefined(defaultValue)) {
        df = df.withColumn(s.output(), when(col(seen).isNull(), lit((Double) $(defaultValue))
            .cast(df.schema().apply(s.output()).dataType())).otherwise(col(s.output())));
      }
      df = df.drop(seen);
    }
    return df;
  }

  @Override
  public GroupStatsModel copy(ParamMap extra) {
    return copyValues(new GroupStatsModel(uid, tables), extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Reader for saved models. */
  public static MLReader<GroupStatsModel> read() {
    return new Reader();
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static GroupStatsModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final GroupStatsModel instance;

    Writer(GroupStatsModel instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      StageIO.saveMetadata(instance, path, sparkSession());
      for (int i = 0; i < instance.tables.size(); i++) {
        StageIO.saveData(instance.tables.get(i), path + "/spec_" + i);
      }
    }
  }

  private static final class Reader extends MLReader<GroupStatsModel> {
    @Override
    public GroupStatsModel load(String path) {
      DefaultParamsReader.Metadata metadata =
          StageIO.loadMetadata(path, sparkSession(), GroupStatsModel.class.getName());
      GroupStatsModel shell = StageIO.restoreParams(new GroupStatsModel(metadata.uid(), List.of()), metadata);
      List<Dataset<Row>> tables = new ArrayList<>();
      if (shell.getMode().equals("fitted")) {
        for (int i = 0; i < shell.parsedSpecs().size(); i++) {
          tables.add(StageIO.loadData(sparkSession(), path + "/spec_" + i));
        }
      }
      return StageIO.restoreParams(new GroupStatsModel(metadata.uid(), tables), metadata);
    }
  }
}
