package io.sparkfast.common.data;

/** The item-level transform that brings each decoded image to the working (presize) size. */
public enum ItemCrop {
  /** fastai {@code Resize(presize, method)}: random crop position in training, centre in validation. */
  RESIZE,
  /**
   * fastai/torchvision {@code RandomResizedCrop(presize, min_scale)} in training; in validation the whole
   * image is squished to {@code presize + extra} and centre-cropped, as fastai does ({@code val_xtra=0.14}).
   */
  RANDOM_RESIZED_CROP
}
