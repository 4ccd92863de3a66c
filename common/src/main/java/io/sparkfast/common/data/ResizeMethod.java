package io.sparkfast.common.data;

/** How {@link ImageOps#resize} fits an image into a square of the target size (fastai's {@code ResizeMethod}). */
public enum ResizeMethod {
  /** Crop the largest region with the target's aspect ratio (centre for validation, random for training). */
  CROP,
  /** Pad the image to the target's aspect ratio (padding per {@link PadMode}), keeping all of it. */
  PAD,
  /** Stretch the whole image to the target size, ignoring the aspect ratio. */
  SQUISH
}
