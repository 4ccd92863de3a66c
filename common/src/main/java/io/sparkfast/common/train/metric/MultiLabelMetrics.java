package io.sparkfast.common.train.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Multi-label metrics at a threshold: a label is predicted present iff {@code sigmoid(logit) > threshold}.
 *
 * <ul>
 *   <li>{@value #ACCURACY_MULTI}: fastai's {@code accuracy_multi}, the fraction of all (item, label) decisions
 *       that are right.
 *   <li>{@value #F1_SAMPLES}: the F1 score of each item's predicted label set against its true set,
 *       {@code 2 |P ∩ T| / (|P| + |T|)}, averaged over items (fastai's {@code F1ScoreMulti(average='samples')},
 *       scikit-learn's {@code f1_score(average='samples')}). An item with neither true nor predicted labels is
 *       a perfect answer and counts 1 (scikit-learn's {@code zero_division=1}; its default, and so fastai's,
 *       counts such items 0).
 * </ul>
 *
 * <p>Counts accumulate over the whole pass, so the values do not depend on batch sizes. {@link #add} takes
 * already-thresholded decisions, for predictions made outside a Learner (a baseline, a predictor's output).
 */
public final class MultiLabelMetrics implements Metric {

  /** Name of the per-decision accuracy. */
  public static final String ACCURACY_MULTI = "accuracy_multi";
  /** Name of the sample-averaged F1 score. */
  public static final String F1_SAMPLES = "f1_samples";

  private final float threshold;
  private long correct;
  private long decisions;
  private double f1Sum;
  private long items;

  /**
   * Metrics at {@code threshold} (fastai: 0.5) on logits.
   *
   * @throws IllegalArgumentException unless {@code 0 < threshold < 1}
   */
  public MultiLabelMetrics(double threshold) {
    if (!(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException("threshold must be in (0, 1); got " + threshold);
    }
    this.threshold = (float) threshold;
  }

  /** The decision threshold on probabilities. */
  public double threshold() {
    return threshold;
  }

  /** {@inheritDoc} */
  @Override
  public String name() {
    return ACCURACY_MULTI;
  }

  /** {@inheritDoc} */
  @Override
  public void reset() {
    correct = 0;
    decisions = 0;
    f1Sum = 0;
    items = 0;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Predictions are logits (batch, labels); labels are multi-hot (batch, labels), a target above 0.5 counting
   * as present.
   */
  @Override
  public void accumulate(NDList predictions, NDList labels) {
    NDArray logits = predictions.head();
    NDArray target = labels.head();
    if (logits.getShape().dimension() != 2 || !logits.getShape().equals(target.getShape())) {
      throw new IllegalArgumentException("Multi-label metrics need logits and multi-hot targets of one shape"
          + " (batch, labels); got " + logits.getShape() + " and " + target.getShape()
          + " (is the dataset built with optMultiLabel(true)?)");
    }
    int n = (int) logits.getShape().get(0);
    int k = (int) logits.getShape().get(1);
    boolean[] p;
    boolean[] t;
    try (NDArray prob = Activation.sigmoid(logits);
        NDArray pa = prob.gt(threshold);
        NDArray ta = target.gt(0.5f)) {
      p = pa.toBooleanArray();
      t = ta.toBooleanArray();
    }
    boolean[] pi = new boolean[k];
    boolean[] ti = new boolean[k];
    for (int i = 0; i < n; i++) {
      System.arraycopy(p, i * k, pi, 0, k);
      System.arraycopy(t, i * k, ti, 0, k);
      add(pi, ti);
    }
  }

  /**
   * Adds one item's decisions.
   *
   * @param predicted whether each label is predicted present
   * @param actual whether each label is present
   */
  public void add(boolean[] predicted, boolean[] actual) {
    if (predicted.length != actual.length) {
      throw new IllegalArgumentException(
          "Got " + predicted.length + " predicted and " + actual.length + " true label flags");
    }
    int both = 0;
    int nPred = 0;
    int nTrue = 0;
    for (int j = 0; j < predicted.length; j++) {
      correct += predicted[j] == actual[j] ? 1 : 0;
      both += predicted[j] && actual[j] ? 1 : 0;
      nPred += predicted[j] ? 1 : 0;
      nTrue += actual[j] ? 1 : 0;
    }
    decisions += predicted.length;
    f1Sum += nPred + nTrue == 0 ? 1.0 : 2.0 * both / (nPred + nTrue);
    items++;
  }

  /** Adds one item given its label probabilities, thresholded at {@link #threshold()}. */
  public void addProbabilities(float[] probabilities, boolean[] actual) {
    boolean[] p = new boolean[probabilities.length];
    for (int j = 0; j < p.length; j++) {
      p[j] = probabilities[j] > threshold;
    }
    add(p, actual);
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, Double> values() {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put(ACCURACY_MULTI, decisions == 0 ? Double.NaN : (double) correct / decisions);
    v.put(F1_SAMPLES, items == 0 ? Double.NaN : f1Sum / items);
    return v;
  }

  /** Items added since the last {@link #reset()}. */
  public long items() {
    return items;
  }
}
