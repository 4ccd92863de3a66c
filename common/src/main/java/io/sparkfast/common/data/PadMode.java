package io.sparkfast.common.data;

/** How pixels outside the image are filled (fastai's {@code PadMode}, PyTorch grid_sample padding modes). */
public enum PadMode {
  /** Black (zero) pixels. */
  ZEROS,
  /** Repeat the edge pixels. */
  BORDER,
  /** Mirror the image at its edges. */
  REFLECTION
}
