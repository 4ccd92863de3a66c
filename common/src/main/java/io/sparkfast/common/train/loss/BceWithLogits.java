package io.sparkfast.common.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Binary cross-entropy on logits with multi-hot float targets, fastai's {@code BCEWithLogitsLossFlat} (PyTorch's
 * {@code BCEWithLogitsLoss}): per element {@code max(x, 0) - x * y + log(1 + exp(-|x|))}, the stable form of
 * {@code -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))}; the loss is the mean over all elements. Per sample
 * it is the mean over labels, so MixUp (which interpolates per-sample losses) equals BCE on interpolated targets.
 */
public final class BceWithLogits extends Loss implements SampleLoss {

  /** The loss. */
  public BceWithLogits() {
    super("BceWithLogits");
  }

  private static NDArray elementwise(NDList labels, NDList predictions) {
    NDArray x = predictions.head();
    NDArray y = labels.head();
    if (x.getShape().dimension() != 2 || !x.getShape().equals(y.getShape())) {
      throw new IllegalArgumentException("BCE-with-logits needs logits and multi-hot targets of one shape (batch,"
          + " labels); got " + x.getShape() + " and " + y.getShape()
          + " (multi-label data needs model.multi_label = true)");
    }
    y = y.toType(x.getDataType(), false);
    return x.maximum(0f).sub(x.mul(y)).add(x.abs().neg().exp().add(1f).log());
  }

  /** {@inheritDoc} */
  @Override
  public NDArray perSample(NDList labels, NDList predictions) {
    return elementwise(labels, predictions).mean(new int[] {1});
  }

  /** {@inheritDoc} */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    return elementwise(labels, predictions).mean();
  }
}
