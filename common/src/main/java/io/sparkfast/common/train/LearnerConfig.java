package io.sparkfast.common.train;

import io.sparkfast.common.train.optim.AdamW;
import io.sparkfast.common.train.optim.OptimizerFactory;

/**
 * Training settings of a {@link Learner}, with fastai's defaults in {@link #defaults()}.
 *
 * @param lr default learning rate when a fit gives none (fastai 1e-3)
 * @param wd decoupled weight decay set on every group at the start of each fit (fastai Adam default 0.01)
 * @param momStart one-cycle momentum at the start (0.95)
 * @param momMiddle one-cycle momentum at the learning-rate peak (0.85)
 * @param momEnd one-cycle momentum at the end (0.95)
 * @param trainBn keep BatchNorm/LayerNorm parameters of frozen groups trainable (fastai {@code train_bn=True})
 * @param wdBnBias apply weight decay to normalization parameters and biases too (fastai default false)
 * @param seed base seed: data order and every batch's randomness derive from (seed, epoch, batch)
 * @param smoothBeta exponential smoothing of the recorded training loss (fastai 0.98)
 * @param optimizer creates the optimizer (fastai default Adam with decoupled weight decay)
 */
public record LearnerConfig(
    double lr, double wd, double momStart, double momMiddle, double momEnd, boolean trainBn, boolean wdBnBias,
    long seed, double smoothBeta, OptimizerFactory optimizer) {

  /** Validates the values. */
  public LearnerConfig {
    if (!(lr > 0)) {
      throw new IllegalArgumentException("LearnerConfig.lr must be > 0; got " + lr);
    }
    if (!(wd >= 0)) {
      throw new IllegalArgumentException("LearnerConfig.wd must be >= 0; got " + wd);
    }
    if (!(smoothBeta >= 0 && smoothBeta < 1)) {
      throw new IllegalArgumentException("LearnerConfig.smoothBeta must be in [0, 1); got " + smoothBeta);
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("LearnerConfig.optimizer must be set, e.g. AdamW.factory()");
    }
  }

  /** fastai's defaults: lr 1e-3, wd 0.01, moms (0.95, 0.85, 0.95), train_bn, no wd on bn/bias, AdamW, seed 42. */
  public static LearnerConfig defaults() {
    return new LearnerConfig(1e-3, 0.01, 0.95, 0.85, 0.95, true, false, 42L, 0.98, AdamW.factory());
  }

  /** A copy with another optimizer. */
  public LearnerConfig withOptimizer(OptimizerFactory factory) {
    return new LearnerConfig(lr, wd, momStart, momMiddle, momEnd, trainBn, wdBnBias, seed, smoothBeta, factory);
  }

  /** A copy with another weight decay. */
  public LearnerConfig withWd(double value) {
    return new LearnerConfig(lr, value, momStart, momMiddle, momEnd, trainBn, wdBnBias, seed, smoothBeta, optimizer);
  }

  /** A copy with another seed. */
  public LearnerConfig withSeed(long value) {
    return new LearnerConfig(lr, wd, momStart, momMiddle, momEnd, trainBn, wdBnBias, value, smoothBeta, optimizer);
  }

  /** A copy with another default learning rate. */
  public LearnerConfig withLr(double value) {
    return new LearnerConfig(value, wd, momStart, momMiddle, momEnd, trainBn, wdBnBias, seed, smoothBeta, optimizer);
  }

  /** A copy with other one-cycle momentums. */
  public LearnerConfig withMoms(double start, double middle, double end) {
    return new LearnerConfig(lr, wd, start, middle, end, trainBn, wdBnBias, seed, smoothBeta, optimizer);
  }

  /** A copy with {@code trainBn} and {@code wdBnBias} set. */
  public LearnerConfig withNormHandling(boolean trainBnValue, boolean wdBnBiasValue) {
    return new LearnerConfig(lr, wd, momStart, momMiddle, momEnd, trainBnValue, wdBnBiasValue, seed, smoothBeta,
        optimizer);
  }
}
