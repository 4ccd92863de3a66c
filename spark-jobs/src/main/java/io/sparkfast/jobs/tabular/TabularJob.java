package io.sparkfast.jobs.tabular;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.typesafe.config.Config;
import io.sparkfast.jobs.SparkfastException;
import io.sparkfast.jobs.report.Charts;
import io.sparkfast.runtime.io.OutputCommitter;
import io.sparkfast.tabular.feature.DateParts;
import io.sparkfast.tabular.split.Splits;
import io.sparkfast.tabular.util.SchemaChecks;
import io.sparkfast.jobs.config.TabularJobConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tabular job: read, split (before any statistics are learned), fit the configured feature pipeline and a tree
 * ensemble on the training split only, evaluate on the validation split next to a naive baseline, and write the
 * fitted {@link PipelineModel}, predictions, metrics, feature importance and plots.
 */
public final class TabularJob {

  private static final Logger logger = LoggerFactory.getLogger(TabularJob.class);
  static final String FEATURES = "features";

  private final SparkSession spark;
  private final TabularJobConfig cfg;
  private final Config config;
  private final Map<String, Object> timings = new LinkedHashMap<>();

  TabularJob(SparkSession spark, Config config) {
    this.spark = spark;
    this.config = config;
    this.cfg = TabularJobConfig.from(config);
  }

  Map<String, Object> run(OutputCommitter out) throws Exception {
    Map<String, Object> metrics = new LinkedHashMap<>();
    long t = System.nanoTime();
    Dataset<Row> raw = read();
    if (raw.isEmpty()) {
      throw SparkfastException.input("input " + cfg.inputPath() + " has no rows", null);
    }
    List<Transformer> preSplit = preSplitStages();
    for (Transformer stage : preSplit) {
      raw = stage.transform(raw);
    }
    // rand(seed) numbers each row by its position in its partition, and the two splits evaluate it separately: after
    // a shuffle in a pre-split stage the order within partitions can differ between the two evaluations, and a row
    // could land in both splits or in neither. Cached, both read the same rows in the same order.
    boolean pinned = cfg.splitType().equals("random");
    if (pinned) {
      raw = raw.cache();
    }
    Splits.TrainValid split = split(raw);
    Dataset<Row> train = split.train().cache();
    Dataset<Row> valid = split.valid().cache();
    long trainRows = train.count();
    long validRows = valid.count();
    if (pinned) {
      raw.unpersist();
    }
    if (trainRows == 0 || validRows == 0) {
      throw SparkfastException.input("the " + cfg.splitType() + " split left " + trainRows + " training and "
          + validRows + " validation rows; check split.validFraction and the input", null);
    }
    timings.put("read_split", secondsSince(t));
    logger.info("Read {} rows ({} train, {} valid) in {} s", trainRows + validRows, trainRows, validRows,
        timings.get("read_split"));

    t = System.nanoTime();
    Pipeline prep = new Pipeline().setStages(StageFactory.fromConfig(config, "pipeline").toArray(new PipelineStage[0]));
    PipelineModel prepModel = prep.fit(train);
    // Joins and windows in the pipeline leave hundreds of shuffle partitions; tree learners run one task per
    // partition at every level, each building the split statistics of every node it sees, so bring them back to the
    // cluster's parallelism before training (flights-3m: a sliced forest took 116 s on 2 partitions of 2 cores,
    // 144 s on 4).
    int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
    Dataset<Row> trainP = coalesce(prepModel.transform(train), partitions).cache();
    Dataset<Row> validP = coalesce(prepModel.transform(valid), partitions).cache();
    SchemaChecks.requireNumeric(trainP.schema(), cfg.target());
    // copied into predictions/ at the end: a misspelled one must fail now, not after training
    SchemaChecks.requireColumns(trainP.schema(), cfg.keyColumns());
    List<String> features = resolveFeatures(trainP.schema());
    checkPrepared(trainP, validP, features); // also fills both caches: one pass over each split
    Map<String, Long> unparsableDates = unparsableDates(prepModel, train, valid);
    // the prepared splits are cached; the raw ones would only compete with training for memory
    train.unpersist();
    valid.unpersist();
    timings.put("prep", secondsSince(t));
    logger.info("Fitted the feature pipeline ({} features) in {} s", features.size(), timings.get("prep"));

    t = System.nanoTime();
    TabularModels models = new TabularModels(cfg, trainRows);
    PipelineModel fitted = models.fit(trainP, features);
    timings.put("train", secondsSince(t));
    logger.info("Trained {} in {} s", cfg.modelType(), timings.get("train"));

    t = System.nanoTime();
    Dataset<Row> predictions = fitted.transform(validP).cache();
    metrics.put("task", cfg.task());
    metrics.put("target", cfg.target());
    metrics.put("model", cfg.modelType());
    Map<String, Double> validMetrics = models.evaluate(predictions);
    metrics.put("valid", validMetrics);
    metrics.put("baseline", models.evaluateBaseline(trainP, validP));
    Map<String, Long> rows = new LinkedHashMap<>();
    rows.put("train", trainRows);
    rows.put("valid", validRows);
    metrics.put("rows", rows);
    if (!unparsableDates.isEmpty()) {
      metrics.put("data", Map.of("unparsable_dates", unparsableDates));
    }
    metrics.put("features", features);
    List<Map.Entry<String, Double>> importance = models.importance(fitted, features);
    if (cfg.dropThreshold() > 0) {
      metrics.put("drop_low_importance", models.dropLowImportance(trainP, validP, importance, cfg.dropThreshold(),
          validMetrics));
    }
    if (cfg.outOfDomain()) {
      metrics.put("out_of_domain", models.outOfDomain(trainP, validP, features));
    }
    timings.put("evaluate", secondsSince(t));

    t = System.nanoTime();
    PipelineModel full = new PipelineModel("sparkfast_tabular_" + Long.toHexString(System.nanoTime()),
        concat(concat(preSplit.toArray(new Transformer[0]), prepModel.stages()), fitted.stages()));
    full.write().save(out.path("model"));
    long tModel = System.nanoTime();
    writePredictions(predictions, out.path("predictions"));
    long tPredictions = System.nanoTime();
    writeImportance(importance, out);
    for (String feature : cfg.partialDependence()) {
      writePartialDependence(fitted, validP, feature, out);
    }
    timings.put("write", secondsSince(t));
    logger.info("Wrote the model in {} s, the predictions in {} s, importance and plots in {} s", secondsBetween(t, tModel),
        secondsBetween(tModel, tPredictions), secondsSince(tPredictions));
    metrics.put("timings_s", timings);
    train.unpersist();
    valid.unpersist();
    trainP.unpersist();
    validP.unpersist();
    predictions.unpersist();
    return metrics;
  }

