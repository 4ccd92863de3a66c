package io.sparkfast.common.data;

import java.io.Serializable;

/**
 * Training augmentations, fastai's {@code aug_transforms}: a random horizontal flip, rotation and zoom
 * composed into one affine transform (applied with probability {@code pAffine} each, sampled once with
 * bilinear interpolation), then brightness and contrast changes in logit space (probability
 * {@code pLighting} each), optionally preceded by a square random resized crop of at least {@code minScale}
 * of the area. Perspective warp ({@code max_warp}) is not implemented.
 *
 * @param doFlip random horizontal flip with probability 0.5
 * @param maxRotate maximum rotation in degrees (fastai: 10)
 * @param minZoom minimum zoom factor (fastai: 1.0)
 * @param maxZoom maximum zoom factor (fastai: 1.1)
 * @param maxLighting maximum brightness/contrast change (fastai: 0.2)
 * @param pAffine probability of each of rotation and zoom (fastai: 0.75)
 * @param pLighting probability of each of brightness and contrast (fastai: 0.75)
 * @param minScale minimum area fraction of the square random crop; 1 disables it (fastai: 1.0)
 * @param padMode how the affine transform fills pixels from outside the image (fastai: reflection)
 */
public record AugConfig(
    boolean doFlip,
    double maxRotate,
    double minZoom,
    double maxZoom,
    double maxLighting,
    double pAffine,
    double pLighting,
    double minScale,
    PadMode padMode)
    implements Serializable {

  public AugConfig {
    check(maxRotate >= 0 && maxRotate <= 180, "maxRotate", maxRotate, "[0, 180]");
    check(minZoom > 0 && minZoom <= maxZoom, "minZoom", minZoom, "(0, maxZoom]");
    check(maxLighting >= 0 && maxLighting < 1, "maxLighting", maxLighting, "[0, 1)");
    check(pAffine >= 0 && pAffine <= 1, "pAffine", pAffine, "[0, 1]");
    check(pLighting >= 0 && pLighting <= 1, "pLighting", pLighting, "[0, 1]");
    check(minScale > 0 && minScale <= 1, "minScale", minScale, "(0, 1]");
    if (padMode == null) {
      throw new IllegalArgumentException("padMode must be set (ZEROS, BORDER or REFLECTION)");
    }
  }

  private static void check(boolean ok, String name, double value, String range) {
    if (!ok) {
      throw new IllegalArgumentException("AugConfig." + name + " must be in " + range + "; got " + value);
    }
  }

  /** fastai's {@code aug_transforms()} defaults (without warp). */
  public static AugConfig defaults() {
    return new AugConfig(true, 10, 1.0, 1.1, 0.2, 0.75, 0.75, 1.0, PadMode.REFLECTION);
  }

  /** No augmentation at all (training then only differs from validation by the random item crop). */
  public static AugConfig none() {
    return new AugConfig(false, 0, 1.0, 1.0, 0, 0, 0, 1.0, PadMode.REFLECTION);
  }

  /** A copy with a different square random-crop minimum scale (fastai's {@code aug_transforms(min_scale=...)}). */
  public AugConfig withMinScale(double s) {
    return new AugConfig(doFlip, maxRotate, minZoom, maxZoom, maxLighting, pAffine, pLighting, s, padMode);
  }

  /** A copy with flips on or off (off for digits and text). */
  public AugConfig withFlip(boolean flip) {
    return new AugConfig(flip, maxRotate, minZoom, maxZoom, maxLighting, pAffine, pLighting, minScale, padMode);
  }

  /** Whether any affine transform can happen. */
  public boolean hasAffine() {
    return doFlip || (pAffine > 0 && (maxRotate > 0 || maxZoom > 1 || minZoom < 1));
  }

  /** Whether any lighting change can happen. */
  public boolean hasLighting() {
    return pLighting > 0 && maxLighting > 0;
  }
}
