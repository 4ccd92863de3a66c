package io.sparkfast.jobs.tabular;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkfast.jobs.config.ConfigLoader;
import io.sparkfast.jobs.config.TabularJobConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The validation metrics of {@link TabularModels} against sklearn's, on fixed data (expected values from sklearn). */
class TabularModelsTest {

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static TabularJobConfig conf(String... sets) {
    return TabularJobConfig.from(ConfigLoader.load("tabular-reference.conf", null, null, List.of(sets)));
  }

  /**
   * 4,000 rows with 3,000 distinct positive-class probabilities (with ties): sklearn's roc_auc_score is exact, with
   * tied scores on one ROC segment; MLlib's BinaryClassificationEvaluator bins the curve into about 1,000 points by
   * default (numBins) once there are 2,000 distinct scores or more, which moves the AUC.
   * <pre>
   * i = np.arange(4000); s = np.floor(((i * 7919) % 4001) / 4001 * 3000) / 3000
   * y = (((i * 104729) % 1000) / 1000 &lt; s).astype(int)
   * roc_auc_score(y, s) = 0.8330506192750403; log_loss(y, np.clip(s, 1e-15, 1 - 1e-15)) = 0.5000662620676943
   * accuracy_score(y, s &gt; 0.5) = 0.75
   * </pre>
   */
  @Test
  void classificationMetricsMatchSklearnOnManyDistinctScores() {
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 4000; i++) {
      double s = Math.floor(((i * 7919) % 4001) / 4001.0 * 3000) / 3000;
      double y = ((i * 104729) % 1000) / 1000.0 < s ? 1.0 : 0.0;
      rows.add(RowFactory.create(y, s > 0.5 ? 1.0 : 0.0, Vectors.dense(1 - s, s)));
    }
    Dataset<Row> pred = spark.createDataFrame(rows, new StructType().add("label", "double")
        .add("prediction", "double").add("probability", SQLDataTypes.VectorType()));
    Map<String, Double> m = new TabularModels(conf("task=classification", "target=label"), 4000).evaluate(pred);
    assertEquals(0.8330506192750403, m.get("auc"), 1e-12, "sklearn roc_auc_score");
    assertEquals(0.5000662620676943, m.get("log_loss"), 1e-12, "sklearn log_loss");
    assertEquals(0.75, m.get("accuracy"), 1e-12);
    assertEquals(0.25, m.get("error_rate"), 1e-12);
  }

  /**
   * fastbook's {@code max_features=0.5} as sklearn counts it, {@code max(1, int(0.5 * n))}, rounded down, where
   * MLlib's "0.5" rounds up: on 3 features sklearn considers 1 per split, MLlib 2.
   */
  @Test
  void featuresPerSplitAreCountedAsSklearnMaxFeatures() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      rows.add(RowFactory.create((double) i, (double) (i % 7), (double) (i % 3), 2.0 * i));
    }
    Dataset<Row> train = spark.createDataFrame(rows, new StructType().add("a", "double").add("b", "double")
        .add("c", "double").add("y", "double"));
    var assembler = new org.apache.spark.ml.feature.VectorAssembler().setInputCols(new String[] {"a", "b", "c"})
        .setOutputCol("features");
    for (String[] c : new String[][] {{"0.5", "1"}, {"0.7", "2"}, {"1.0", "3"}}) {
      var model = new TabularModels(conf("target=y", "model.numTrees=3", "model.featureSubsetStrategy=\"" + c[0]
          + "\""), 60).fit(train, List.of("a", "b", "c"));
      var forest = (org.apache.spark.ml.regression.RandomForestRegressionModel) model.stages()[1];
      // the same forest (reference.conf's settings) drawing exactly c[1] features per split
      var reference = new org.apache.spark.ml.regression.RandomForestRegressor().setLabelCol("y").setNumTrees(3)
          .setFeatureSubsetStrategy(c[1]).setMinInstancesPerNode(5).setMaxDepth(15).setMaxBins(64)
          .setSubsamplingRate(1.0).setSeed(42).setMaxMemoryInMB(512).setCacheNodeIds(true)
          .fit(assembler.transform(train));
      for (int t = 0; t < 3; t++) {
        assertEquals(trees(reference.trees()[t].toDebugString()), trees(forest.trees()[t].toDebugString()),
            "max_features " + c[0] + " of 3 features = " + c[1] + " per split, tree " + t);
      }
    }
    assertEquals("12", TabularModels.featuresPerSplit("0.5", 24));
    assertEquals("10", TabularModels.featuresPerSplit("0.5", 21));
    assertEquals("1", TabularModels.featuresPerSplit("0.5", 1));
    assertEquals("sqrt", TabularModels.featuresPerSplit("sqrt", 13));
    assertEquals("3", TabularModels.featuresPerSplit("3", 13));
  }

  /** A tree's debug string without its first line (which names the model's uid). */
  private static String trees(String debug) {
    return debug.substring(debug.indexOf('\n'));
  }

  /** fastbook keeps {@code fi[fi.imp > threshold]}: a feature exactly at the threshold goes. */
  @Test
  void dropLowImportanceKeepsFeaturesAboveTheThreshold() {
    List<Map.Entry<String, Double>> importance = List.of(Map.entry("a", 0.6), Map.entry("b", 0.35),
        Map.entry("c", 0.05), Map.entry("d", 0.0));
    assertEquals(List.of("a", "b"), TabularModels.keptFeatures(importance, 0.05));
    assertEquals(List.of("a", "b", "c"), TabularModels.keptFeatures(importance, 0.0));
  }
}
