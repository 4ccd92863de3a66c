package io.sparkfast.common.data;

import java.util.List;
import java.util.Objects;

/**
 * One labelled image: its source and its class indices into the dataset's {@link Vocab} (exactly one for
 * single-label data, zero or more for multi-label data).
 */
public record ImageItem(ImageSource source, List<Integer> labels) {
  public ImageItem {
    Objects.requireNonNull(source, "source");
    labels = List.copyOf(labels);
  }

  /** A single-label item. */
  public static ImageItem of(ImageSource source, int label) {
    return new ImageItem(source, List.of(label));
  }

  /** The single label of a single-label item. */
  public int label() {
    if (labels.size() != 1) {
      throw new IllegalStateException(
          "Item " + source.name() + " has " + labels.size() + " labels; label() is for single-label data");
    }
    return labels.get(0);
  }
}
