package io.sparkfast.common.train;

import io.sparkfast.common.train.callback.Callback;

/**
 * fastai's {@code TrainEvalCallback}, always installed: keeps {@code train_iter} and {@code pct_train} and the
 * training flag. Order -10, so every other callback sees updated counters in {@code after_batch}.
 */
final class TrainEvalCallback implements Callback {

  /** {@inheritDoc} */
  @Override
  public int order() {
    return -10;
  }

  /** {@inheritDoc} */
  @Override
  public boolean runValid() {
    return false;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeFit(Learner learn) {
    learn.resetCounters();
  }

  /** {@inheritDoc} */
  @Override
  public void beforeTrain(Learner learn) {
    learn.startTrainPhase();
  }

  /** {@inheritDoc} */
  @Override
  public void afterBatch(Learner learn) {
    learn.advanceTrainCounters();
  }

  /** {@inheritDoc} */
  @Override
  public void beforeValidate(Learner learn) {
    learn.startValidPhase();
  }
}