  /** The {@code preSplit} stages: Transformers only (an Estimator fitted before the split would see validation). */
  private List<Transformer> preSplitStages() {
    List<Transformer> stages = new ArrayList<>();
    int i = 0;
    for (PipelineStage stage : StageFactory.fromConfig(config, "preSplit")) {
      if (!(stage instanceof Transformer t)) {
        throw SparkfastException.config("preSplit[" + i + "] (" + stage.getClass().getSimpleName() + ") is an "
            + "Estimator: fitted before the split it would learn from the validation rows; put it in pipeline");
      }
      stages.add(t);
      i++;
    }
    return stages;
  }

  private Dataset<Row> read() {
    String format = cfg.inputFormat();
    if (format.equals("auto")) {
      String p = cfg.inputPath().toLowerCase(Locale.ROOT);
      format = p.endsWith(".csv") || p.endsWith(".csv.gz") ? "csv"
          : p.endsWith(".json") || p.endsWith(".jsonl") ? "json" : "parquet";
    }
    try {
      return switch (format) {
        case "csv" -> spark.read().option("header", cfg.csvHeader()).option("inferSchema", cfg.csvInferSchema())
            .option("sep", cfg.csvDelimiter()).option("mode", "FAILFAST").csv(cfg.inputPath());
        case "json" -> spark.read().option("mode", "FAILFAST").json(cfg.inputPath());
        case "parquet" -> spark.read().parquet(cfg.inputPath());
        default -> throw SparkfastException.config("input.format must be auto, csv, json or parquet but is '"
            + format + "'");
      };
    } catch (SparkfastException e) {
      throw e;
    } catch (Exception e) {
      throw SparkfastException.input("cannot read input " + cfg.inputPath() + " as " + format + ": "
          + io.sparkfast.jobs.JobCommand.oneLine(String.valueOf(e.getMessage())), e);
    }
  }

