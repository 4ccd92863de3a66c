package io.sparkfast.common.train.callback;

import ai.djl.ndarray.NDArray;
import io.sparkfast.common.train.Learner;

/**
 * fastai's {@code GradientAccumulation}: accumulates gradients over micro-batches until {@code nAcc} samples
 * were seen, then steps. After the loss, the loss used for backward is divided by {@code nAcc / bs}, so the
 * accumulated gradient is that of the mean loss over {@code nAcc} samples; before the step the sample count
 * grows by {@code bs} and, while it is below {@code nAcc}, the batch is cancelled (no step, no zeroing of
 * gradients). The recorded loss is the unscaled one. Training only. Schedules advance per micro-batch, as in
 * fastai. The sample count is not part of checkpoints: save them at step boundaries.
 */
public final class GradientAccumulation implements Callback {

  private final int nAcc;
  private long count;

  /**
   * Creates the callback.
   *
   * @param nAcc number of samples to accumulate before a step (fastai 32)
   */
  public GradientAccumulation(int nAcc) {
    if (nAcc < 1) {
      throw new IllegalArgumentException("GradientAccumulation nAcc must be >= 1 samples; got " + nAcc);
    }
    this.nAcc = nAcc;
  }

  /** {@inheritDoc} */
  @Override
  public int order() {
    return 6;
  }

  /** {@inheritDoc} */
  @Override
  public boolean runValid() {
    return false;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeFit(Learner learn) {
    count = 0;
  }

  /** {@inheritDoc} */
  @Override
  public void afterLoss(Learner learn) {
    NDArray scaled = learn.lossGrad().div((float) ((double) nAcc / learn.batchSize()));
    learn.setLossGrad(scaled);
  }

  /** {@inheritDoc} */
  @Override
  public void beforeStep(Learner learn) {
    count += learn.batchSize();
    if (count < nAcc) {
      throw new CancelBatchException("accumulating gradients");
    }
    count = 0;
  }
}
