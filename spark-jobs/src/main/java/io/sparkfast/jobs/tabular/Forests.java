package io.sparkfast.jobs.tabular;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import org.apache.spark.ml.util.Identifiable;

/**
 * Combines MLlib random forests trained on different slices of the data into one MLlib forest model, which then
 * predicts, reports feature importance and saves/loads like any forest MLlib trained: a forest's prediction is the
 * mean of its trees' (regression) or of their class-probability votes (classification), so the union of the trees
 * is the forest of all of them.
 */
final class Forests {

  private Forests() {}

  /**
   * One forest holding every tree of {@code forests} (all regression or all classification, on the same features
   * and, for classification, the same classes), with the first forest's column settings.
   */
  static Transformer combine(List<Transformer> forests) {
    if (forests.isEmpty()) {
      throw new IllegalArgumentException("no forests to combine");
    }
    if (forests.get(0) instanceof RandomForestRegressionModel first) {
      List<DecisionTreeRegressionModel> trees = new ArrayList<>();
      for (Transformer t : forests) {
        RandomForestRegressionModel f = (RandomForestRegressionModel) t;
        requireSameFeatures(first.numFeatures(), f.numFeatures());
        trees.addAll(List.of(f.trees()));
      }
      RandomForestRegressionModel m = new RandomForestRegressionModel(Identifiable.randomUID("rfr"),
          trees.toArray(new DecisionTreeRegressionModel[0]), first.numFeatures());
      // numTrees is what the model divides the sum of tree predictions by, and what its reader checks on load
      m = m.copy(new ParamMap().put(m.numTrees(), trees.size()));
      return m.setFeaturesCol(first.getFeaturesCol()).setPredictionCol(first.getPredictionCol());
    }
    if (forests.get(0) instanceof RandomForestClassificationModel first) {
      List<DecisionTreeClassificationModel> trees = new ArrayList<>();
      for (Transformer t : forests) {
        RandomForestClassificationModel f = (RandomForestClassificationModel) t;
        requireSameFeatures(first.numFeatures(), f.numFeatures());
        if (f.numClasses() != first.numClasses()) {
          throw new IllegalArgumentException("forests disagree on the number of classes: " + first.numClasses()
              + " and " + f.numClasses() + "; a slice of the training data lacks a class");
        }
        trees.addAll(List.of(f.trees()));
      }
      RandomForestClassificationModel m = new RandomForestClassificationModel(Identifiable.randomUID("rfc"),
          trees.toArray(new DecisionTreeClassificationModel[0]), first.numFeatures(), first.numClasses());
      m = m.copy(new ParamMap().put(m.numTrees(), trees.size()));
      return m.setFeaturesCol(first.getFeaturesCol()).setPredictionCol(first.getPredictionCol())
          .setProbabilityCol(first.getProbabilityCol()).setRawPredictionCol(first.getRawPredictionCol());
    }
    throw new IllegalArgumentException("not a random forest model: " + forests.get(0).getClass().getSimpleName());
  }

  private static void requireSameFeatures(int expected, int actual) {
    if (expected != actual) {
      throw new IllegalArgumentException("forests disagree on the number of features: " + expected + " and "
          + actual);
    }
  }
}
