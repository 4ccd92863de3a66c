package io.sparkfast.common.infer;

import ai.djl.modality.cv.Image;
import java.util.Objects;

/**
 * A decoded image and how to preprocess it: validation transforms, or training augmentations with a seed
 * (for test-time augmentation).
 *
 * @param image the decoded image
 * @param augment apply the training augmentations
 * @param seed augmentation seed (ignored unless {@code augment})
 */
public record PreparedImage(Image image, boolean augment, long seed) {
  public PreparedImage {
    Objects.requireNonNull(image, "image");
  }

  /** Validation preprocessing. */
  public static PreparedImage plain(Image image) {
    return new PreparedImage(image, false, 0);
  }
}
