package io.sparkfast.common.infer;

import java.util.List;

/**
 * The arithmetic of fastai's {@code Learner.tta} on probabilities (activations after softmax/sigmoid, which
 * is what {@code get_preds} returns): {@code aug = mean(aug_preds)} (or max), then
 * {@code torch.lerp(aug, preds, beta)} or, with {@code use_max}, {@code max(preds, aug)}.
 */
public final class Tta {
  private Tta() {}

  /**
   * Combines augmented passes with the plain prediction.
   *
   * @param augmented one [items][classes] array per augmented pass
   * @param plain [items][classes] probabilities with the validation transforms
   */
  public static float[][] combine(List<float[][]> augmented, float[][] plain, TtaConfig config) {
    if (augmented.isEmpty()) {
      throw new IllegalArgumentException("TTA needs at least one augmented pass");
    }
    float[][] aug = config.useMax() ? max(augmented) : mean(augmented);
    if (config.useMax()) {
      return max(List.of(plain, aug));
    }
    return lerp(aug, plain, config.beta());
  }

  /** Element-wise mean of same-shaped arrays. */
  public static float[][] mean(List<float[][]> arrays) {
    float[][] first = arrays.get(0);
    float[][] out = new float[first.length][];
    for (int i = 0; i < first.length; i++) {
      out[i] = new float[first[i].length];
      for (float[][] a : arrays) {
        checkShape(a, first, i);
        for (int j = 0; j < out[i].length; j++) {
          out[i][j] += a[i][j];
        }
      }
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] /= arrays.size();
      }
    }
    return out;
  }

  /** Element-wise maximum of same-shaped arrays. */
  public static float[][] max(List<float[][]> arrays) {
    float[][] first = arrays.get(0);
    float[][] out = new float[first.length][];
    for (int i = 0; i < first.length; i++) {
      out[i] = first[i].clone();
      for (float[][] a : arrays) {
        checkShape(a, first, i);
        for (int j = 0; j < out[i].length; j++) {
          out[i][j] = Math.max(out[i][j], a[i][j]);
        }
      }
    }
    return out;
  }

  /** {@code torch.lerp(start, end, weight) = start + weight * (end - start)}, element-wise. */
  public static float[][] lerp(float[][] start, float[][] end, double weight) {
    float[][] out = new float[start.length][];
    for (int i = 0; i < start.length; i++) {
      checkShape(end, start, i);
      out[i] = new float[start[i].length];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = (float) (start[i][j] + weight * (end[i][j] - start[i][j]));
      }
    }
    return out;
  }

  private static void checkShape(float[][] a, float[][] ref, int row) {
    if (a.length != ref.length || a[row].length != ref[row].length) {
      throw new IllegalArgumentException("TTA predictions differ in shape: " + a.length + "x" + a[row].length
          + " vs " + ref.length + "x" + ref[row].length);
    }
  }
}