  private Splits.TrainValid split(Dataset<Row> raw) {
    if (cfg.splitType().equals("random")) {
      return Splits.randomSplit(raw, cfg.validFraction(), cfg.splitSeed());
    }
    String column = cfg.splitColumn();
    SchemaChecks.requireColumn(raw.schema(), column);
    StructField f = raw.schema().apply(column);
    if (f.dataType().equals(DataTypes.StringType)) {
      // Strings are split on their parsed time; the raw column stays for the pipeline (e.g. DateParts).
      String parsed = "__sparkfast_split_time";
      Column ts = cfg.splitDateFormat().isEmpty()
          ? org.apache.spark.sql.functions.try_to_timestamp(col(column))
          : org.apache.spark.sql.functions.try_to_timestamp(col(column), lit(cfg.splitDateFormat()));
      Dataset<Row> withTs = raw.withColumn(parsed, ts);
      long unparsable = withTs.filter(col(parsed).isNull().and(col(column).isNotNull())).limit(1).count();
      if (unparsable > 0) {
        throw SparkfastException.input("split column '" + column + "' has values that do not parse with split.dateFormat '"
            + cfg.splitDateFormat() + "'", null);
      }
      Splits.TrainValid s = Splits.timeSplit(withTs, parsed, cfg.validFraction());
      return new Splits.TrainValid(s.train().drop(parsed), s.valid().drop(parsed));
    }
    return Splits.timeSplit(raw, column, cfg.validFraction());
  }

  /**
   * For each DateParts stage that keeps unparsable strings ({@code handleInvalid = keep}, which nulls their parts
   * silently), the number of its input values, train and valid together, that its dateFormat does not parse; keyed
   * by input column. Each count runs on what the stage sees: the output of the stages before it.
   */
  static Map<String, Long> unparsableDates(PipelineModel prepModel, Dataset<Row> train, Dataset<Row> valid) {
    Map<String, Long> counts = new LinkedHashMap<>();
    Transformer[] stages = prepModel.stages();
    for (int i = 0; i < stages.length; i++) {
      if (stages[i] instanceof DateParts dp && dp.getHandleInvalid().equals("keep")) {
        PipelineModel before = new PipelineModel(prepModel.uid() + "_before_" + i, Arrays.copyOf(stages, i));
        Dataset<Row> seenTrain = before.transform(train);
        if (seenTrain.schema().apply(dp.getInputCol()).dataType().equals(DataTypes.StringType)) {
          long n = dp.countInvalid(seenTrain) + dp.countInvalid(before.transform(valid));
          counts.merge(dp.getInputCol(), n, Long::sum);
          if (n > 0) {
            logger.warn("DateParts: {} values of column '{}' do not parse with dateFormat '{}'; their parts are null"
                + " (handleInvalid = keep)", n, dp.getInputCol(), dp.getDateFormat());
          }
        }
      }
    }
    return counts;
  }

