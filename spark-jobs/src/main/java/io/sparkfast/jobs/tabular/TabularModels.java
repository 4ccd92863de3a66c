package io.sparkfast.jobs.tabular;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.sparkfast.jobs.config.TabularJobConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Tree-ensemble baselines for the tabular job on MLlib: fastbook's random-forest defaults (40 trees, half the
 * features per split, at least 5 rows per leaf, {@code max_samples} as a subsampling rate), GBT, validation metrics,
 * the naive baseline, feature importance, the drop-low-importance refit, the out-of-domain check and partial
 * dependence. Everything is computed with Spark aggregations; only one-row results reach the driver.
 */
final class TabularModels {

  /** A curve for plotting (grid values and mean predictions). */
  record Curve(double[] x, double[] y) {}

  private final TabularJobConfig cfg;
  private final long trainRows;

  TabularModels(TabularJobConfig cfg, long trainRows) {
    this.cfg = cfg;
    this.trainRows = trainRows;
  }

  /**
   * Assembles {@code features} and fits the configured model on {@code train}. A random forest with
   * {@link TabularJobConfig#forestSlices} > 1 is trained as that many MLlib forests, each on its own random slice of
   * the rows with its share of the trees, and combined into one forest model: every tree still draws maxSamples rows
   * (from its slice), while MLlib's per-level pass, which visits every row for every tree, shrinks by the slice count.
   */
  PipelineModel fit(Dataset<Row> train, List<String> features) {
    VectorAssembler assembler = new VectorAssembler().setInputCols(features.toArray(new String[0]))
        .setOutputCol(TabularJob.FEATURES).setHandleInvalid("keep");
    int slices = cfg.forestSlices(trainRows);
    if (slices <= 1) {
      return new Pipeline().setStages(new PipelineStage[] {assembler, estimator(cfg.numTrees(), subsampling(1),
          cfg.modelSeed(), features.size())}).fit(train);
    }
    // a seeded random slice number per row (not randomSplit, which sorts every partition by all its columns, on
    // every pass MLlib makes over each slice)
    String slice = "__forest_slice";
    Dataset<Row> tagged = assembler.transform(train)
        .withColumn(slice, functions.floor(functions.rand(cfg.modelSeed()).multiply(slices)));
    List<Transformer> forests = new ArrayList<>();
    for (int i = 0; i < slices; i++) {
      int trees = cfg.numTrees() / slices + (i < cfg.numTrees() % slices ? 1 : 0);
      forests.add((Transformer) estimator(trees, subsampling(slices), cfg.modelSeed() + i, features.size())
          .fit(tagged.filter(col(slice).equalTo(i))));
    }
    return new PipelineModel(org.apache.spark.ml.util.Identifiable.randomUID("tabular"),
        new Transformer[] {assembler, Forests.combine(forests)});
  }

  /** The subsampling rate for a forest on one of {@code slices} equal slices of the training rows. */
  private double subsampling(int slices) {
    return cfg.maxSamples() > 0 ? Math.min(1.0, (double) cfg.maxSamples() * slices / trainRows)
        : cfg.subsamplingRate();
  }

  /**
   * The number of features a forest draws per split for {@code strategy} on {@code numFeatures} features: a fraction
   * f (fastbook's {@code max_features=0.5}) counts as sklearn's {@code max(1, int(f * n))}, rounded down, where MLlib
   * rounds up ("0.5" of 3 features is 2 there, 1 in sklearn). Counts and names (auto, all, sqrt, ...) pass through.
   */
  static String featuresPerSplit(String strategy, int numFeatures) {
    if (strategy.matches("[0-9]+") || !(fraction(strategy) > 0 && fraction(strategy) <= 1)) {
      return strategy;
    }
    return String.valueOf(Math.max(1, (int) (fraction(strategy) * numFeatures)));
  }

