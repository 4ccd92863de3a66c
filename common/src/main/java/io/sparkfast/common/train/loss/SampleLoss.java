package io.sparkfast.common.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A loss that can report one value per sample (PyTorch's {@code reduction='none'}), which MixUp needs to
 * interpolate the losses of the two label sets.
 */
public interface SampleLoss {

  /**
   * Per-sample losses, shape (batch).
   *
   * @param labels targets, first array: class indices
   * @param predictions model outputs, first array: logits (batch, classes)
   */
  NDArray perSample(NDList labels, NDList predictions);
}