  /**
   * One aggregation per prepared split (which also fills its cache) checks what the learners would reject without
   * naming the column ("Labels MUST NOT be Null or NaN", "Vector values MUST NOT be NaN or Infinity") or only after
   * training (a classification target other than 0/1): a missing target, a missing training feature (validation
   * features may be missing: the assembler keeps them), a target value other than 0/1.
   */
  private void checkPrepared(Dataset<Row> trainP, Dataset<Row> validP, List<String> features) {
    StructType schema = trainP.schema();
    Column target = col(cfg.target());
    Column notZeroOne = org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.when(
        target.isNotNull().and(target.isin(0, 1).unary_$bang()), lit(1)));
    List<Column> checks = new ArrayList<>(List.of(missingCount(schema, cfg.target()), notZeroOne));
    for (String f : features) {
      checks.add(missingCount(schema, f));
    }
    Row train = trainP.agg(checks.get(0), checks.subList(1, checks.size()).toArray(new Column[0])).first();
    Row valid = validP.agg(checks.get(0), checks.get(1)).first();
    long targetMissing = train.getLong(0) + valid.getLong(0);
    if (targetMissing > 0) {
      throw SparkfastException.input("target '" + cfg.target() + "' has " + targetMissing + " missing (null or NaN)"
          + " values; drop those rows (e.g. a SQLTransformer with WHERE " + cfg.target() + " IS NOT NULL)", null);
    }
    if (cfg.isClassification() && train.getLong(1) + valid.getLong(1) > 0) {
      List<Row> other = trainP.select(target).union(validP.select(target))
          .filter(target.isNotNull().and(target.isin(0, 1).unary_$bang())).distinct().orderBy(target).limit(5)
          .collectAsList();
      throw SparkfastException.input("task = classification needs a 0/1 target, but target '" + cfg.target()
          + "' also has " + other.stream().map(r -> String.valueOf(r.get(0))).toList()
          + (other.size() == 5 ? " (and maybe more)" : "") + "; map it to 0/1 in the pipeline or use task = regression",
          null);
    }
    for (int i = 0; i < features.size(); i++) {
      long n = train.getLong(i + 2);
      if (n > 0) {
        throw SparkfastException.input("feature '" + features.get(i) + "' has " + n + " missing (null or NaN) values"
            + " in the training split; fill them in the pipeline (a FillMissing or Imputer stage) or exclude it",
            null);
      }
    }
  }

  private static Column missingCount(StructType schema, String column) {
    Column c = col(column);
    Column missing = c.isNull();
    org.apache.spark.sql.types.DataType t = schema.apply(column).dataType();
    if (t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType)) {
      missing = missing.or(org.apache.spark.sql.functions.isnan(c));
    }
    return org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.when(missing, lit(1)));
  }

  private List<String> resolveFeatures(StructType schema) {
    List<String> features = new ArrayList<>();
    if (cfg.features().isEmpty()) {
      for (StructField f : schema.fields()) {
        boolean usable = f.dataType() instanceof NumericType || f.dataType() instanceof BooleanType;
        if (usable && !f.name().equals(cfg.target()) && !cfg.exclude().contains(f.name())
            && !cfg.keyColumns().contains(f.name())) {
          features.add(f.name());
        }
      }
      if (features.isEmpty()) {
        throw SparkfastException.input("features = auto found no numeric or boolean columns besides the target; "
            + "available columns: " + SchemaChecks.available(schema), null);
      }
    } else {
      for (String name : cfg.features()) {
        StructField f = SchemaChecks.requireColumn(schema, name);
        if (!(f.dataType() instanceof NumericType || f.dataType() instanceof BooleanType)) {
          throw SparkfastException.input("feature '" + name + "' is " + f.dataType().simpleString()
              + "; encode it first (e.g. a Categorify or StringIndexer stage in the pipeline)", null);
        }
        features.add(name);
      }
    }
    return features;
  }

  private void writePredictions(Dataset<Row> predictions, String path) {
    List<Column> cols = new ArrayList<>();
    for (String k : cfg.keyColumns()) {
      cols.add(col(k));
    }
    cols.add(col(cfg.target()));
    cols.add(col("prediction"));
    if (cfg.isClassification()) {
      cols.add(org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64").alias("probability"));
    }
    predictions.select(cols.toArray(new Column[0])).write().parquet(path);
  }

  private void writeImportance(List<Map.Entry<String, Double>> importance, OutputCommitter out) throws Exception {
    StringBuilder csv = new StringBuilder("feature,importance\n");
    List<String> names = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (Map.Entry<String, Double> e : importance) {
      csv.append(e.getKey()).append(',').append(e.getValue()).append('\n');
      if (names.size() < 30) {
        names.add(e.getKey());
        values.add(e.getValue());
      }
    }
    out.writeText("importance.csv", csv.toString());
    out.writeBytes("importance.png",
        Charts.bars("Feature importance (" + cfg.modelType() + ")", "feature", "importance", names, values));
  }

  private void writePartialDependence(PipelineModel fitted, Dataset<Row> validP, String feature, OutputCommitter out)
      throws Exception {
    SchemaChecks.requireNumeric(validP.schema(), feature);
    TabularModels.Curve curve = TabularModels.partialDependence(fitted, validP, feature, cfg.pdSampleSize(),
        cfg.pdGridSize(), cfg.splitSeed(), cfg.isClassification());
    out.writeBytes("pd_" + feature + ".png", Charts.line("Partial dependence on " + feature, feature,
        cfg.isClassification() ? "mean P(class 1)" : "mean prediction", curve.x(), curve.y()));
  }

  private static Dataset<Row> coalesce(Dataset<Row> data, int partitions) {
    // unconditionally: with adaptive execution the plan's partition count is only known at run time (a forest
    // trained on the 201 partitions left by the joins ran one task per partition per pass, each allocating the full
    // split statistics: hours on flights-3m)
    return data.coalesce(partitions);
  }

  private static Transformer[] concat(Transformer[] a, Transformer[] b) {
    Transformer[] all = new Transformer[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static double secondsSince(long start) {
    return secondsBetween(start, System.nanoTime());
  }

  private static double secondsBetween(long start, long end) {
    return Math.round((end - start) / 1e6) / 1000.0;
  }

}
