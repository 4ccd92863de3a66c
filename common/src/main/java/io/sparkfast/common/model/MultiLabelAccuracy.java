package io.sparkfast.common.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.evaluator.AbstractAccuracy;
import ai.djl.util.Pair;

/**
 * fastai's {@code accuracy_multi}: the fraction of (item, label) decisions that are right when a label is
 * predicted present iff {@code sigmoid(logit) > threshold}. Predictions are logits; labels are multi-hot.
 */
public final class MultiLabelAccuracy extends AbstractAccuracy {

  private final float threshold;

  /** Accuracy at {@code threshold} (fastai: 0.5). */
  public MultiLabelAccuracy(float threshold) {
    super("MultiLabelAccuracy");
    if (!(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException("threshold must be in (0, 1); got " + threshold);
    }
    this.threshold = threshold;
  }

  /** {@inheritDoc} */
  @Override
  protected Pair<Long, NDArray> accuracyHelper(NDList labels, NDList predictions) {
    NDArray label = labels.head();
    NDArray logits = predictions.head();
    if (!label.getShape().equals(logits.getShape())) {
      throw new IllegalArgumentException(
          "Multi-label targets " + label.getShape() + " and predictions " + logits.getShape() + " differ in shape");
    }
    NDArray predicted = Activation.sigmoid(logits).gt(threshold);
    NDArray correct = predicted.eq(label.gt(0.5f));
    return new Pair<>(label.size(), correct.countNonzero());
  }
}