  /** {@code s} as a number, or NaN (left to MLlib's own check of the strategy). */
  private static double fraction(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private Predictor<?, ?, ?> estimator(int numTrees, double subsampling, long seed, int numFeatures) {
    String perSplit = featuresPerSplit(cfg.featureSubsetStrategy(), numFeatures);
    String label = cfg.target();
    boolean cls = cfg.isClassification();
    if (cfg.modelType().equals("gbt")) {
      if (cls) {
        return new GBTClassifier().setLabelCol(label).setFeaturesCol(TabularJob.FEATURES).setMaxIter(cfg.maxIter())
            .setStepSize(cfg.stepSize()).setMaxDepth(Math.min(cfg.maxDepth(), 8)).setMaxBins(cfg.maxBins())
            .setMinInstancesPerNode(cfg.minInstancesPerNode()).setSubsamplingRate(subsampling).setSeed(cfg.modelSeed())
            .setMaxMemoryInMB(cfg.maxMemoryInMB()).setCacheNodeIds(cfg.cacheNodeIds());
      }
      return new GBTRegressor().setLabelCol(label).setFeaturesCol(TabularJob.FEATURES).setMaxIter(cfg.maxIter())
          .setStepSize(cfg.stepSize()).setMaxDepth(Math.min(cfg.maxDepth(), 8)).setMaxBins(cfg.maxBins())
          .setMinInstancesPerNode(cfg.minInstancesPerNode()).setSubsamplingRate(subsampling).setSeed(cfg.modelSeed())
          .setMaxMemoryInMB(cfg.maxMemoryInMB()).setCacheNodeIds(cfg.cacheNodeIds());
    }
    if (cls) {
      return new RandomForestClassifier().setLabelCol(label).setFeaturesCol(TabularJob.FEATURES)
          .setNumTrees(numTrees).setFeatureSubsetStrategy(perSplit)
          .setMinInstancesPerNode(cfg.minInstancesPerNode()).setMaxDepth(cfg.maxDepth()).setMaxBins(cfg.maxBins())
          .setSubsamplingRate(subsampling).setSeed(seed)
          .setMaxMemoryInMB(cfg.maxMemoryInMB()).setCacheNodeIds(cfg.cacheNodeIds());
    }
    return new RandomForestRegressor().setLabelCol(label).setFeaturesCol(TabularJob.FEATURES)
        .setNumTrees(numTrees).setFeatureSubsetStrategy(perSplit)
        .setMinInstancesPerNode(cfg.minInstancesPerNode()).setMaxDepth(cfg.maxDepth()).setMaxBins(cfg.maxBins())
        .setSubsamplingRate(subsampling).setSeed(seed)
        .setMaxMemoryInMB(cfg.maxMemoryInMB()).setCacheNodeIds(cfg.cacheNodeIds());
  }

  /** Validation metrics: rmse, mae, r2 for regression; accuracy, error_rate, auc, log_loss for classification. */
  Map<String, Double> evaluate(Dataset<Row> predictions) {
    Map<String, Double> m = new LinkedHashMap<>();
    String label = cfg.target();
    if (!cfg.isClassification()) {
      RegressionEvaluator e = new RegressionEvaluator().setLabelCol(label).setPredictionCol("prediction");
      m.put("rmse", e.setMetricName("rmse").evaluate(predictions));
      m.put("mae", e.setMetricName("mae").evaluate(predictions));
      m.put("r2", e.setMetricName("r2").evaluate(predictions));
      return m;
    }
    MulticlassClassificationEvaluator e = new MulticlassClassificationEvaluator().setLabelCol(label)
        .setPredictionCol("prediction").setProbabilityCol("probability");
    double accuracy = e.setMetricName("accuracy").evaluate(predictions);
    m.put("accuracy", accuracy);
    m.put("error_rate", 1.0 - accuracy);
    // numBins 0: the exact ROC curve, as sklearn's roc_auc_score (the default, 1000, bins the curve once there are
    // 2000 distinct scores or more)
    m.put("auc", new BinaryClassificationEvaluator().setLabelCol(label).setRawPredictionCol("probability")
        .setMetricName("areaUnderROC").setNumBins(0).evaluate(predictions));
    m.put("log_loss", e.setMetricName("logLoss").setEps(1e-15).evaluate(predictions));
    return m;
  }

  /**
   * The naive baseline on the validation split: the training mean for regression; for classification the training
   * majority class as prediction and the training class frequencies as probabilities (so log_loss is the prior's).
   */
  Map<String, Double> evaluateBaseline(Dataset<Row> train, Dataset<Row> valid) {
    String label = cfg.target();
    if (!cfg.isClassification()) {
      double mean = train.agg(avg(col(label))).first().getDouble(0);
      return evaluate(valid.withColumn("prediction", lit(mean)));
    }
    Row counts = train.agg(count(lit(1)), functions.sum(col(label).cast("double"))).first();
    double n = counts.getLong(0);
    double positives = counts.isNullAt(1) ? 0 : counts.getDouble(1);
    double p1 = positives / n;
    double majority = p1 > 0.5 ? 1.0 : 0.0;
    Dataset<Row> pred = valid.withColumn("prediction", lit(majority))
        .withColumn("probability", org.apache.spark.ml.functions.array_to_vector(
            functions.array(lit(1.0 - p1), lit(p1))));
    return evaluate(pred);
  }

  /** The fitted model's impurity-based feature importance, most important first. */
  List<Map.Entry<String, Double>> importance(PipelineModel fitted, List<String> features) {
    Transformer model = fitted.stages()[fitted.stages().length - 1];
    Vector imp;
    try {
      imp = (Vector) model.getClass().getMethod("featureImportances").invoke(model);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("model " + model.getClass().getSimpleName() + " has no featureImportances", e);
    }
    List<Map.Entry<String, Double>> out = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      out.add(Map.entry(features.get(i), imp.apply(i)));
    }
    out.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    return out;
  }

