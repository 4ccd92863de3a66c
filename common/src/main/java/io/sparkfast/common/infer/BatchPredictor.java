package io.sparkfast.common.infer;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import io.sparkfast.common.data.ImageDecodeException;
import io.sparkfast.common.data.ImagePipeline;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.Vocab;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batched image classification with a trained model: decodes image sources, preprocesses them as the
 * validation set was ({@link ImagePipeline#valid}), runs the model {@code batchSize} images at a time and
 * returns top-k labels with probabilities per image. Images that cannot be decoded become
 * {@link Prediction#failure} results (the batch goes on); any model error is thrown.
 *
 * <p>Not thread-safe (one DJL {@link Predictor}); create one per task/thread and close it.
 */
public final class BatchPredictor implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(BatchPredictor.class);

  private final Vocab vocab;
  private final ImagePipeline pipeline;
  private final int batchSize;
  private final Predictor<NDList, NDList> tensorPredictor;
  private final Model model;
  private final boolean multiLabel;
  private OneDnn.Mode oneDnn = OneDnn.Mode.OFF;

  /** {@link OneDnn.Mode#AUTO} decisions per model (true: the layout runs and agrees), shared by a JVM's tasks. */
  private static final Map<Model, Boolean> ONE_DNN_DECISIONS = Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * A predictor over {@code model} (whose block outputs one logit per class of {@code vocab}).
   *
   * @param model a loaded or trained model; not closed by this predictor
   * @param vocab class vocabulary (model-output order)
   * @param pipeline the preprocessing the model was trained with
   * @param multiLabel sigmoid outputs instead of softmax
   * @param batchSize images per forward pass
   */
  public BatchPredictor(Model model, Vocab vocab, ImagePipelineConfig pipeline, boolean multiLabel, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1; got " + batchSize);
    }
    this.vocab = vocab;
    this.pipeline = new ImagePipeline(pipeline);
    this.batchSize = batchSize;
    this.tensorPredictor = model.newPredictor(new NoopTranslator(null));
    this.model = model;
    this.multiLabel = multiLabel;
  }

  /**
   * Runs the forward passes with oneDNN's blocked layout ({@link OneDnn}); {@link OneDnn.Mode#OFF} by default.
   * {@link OneDnn.Mode#AUTO}, for a TorchScript model, tries it on the first batch the model sees in this JVM,
   * alongside the dense pass, and keeps it for that model only if it runs and its logits match the dense ones within
   * {@link OneDnn#TOLERANCE}; otherwise it logs why and stays dense. AUTO leaves other models dense (the layout
   * measured slower for DJL block models); {@link OneDnn.Mode#ON} forces it. Ignored for models on a GPU.
   *
   * @return this predictor
   */
  public BatchPredictor oneDnn(OneDnn.Mode mode) {
    this.oneDnn = java.util.Objects.requireNonNull(mode, "mode");
    return this;
  }

  /** The class vocabulary. */
  public Vocab vocab() {
    return vocab;
  }

  /**
   * Predicts every source; undecodable images give error results in place.
   *
   * @param topK how many classes to report per image (capped at the number of classes)
   */
  public List<Prediction> predict(List<ImageSource> sources, int topK) {
    return run(sources, topK, null);
  }

  /** Like {@link #predict} with fastai's test-time augmentation. */
  public List<Prediction> predictTta(List<ImageSource> sources, int topK, TtaConfig tta) {
    return run(sources, topK, tta);
  }

  /**
   * Class probabilities [images][classes] of decoded images with the validation preprocessing, {@code batchSize}
   * images per forward pass, each batch preprocessed as one tensor ({@link ImagePipeline#validBatch}).
   */
  public float[][] probabilities(List<Image> images) {
    return batched(images, pipeline::validBatch);
  }

  /**
   * Class probabilities of {@code items}, {@code batchSize} per forward pass; {@code toBatch} turns a chunk of items
   * into the model's input tensor, allocated from the given manager.
   */
  private <T> float[][] batched(List<T> items, java.util.function.BiFunction<List<T>, NDManager, NDArray> toBatch) {
    float[][] out = new float[items.size()][];
    for (int start = 0; start < items.size(); start += batchSize) {
      List<T> chunk = items.subList(start, Math.min(items.size(), start + batchSize));
      float[] flat;
      int classes;
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDArray logits = logits(toBatch.apply(chunk, m), m);
        classes = (int) logits.getShape().get(1);
        flat = ClassifierTranslator.activate(logits, multiLabel).toFloatArray();
      } catch (TranslateException e) {
        throw new IllegalStateException("Model inference failed on a batch of " + chunk.size() + " images", e);
      }
      for (int j = 0; j < chunk.size(); j++) {
        out[start + j] = Arrays.copyOfRange(flat, j * classes, (j + 1) * classes);
      }
    }
    return out;
  }

  /** The model's logits for a preprocessed batch, attached to {@code m}; dense or oneDNN as {@link #oneDnn} says. */
  private NDArray logits(NDArray x, NDManager m) throws TranslateException {
    OneDnn.Mode mode = x.getDevice().isGpu() ? OneDnn.Mode.OFF : oneDnn;
    if (mode == OneDnn.Mode.AUTO && !(model.getBlock() instanceof ai.djl.nn.SymbolBlock)) {
      mode = OneDnn.Mode.OFF; // block models run operator by operator and measured slower in the layout (OneDnn)
    }
    Boolean decided = mode == OneDnn.Mode.AUTO ? ONE_DNN_DECISIONS.get(model) : Boolean.valueOf(mode == OneDnn.Mode.ON);
    if (Boolean.TRUE.equals(decided)) {
      return oneDnnLogits(x, m);
    }
    NDArray dense = tensorPredictor.predict(new NDList(x)).singletonOrThrow();
    dense.attach(m);
    if (decided == null) {
      NDArray fast = tryOneDnn(x, dense, m);
      ONE_DNN_DECISIONS.put(model, fast != null);
      if (fast != null) {
        return fast; // every batch of a model that takes the layout is the layout's result, the first one too
      }
    }
    return dense;
  }

  private NDArray oneDnnLogits(NDArray x, NDManager m) throws TranslateException {
    NDArray in = OneDnn.toOneDnn(x, m);
    NDArray out = tensorPredictor.predict(new NDList(in)).singletonOrThrow();
    out.attach(m);
    return OneDnn.toDense(out);
  }

  /** The AUTO trial: the oneDNN pass's logits if it runs and agrees with {@code dense}, else null. */
  private NDArray tryOneDnn(NDArray x, NDArray dense, NDManager m) {
    if (!OneDnn.available()) {
      logger.info("oneDNN layout unavailable ({}); inference stays dense", OneDnn.unavailableReason());
      return null;
    }
    try {
      NDArray fast = oneDnnLogits(x, m);
      double diff = OneDnn.relativeDifference(dense, fast);
      if (diff <= OneDnn.TOLERANCE) {
        logger.info("oneDNN layout on for this model (first batch: logits within {} of the dense ones)", diff);
        return fast;
      }
      logger.warn("oneDNN layout off for this model: its logits differ from the dense ones by {}", diff);
      return null;
    } catch (RuntimeException | TranslateException e) {
      logger.info("oneDNN layout off for this model: {}", OneDnn.reason(e));
      return null;
    }
  }

  /**
   * Test-time augmentation probabilities (fastai {@code Learner.tta}): {@code n} passes with the training
   * augmentations (pass {@code p} of image {@code i} seeded {@code itemSeed(seed, i, p)}), averaged and
   * blended with the plain prediction by {@link Tta#combine}. ({@link #predict(Decoded, int, TtaConfig)} seeds by
   * each image's pixels instead, so a prediction does not depend on the image's batch.)
   */
  public float[][] probabilitiesTta(List<Image> images, TtaConfig tta) {
    return probabilitiesTta(images, IntStream.range(0, images.size()).asLongStream().toArray(), tta);
  }

  /** {@link #probabilitiesTta(List, TtaConfig)} seeding image {@code i}'s passes with {@code keys[i]}. */
  private float[][] probabilitiesTta(List<Image> images, long[] keys, TtaConfig tta) {
    float[][] plain = probabilities(images);
    List<float[][]> passes = new ArrayList<>();
    for (int p = 0; p < tta.n(); p++) {
      final int pass = p;
      List<PreparedImage> in = IntStream.range(0, images.size())
          .mapToObj(i -> new PreparedImage(images.get(i), true, ImagePipeline.itemSeed(tta.seed(), keys[i], pass)))
          .toList();
      passes.add(forward(in));
    }
    return Tta.combine(passes, plain, tta);
  }

  /**
   * Decoded images of a batch, ready for {@link #predict(Decoded, int, TtaConfig)}; decoding is the CPU-heavy half of
   * scoring and may run on another thread (it does not touch the engine), overlapped with the previous batch's
   * inference.
   */
  public record Decoded(List<ImageSource> sources, List<Image> images, List<Integer> positions,
      Prediction[] failures) {}

  /** Decodes {@code sources}; undecodable ones become error results. Thread-safe; no engine calls. */
  public Decoded decode(List<ImageSource> sources) {
    Prediction[] out = new Prediction[sources.size()];
    List<Image> images = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    int failed = 0;
    for (int i = 0; i < sources.size(); i++) {
      ImageSource s = sources.get(i);
      try {
        images.add(s.decode());
        positions.add(i);
      } catch (ImageDecodeException e) {
        out[i] = Prediction.failure(s.name(), e.getMessage());
        failed++;
      }
    }
    if (failed > 0) {
      logger.warn("{} of {} images could not be decoded; returned as error results", failed, sources.size());
    }
    return new Decoded(sources, images, positions, out);
  }

  /** Predicts a decoded batch ({@code tta} null for plain predictions); results in the order of its sources. */
  public List<Prediction> predict(Decoded d, int topK, TtaConfig tta) {
    if (topK < 1) {
      throw new IllegalArgumentException("topK must be >= 1; got " + topK);
    }
    Prediction[] out = d.failures().clone();
    if (!d.images().isEmpty()) {
      // TTA seeds each image by its pixels, not its place in the batch: an image's prediction must not depend on
      // which images happen to share its batch (input format, partitioning, batch size, undecodable neighbours)
      float[][] probs = tta == null ? probabilities(d.images())
          : probabilitiesTta(d.images(), d.images().stream().mapToLong(BatchPredictor::contentKey).toArray(), tta);
      for (int k = 0; k < probs.length; k++) {
        int i = d.positions().get(k);
        out[i] = toPrediction(d.sources().get(i).name(), probs[k], topK);
      }
    }
    return List.of(out);
  }

  /** A hash of an image's size and pixels: the TTA seed key of {@link #predict(Decoded, int, TtaConfig)}. */
  static long contentKey(Image image) {
    int w = image.getWidth();
    int h = image.getHeight();
    long key = 0xcbf29ce484222325L ^ (((long) w << 32) | h);
    int[] pixels;
    if (image.getWrappedImage() instanceof java.awt.image.BufferedImage b) {
      pixels = b.getRGB(0, 0, w, h, null, 0, w);
    } else {
      try (NDManager m = NDManager.newBaseManager()) {
        pixels = image.toNDArray(m, Image.Flag.COLOR).toType(ai.djl.ndarray.types.DataType.INT32, false)
            .toIntArray();
      }
    }
    for (int p : pixels) {
      key = (key ^ p) * 0x100000001b3L;
    }
    return key;
  }

  private List<Prediction> run(List<ImageSource> sources, int topK, TtaConfig tta) {
    return predict(decode(sources), topK, tta);
  }

  /** Builds a prediction from class probabilities: the top {@code k} sorted descending (ties by index). */
  public Prediction toPrediction(String id, float[] probs, int k) {
    if (probs.length != vocab.size()) {
      throw new IllegalStateException("label-count mismatch: model produced " + probs.length
          + " outputs but the vocabulary has " + vocab.size() + " labels");
    }
    List<ClassProb> top = IntStream.range(0, probs.length)
        .boxed()
        .sorted(Comparator.<Integer>comparingDouble(j -> -probs[j]).thenComparingInt(j -> j))
        .limit(Math.min(k, probs.length))
        .map(j -> new ClassProb(vocab.get(j), j, probs[j]))
        .toList();
    return new Prediction(id, top, probs, null);
  }

  /** Probabilities of prepared (possibly augmented) images, {@code batchSize} per forward pass. */
  private float[][] forward(List<PreparedImage> in) {
    return batched(in, (chunk, m) -> {
      NDList items = new NDList(chunk.size());
      for (PreparedImage p : chunk) {
        items.add(p.augment() ? pipeline.train(p.image(), m, p.seed()) : pipeline.valid(p.image(), m));
      }
      return NDArrays.stack(items);
    });
  }

  /** Closes the underlying DJL predictor (not the model). */
  @Override
  public void close() {
    tensorPredictor.close();
  }
}
