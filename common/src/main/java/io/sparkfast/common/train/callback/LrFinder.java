package io.sparkfast.common.train.callback;

import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.optim.GroupOptimizer;
import io.sparkfast.common.train.schedule.Schedule;
import java.util.Map;

/**
 * fastai's {@code LRFinder}: the learning rate grows exponentially from {@code startLr} to {@code endLr} over
 * {@code numIt} training batches ({@code lr = start * (end/start)^(train_iter/num_it)}, set before each batch);
 * training stops after {@code numIt} batches, or as soon as the Recorder's smoothed loss exceeds 4x the best
 * one seen (with {@code stopDiv}). Validation is skipped. The model and the optimizer are snapshotted before
 * and restored after the run.
 */
public final class LrFinder extends ParamScheduler {

  private final int numIt;
  private final boolean stopDiv;
  private double bestLoss;
  private Learner.Snapshot snapshot;

  /**
   * Creates the finder.
   *
   * @param startLr first learning rate (fastai 1e-7)
   * @param endLr learning rate approached at {@code numIt} (fastai 10)
   * @param numIt number of batches; at least 6 (fastai 100)
   * @param stopDiv stop when the loss diverges (fastai true)
   */
  public LrFinder(double startLr, double endLr, int numIt, boolean stopDiv) {
    super(Map.of(GroupOptimizer.LR, new Schedule[] {Schedule.exp(startLr, endLr)}));
    if (!(endLr > startLr)) {
      throw new IllegalArgumentException("lrFind needs endLr > startLr; got start=" + startLr + ", end=" + endLr);
    }
    this.numIt = Math.max(numIt, 6);
    this.stopDiv = stopDiv;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeFit(Learner learn) {
    super.beforeFit(learn);
    learn.recorder().setLogging(false);
    snapshot = learn.snapshot();
    bestLoss = Double.POSITIVE_INFINITY;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeBatch(Learner learn) {
    updateValues(learn, (double) learn.trainIter() / numIt);
  }

  /** {@inheritDoc} */
  @Override
  public void afterBatch(Learner learn) {
    super.afterBatch(learn);
    double smooth = learn.recorder().smoothLoss();
    if (smooth < bestLoss) {
      bestLoss = smooth;
    }
    if (smooth > 4 * bestLoss && stopDiv) {
      throw new CancelFitException("loss diverged");
    }
    if (learn.trainIter() >= numIt) {
      throw new CancelFitException("lr_find done");
    }
  }

  /** {@inheritDoc} */
  @Override
  public void beforeValidate(Learner learn) {
    throw new CancelValidException("lr_find skips validation");
  }

  /** {@inheritDoc} */
  @Override
  public void afterFit(Learner learn) {
    learn.recorder().setLogging(true);
    learn.optimizer().zeroGrad();
    if (snapshot != null) {
      try (Learner.Snapshot s = snapshot) {
        learn.restore(s);
      }
      snapshot = null;
    }
  }
}