  /**
   * fastbook's drop of low-importance features: refits on the features whose importance is above {@code threshold}
   * ({@code fi[fi.imp > threshold]}) and reports its validation score beside the fitted model's
   * ({@code validAllFeatures}, the job's "valid"), as fastbook compares the two.
   */
  Map<String, Object> dropLowImportance(Dataset<Row> train, Dataset<Row> valid,
      List<Map.Entry<String, Double>> importance, double threshold, Map<String, Double> validAllFeatures) {
    List<String> kept = keptFeatures(importance, threshold);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("threshold", threshold);
    r.put("kept", kept);
    r.put("valid_all_features", validAllFeatures);
    r.put("valid_kept_features", kept.isEmpty() ? Map.of() : evaluate(fit(train, kept).transform(valid)));
    return r;
  }

  /** The features whose importance is above {@code threshold}, in importance order. */
  static List<String> keptFeatures(List<Map.Entry<String, Double>> importance, double threshold) {
    List<String> kept = new ArrayList<>();
    for (Map.Entry<String, Double> e : importance) {
      if (e.getValue() > threshold) {
        kept.add(e.getKey());
      }
    }
    return kept;
  }

  /**
   * fastbook's out-of-domain check: a forest predicting whether a row is in the validation split. An AUC near 0.5
   * means train and validation look alike; the top features say what differs (often time-like columns).
   */
  Map<String, Object> outOfDomain(Dataset<Row> train, Dataset<Row> valid, List<String> features) {
    String isValid = "__is_valid";
    Dataset<Row> both = train.withColumn(isValid, lit(0.0)).unionByName(valid.withColumn(isValid, lit(1.0)), true);
    Dataset<Row>[] parts = both.randomSplit(new double[] {0.7, 0.3}, cfg.modelSeed());
    VectorAssembler assembler = new VectorAssembler().setInputCols(features.toArray(new String[0]))
        .setOutputCol(TabularJob.FEATURES).setHandleInvalid("keep");
    RandomForestClassifier rf = new RandomForestClassifier().setLabelCol(isValid).setFeaturesCol(TabularJob.FEATURES)
        .setNumTrees(Math.min(cfg.numTrees(), 20)).setMinInstancesPerNode(cfg.minInstancesPerNode())
        .setMaxDepth(Math.min(cfg.maxDepth(), 10)).setMaxBins(cfg.maxBins()).setSeed(cfg.modelSeed());
    PipelineModel m = new Pipeline().setStages(new PipelineStage[] {assembler, rf}).fit(parts[0]);
    double auc = new BinaryClassificationEvaluator().setLabelCol(isValid).setRawPredictionCol("probability")
        .setNumBins(0).evaluate(m.transform(parts[1]));
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("auc", auc);
    Map<String, Double> top = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : importance(m, features)) {
      if (top.size() < 10) {
        top.put(e.getKey(), e.getValue());
      }
    }
    r.put("top_features", top);
    return r;
  }

  /**
   * Partial dependence of the model on {@code feature}: on a seeded sample of at most {@code sampleSize} rows, the
   * feature is set to each value of a quantile grid and the predictions (class-1 probabilities) are averaged.
   */
  static Curve partialDependence(PipelineModel fitted, Dataset<Row> data, String feature, int sampleSize,
      int gridSize, long seed, boolean classification) {
    Dataset<Row> sample = data.orderBy(functions.rand(seed)).limit(sampleSize).cache();
    double[] probs = new double[gridSize];
    for (int i = 0; i < gridSize; i++) {
      probs[i] = gridSize == 1 ? 0.5 : 0.02 + 0.96 * i / (gridSize - 1);
    }
    double[] grid = java.util.Arrays.stream(sample.stat().approxQuantile(feature, probs, 0.001)).distinct().toArray();
    // One transform for the whole grid (the sample crossed with the grid values): MLlib broadcasts the fitted model
    // on every transform, and a big forest's broadcast costs seconds.
    List<Row> points = new ArrayList<>();
    for (int i = 0; i < grid.length; i++) {
      points.add(org.apache.spark.sql.RowFactory.create(i, grid[i]));
    }
    String index = "__pd_index";
    String value = "__pd_value";
    Dataset<Row> gridRows = data.sparkSession().createDataFrame(points, new org.apache.spark.sql.types.StructType()
        .add(index, org.apache.spark.sql.types.DataTypes.IntegerType)
        .add(value, org.apache.spark.sql.types.DataTypes.DoubleType));
    Dataset<Row> scored = fitted.transform(sample.crossJoin(gridRows)
        .withColumn(feature, col(value).cast(sample.schema().apply(feature).dataType())));
    org.apache.spark.sql.Column y = classification
        ? org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64").getItem(1)
        : col("prediction");
    double[] mean = new double[grid.length];
    for (Row r : scored.groupBy(index).agg(avg(y)).collectAsList()) {
      mean[r.getInt(0)] = r.getDouble(1);
    }
    sample.unpersist();
    return new Curve(grid, mean);
  }
}
