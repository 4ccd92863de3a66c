package io.sparkfast.common.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * Everything that turns a decoded image into a model input, fastai's presizing: an item transform to a
 * square working size {@code presize} ({@link ItemCrop}), then (training only) augmentations and a resample
 * to the final square {@code size}, then normalization to CHW float32.
 *
 * <p>fastai's recipe for photos is {@code presize} about twice {@code size} (460 for 224) so that rotation
 * and zoom sample from real pixels instead of padding. For tiny inputs such as 28x28 digits use
 * {@code presize == size}.
 *
 * @param size final square input size of the model
 * @param presize square working size of the item transform ({@code >= size})
 * @param itemCrop item transform
 * @param resizeMethod how {@link ItemCrop#RESIZE} fits the image
 * @param resizePadMode padding for {@link ResizeMethod#PAD} (fastai's Resize default: reflection)
 * @param rrcMinScale minimum area fraction for {@link ItemCrop#RANDOM_RESIZED_CROP} (torchvision/fastai: 0.08)
 * @param aug training augmentations
 * @param norm normalization statistics, one per channel
 * @param channels input channels of the model: 3 (RGB; grayscale is replicated) or 1
 */
public record ImagePipelineConfig(
    int size,
    int presize,
    ItemCrop itemCrop,
    ResizeMethod resizeMethod,
    PadMode resizePadMode,
    double rrcMinScale,
    AugConfig aug,
    NormStats norm,
    int channels)
    implements Serializable {

  public ImagePipelineConfig {
    if (size < 1) {
      throw new IllegalArgumentException("ImagePipelineConfig.size must be >= 1; got " + size);
    }
    if (presize < size) {
      throw new IllegalArgumentException(
          "ImagePipelineConfig.presize (" + presize + ") must be >= size (" + size + ")");
    }
    Objects.requireNonNull(itemCrop, "itemCrop");
    Objects.requireNonNull(resizeMethod, "resizeMethod");
    Objects.requireNonNull(resizePadMode, "resizePadMode");
    Objects.requireNonNull(aug, "aug");
    Objects.requireNonNull(norm, "norm");
    if (!(rrcMinScale > 0 && rrcMinScale <= 1)) {
      throw new IllegalArgumentException("rrcMinScale must be in (0, 1]; got " + rrcMinScale);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3; got " + channels);
    }
    if (norm.channels() != channels) {
      throw new IllegalArgumentException(
          "Normalization stats have " + norm.channels() + " channels but the pipeline has " + channels
              + "; pass norm.forChannels(" + channels + ")");
    }
  }

  /**
   * Defaults for {@code size}: no presizing ({@code presize == size}), centre/random crop resize, fastai's
   * default augmentations, ImageNet statistics, RGB.
   */
  public static ImagePipelineConfig defaults(int size) {
    return new ImagePipelineConfig(size, size, ItemCrop.RESIZE, ResizeMethod.CROP, PadMode.REFLECTION, 0.08,
        AugConfig.defaults(), NormStats.imagenet(), 3);
  }

  /** A copy with another presize. */
  public ImagePipelineConfig withPresize(int p) {
    return new ImagePipelineConfig(size, p, itemCrop, resizeMethod, resizePadMode, rrcMinScale, aug, norm, channels);
  }

  /** A copy with another item transform. */
  public ImagePipelineConfig withItemCrop(ItemCrop c) {
    return new ImagePipelineConfig(size, presize, c, resizeMethod, resizePadMode, rrcMinScale, aug, norm, channels);
  }

  /** A copy with another resize method. */
  public ImagePipelineConfig withResizeMethod(ResizeMethod m) {
    return new ImagePipelineConfig(size, presize, itemCrop, m, resizePadMode, rrcMinScale, aug, norm, channels);
  }

  /** A copy with other augmentations. */
  public ImagePipelineConfig withAug(AugConfig a) {
    return new ImagePipelineConfig(size, presize, itemCrop, resizeMethod, resizePadMode, rrcMinScale, a, norm, channels);
  }

  /** A copy with other normalization statistics. */
  public ImagePipelineConfig withNorm(NormStats n) {
    return new ImagePipelineConfig(size, presize, itemCrop, resizeMethod, resizePadMode, rrcMinScale, aug, n, channels);
  }

  /** A copy with another channel count; the normalization stats are adapted ({@link NormStats#forChannels}). */
  public ImagePipelineConfig withChannels(int c) {
    return new ImagePipelineConfig(size, presize, itemCrop, resizeMethod, resizePadMode, rrcMinScale, aug,
        norm.forChannels(c), c);
  }
}
