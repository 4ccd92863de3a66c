package io.sparkfast.common.data;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import io.sparkfast.common.train.PositionSeeded;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A labelled image dataset for DJL training and evaluation: each record is (image, label) where the image is
 * a normalized CHW float32 array from an {@link ImagePipeline} and the label is an int64 class index
 * (single-label) or a float32 multi-hot vector of length {@code vocab.size()} (multi-label). Batches stack
 * to (N, C, H, W) and (N) or (N, classes).
 *
 * <p>Training datasets ({@link Builder#optTraining}) augment each item with seed
 * {@code ImagePipeline.itemSeed(seed, index, position)} where {@code position} is the seed the Learner passes
 * ({@link PositionSeeded}) before fetching every batch: every epoch sees new augmentations, and they depend on
 * the batch's position only, not on how often this dataset instance was read or on a generator shared with other
 * threads, so a run resumed in a new process with a new dataset augments as the uninterrupted one did. Read
 * outside a Learner (never positioned), {@code position} counts how often the item was read from this instance.
 * Validation datasets are deterministic.
 *
 * <p>Images that cannot be decoded fail with an {@link ImageDecodeException} naming the file.
 */
public final class ImageDataset extends RandomAccessDataset implements PositionSeeded {

  private final List<ImageItem> items;
  private final Vocab vocab;
  private final ImagePipeline pipeline;
  private final boolean training;
  private final boolean multiLabel;
  private final long seed;
  private final AtomicLongArray passes;
  private volatile Long positionSeed;

  private ImageDataset(Builder b) {
    super(b);
    this.items = b.items;
    this.vocab = b.vocab;
    this.pipeline = b.pipeline;
    this.training = b.training;
    this.multiLabel = b.multiLabel;
    this.seed = b.seed;
    this.passes = new AtomicLongArray(items.size());
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** {@inheritDoc} */
  @Override
  public Record get(NDManager manager, long index) {
    ImageItem item = items.get(Math.toIntExact(index));
    Image image = item.source().decode();
    NDArray x;
    if (training) {
      Long position = positionSeed;
      long draw = position != null ? position : passes.getAndIncrement((int) index);
      x = pipeline.train(image, manager, ImagePipeline.itemSeed(seed, index, draw));
    } else {
      x = pipeline.valid(image, manager);
    }
    return new Record(new NDList(x), new NDList(label(item, manager)));
  }

  /** {@inheritDoc} */
  @Override
  public void seedPosition(long seed) {
    this.positionSeed = seed;
  }

  private NDArray label(ImageItem item, NDManager manager) {
    if (!multiLabel) {
      return manager.create((long) item.label());
    }
    float[] hot = new float[vocab.size()];
    for (int l : item.labels()) {
      hot[l] = 1f;
    }
    return manager.create(hot);
  }

  /** {@inheritDoc} */
  @Override
  protected long availableSize() {
    return items.size();
  }

  /** {@inheritDoc} */
  @Override
  public void prepare(Progress progress) {
    // items are listed up front; images are decoded lazily in get()
  }

  /** The items, in index order. */
  public List<ImageItem> items() {
    return items;
  }

  /** The class vocabulary. */
  public Vocab vocab() {
    return vocab;
  }

  /** The preprocessing pipeline. */
  public ImagePipeline pipeline() {
    return pipeline;
  }

  /** Whether this dataset augments (training) or not (validation). */
  public boolean isTraining() {
    return training;
  }

  /** Whether labels are multi-hot vectors. */
  public boolean isMultiLabel() {
    return multiLabel;
  }

  /**
   * Training and validation datasets of {@code splits} with one pipeline; both use {@code batchSize}, the
   * training one shuffles.
   *
   * @return [train, valid]
   */
  public static ImageDataset[] of(ImageSplits splits, ImagePipelineConfig config, int batchSize, long seed) {
    ImagePipeline p = new ImagePipeline(config);
    ImageDataset train = builder().setItems(splits.train()).setVocab(splits.vocab()).setPipeline(p)
        .optTraining(true).optMultiLabel(splits.multiLabel()).optSeed(seed).setSampling(batchSize, true).build();
    ImageDataset valid = builder().setItems(splits.valid()).setVocab(splits.vocab()).setPipeline(p)
        .optTraining(false).optMultiLabel(splits.multiLabel()).optSeed(seed).setSampling(batchSize, false).build();
    return new ImageDataset[] {train, valid};
  }

  /** Builder for {@link ImageDataset}; items, vocab, pipeline and sampling are required. */
  public static final class Builder extends BaseBuilder<Builder> {
    private List<ImageItem> items;
    private Vocab vocab;
    private ImagePipeline pipeline;
    private boolean training;
    private boolean multiLabel;
    private long seed = 42;

    private Builder() {}

    /** {@inheritDoc} */
    @Override
    protected Builder self() {
      return this;
    }

    /** Sets the items. */
    public Builder setItems(List<ImageItem> items) {
      this.items = List.copyOf(items);
      return this;
    }

    /** Sets the class vocabulary the item labels index into. */
    public Builder setVocab(Vocab vocab) {
      this.vocab = vocab;
      return this;
    }

    /** Sets the preprocessing pipeline. */
    public Builder setPipeline(ImagePipeline pipeline) {
      this.pipeline = pipeline;
      return this;
    }

    /** Whether to apply training augmentations (default false). */
    public Builder optTraining(boolean training) {
      this.training = training;
      return this;
    }

    /** Whether labels are multi-hot (default false). */
    public Builder optMultiLabel(boolean multiLabel) {
      this.multiLabel = multiLabel;
      return this;
    }

    /** Augmentation seed (default 42). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Builds the dataset, validating labels against the vocabulary. */
    public ImageDataset build() {
      if (items == null || vocab == null || pipeline == null) {
        throw new IllegalArgumentException("ImageDataset needs setItems, setVocab and setPipeline");
      }
      if (sampler == null) {
        throw new IllegalArgumentException("ImageDataset needs setSampling(batchSize, shuffle)");
      }
      for (ImageItem it : items) {
        if (!multiLabel && it.labels().size() != 1) {
          throw new IllegalArgumentException(
              "Item " + it.source().name() + " has " + it.labels().size()
                  + " labels; set optMultiLabel(true) for multi-label data");
        }
        for (int l : it.labels()) {
          if (l < 0 || l >= vocab.size()) {
            throw new IllegalArgumentException(
                "Item " + it.source().name() + " has label index " + l + " outside the vocabulary of "
                    + vocab.size() + " classes");
          }
        }
      }
      return new ImageDataset(this);
    }
  }
}
