package io.sparkfast.common.infer;

import java.io.Serializable;

/**
 * fastai's {@code Learner.tta} settings: {@code n} passes with the training augmentations, averaged (or the
 * element-wise maximum when {@code useMax}), then combined with the plain (validation-transform) prediction.
 *
 * @param n augmented passes (fastai: 4)
 * @param beta weight of the plain prediction: {@code lerp(aug, plain, beta) = (1 - beta) * aug + beta * plain}
 *     (fastai: 0.25); ignored when {@code useMax}
 * @param useMax take the maximum over the augmented passes and the plain prediction instead
 * @param seed augmentation seed (pass {@code i} of image {@code j} uses {@code itemSeed(seed, j, i)})
 */
public record TtaConfig(int n, double beta, boolean useMax, long seed) implements Serializable {
  public TtaConfig {
    if (n < 1) {
      throw new IllegalArgumentException("TtaConfig.n must be >= 1; got " + n);
    }
    if (!(beta >= 0 && beta <= 1)) {
      throw new IllegalArgumentException("TtaConfig.beta must be in [0, 1]; got " + beta);
    }
  }

  /** fastai's defaults: n=4, beta=0.25, averaging. */
  public static TtaConfig defaults(long seed) {
    return new TtaConfig(4, 0.25, false, seed);
  }
}
