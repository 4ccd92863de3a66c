package io.sparkfast.common.train.metric;

import ai.djl.ndarray.NDList;
import java.util.Map;

/**
 * A metric accumulated over every batch of a pass and read at its end, fastai's {@code Metric}
 * ({@code reset}, {@code accumulate}, {@code value}). Implementations keep sufficient statistics (counts),
 * so the value is exact over the whole dataset whatever the batch sizes.
 */
public interface Metric {

  /** The metric's name, e.g. {@code accuracy}. */
  String name();

  /** Clears the accumulated statistics. */
  void reset();

  /**
   * Adds one batch.
   *
   * @param predictions the model outputs (first array: logits or scores, shape (batch, classes))
   * @param labels the targets (first array: class indices, shape (batch) or (batch, 1))
   */
  void accumulate(NDList predictions, NDList labels);

  /**
   * The named values over everything accumulated since {@link #reset()}; a scalar metric returns one entry
   * named {@link #name()}. Values are NaN when nothing was accumulated.
   */
  Map<String, Double> values();

  /** Accuracy: fraction of argmax predictions equal to the label. */
  static Metric accuracy() {
    return new Accuracy(false);
  }

  /** Error rate: 1 - accuracy. */
  static Metric errorRate() {
    return new Accuracy(true);
  }

  /**
   * fastai's {@code accuracy_multi} and a sample-averaged F1 for multi-label models (logits, multi-hot targets),
   * a label counting as predicted when {@code sigmoid(logit) > threshold}; see {@link MultiLabelMetrics}.
   */
  static Metric accuracyMulti(double threshold) {
    return new MultiLabelMetrics(threshold);
  }

  /** Accuracy of each of {@code classNames.size()} classes, plus their mean (balanced accuracy). */
  static Metric perClassAccuracy(java.util.List<String> classNames) {
    return new PerClassAccuracy(classNames);
  }
}
