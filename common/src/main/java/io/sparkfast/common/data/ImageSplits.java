package io.sparkfast.common.data;

import java.util.List;
import java.util.Objects;

/**
 * Training and validation items of a labelled image collection with its class vocabulary, as produced by
 * {@link ImageFolders}.
 *
 * @param vocab the sorted class vocabulary, shared by both splits
 * @param train training items
 * @param valid validation items (may be empty only when {@code valid_pct} is 0)
 * @param multiLabel whether items may carry several labels (CSV with a label delimiter)
 */
public record ImageSplits(Vocab vocab, List<ImageItem> train, List<ImageItem> valid, boolean multiLabel) {
  public ImageSplits {
    Objects.requireNonNull(vocab, "vocab");
    train = List.copyOf(train);
    valid = List.copyOf(valid);
  }
}
