package io.sparkfast.common.interpret;

import io.sparkfast.common.data.ImageItem;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.infer.Prediction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * fastai's {@code ClassificationInterpretation} for single-label classifiers: per-item predicted
 * probabilities, targets and losses on a validation set, with top losses, the confusion matrix and the most
 * confused pairs. As fastai computes the losses with the learner's loss function, a model trained with label
 * smoothing ({@code eps > 0}) gets fastai's {@code LabelSmoothingCrossEntropy} per item,
 * {@code eps / c * -sum_k log p_k + (1 - eps) * -log p_y}, and otherwise the cross-entropy {@code -log p_y}.
 */
public final class ClassificationInterpretation {

  private final Vocab vocab;
  private final List<ImageSource> sources;
  private final float[][] probs;
  private final int[] targets;
  private final int[] predicted;
  private final float[] losses;

  private ClassificationInterpretation(Vocab vocab, List<ImageSource> sources, float[][] probs, int[] targets,
      double labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("Label smoothing eps must be in [0, 1); got " + labelSmoothing);
    }
    if (probs.length != targets.length || sources.size() != targets.length) {
      throw new IllegalArgumentException("Interpretation needs one probability row, target and source per item; got "
          + probs.length + " rows, " + targets.length + " targets, " + sources.size() + " sources");
    }
    this.vocab = vocab;
    this.sources = List.copyOf(sources);
    this.probs = new float[probs.length][];
    this.targets = targets.clone();
    this.predicted = new int[targets.length];
    this.losses = new float[targets.length];
    for (int i = 0; i < probs.length; i++) {
      if (probs[i].length != vocab.size()) {
        throw new IllegalArgumentException("label-count mismatch: item " + i + " has " + probs[i].length
            + " probabilities but the vocabulary has " + vocab.size() + " labels");
      }
      if (targets[i] < 0 || targets[i] >= vocab.size()) {
        throw new IllegalArgumentException("Target " + targets[i] + " of item " + i + " is outside the vocabulary");
      }
      this.probs[i] = probs[i].clone();
      int best = 0;
      for (int c = 1; c < probs[i].length; c++) {
        if (probs[i][c] > probs[i][best]) {
          best = c;
        }
      }
      predicted[i] = best;
      losses[i] = (float) loss(probs[i], targets[i], labelSmoothing);
    }
  }

  private static double loss(float[] p, int target, double eps) {
    double nll = -Math.log(Math.max(p[target], Float.MIN_VALUE));
    if (eps == 0) {
      return nll;
    }
    double smooth = 0;
    for (float pk : p) {
      smooth -= Math.log(Math.max(pk, Float.MIN_VALUE));
    }
    return eps / p.length * smooth + (1 - eps) * nll;
  }

  /**
   * From already computed probabilities, with cross-entropy losses.
   *
   * @param sources the validation items' images (for names and thumbnails)
   * @param probs [items][classes] softmax probabilities
   * @param targets true class per item
   */
  public static ClassificationInterpretation of(Vocab vocab, List<ImageSource> sources, float[][] probs,
      int[] targets) {
    return of(vocab, sources, probs, targets, 0);
  }

  /**
   * From already computed probabilities, with the losses of a model trained with label smoothing {@code eps} (0:
   * cross-entropy).
   */
  public static ClassificationInterpretation of(Vocab vocab, List<ImageSource> sources, float[][] probs,
      int[] targets, double labelSmoothing) {
    return new ClassificationInterpretation(vocab, sources, probs, targets, labelSmoothing);
  }

  /**
   * Runs {@code predictor} over labelled validation items.
   *
   * @throws IllegalArgumentException when an item cannot be decoded (validation data must be clean)
   */
  public static ClassificationInterpretation fromPredictor(BatchPredictor predictor, List<ImageItem> valid) {
    return fromPredictor(predictor, valid, 0);
  }

  /**
   * Runs {@code predictor} over labelled validation items; the losses are those of a model trained with label
   * smoothing {@code labelSmoothing} (0: cross-entropy), as fastai computes them with the learner's loss.
   *
   * @throws IllegalArgumentException when an item cannot be decoded (validation data must be clean)
   */
  public static ClassificationInterpretation fromPredictor(BatchPredictor predictor, List<ImageItem> valid,
      double labelSmoothing) {
    List<ImageSource> sources = valid.stream().map(ImageItem::source).toList();
    List<Prediction> preds = predictor.predict(sources, 1);
    float[][] probs = new float[preds.size()][];
    int[] targets = new int[preds.size()];
    for (int i = 0; i < preds.size(); i++) {
      Prediction p = preds.get(i);
      if (!p.ok()) {
        throw new IllegalArgumentException("Validation item " + p.id() + " failed: " + p.error());
      }
      probs[i] = p.probabilities();
      targets[i] = valid.get(i).label();
    }
    return of(predictor.vocab(), sources, probs, targets, labelSmoothing);
  }

  /** The class vocabulary. */
  public Vocab vocab() {
    return vocab;
  }

  /** Number of items. */
  public int size() {
    return targets.length;
  }

  /** Per-item losses (cross-entropy, or label-smoothing cross-entropy when built with {@code eps > 0}). */
  public float[] losses() {
    return losses.clone();
  }

  /** Per-item predicted class. */
  public int[] predicted() {
    return predicted.clone();
  }

  /** Fraction of items predicted correctly. */
  public double accuracy() {
    long ok = IntStream.range(0, targets.length).filter(i -> predicted[i] == targets[i]).count();
    return targets.length == 0 ? Double.NaN : (double) ok / targets.length;
  }

  /** The image source of item {@code i}. */
  public ImageSource source(int i) {
    return sources.get(i);
  }

  /** The {@code k} highest-loss items, highest first (ties by position). */
  public List<TopLoss> topLosses(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1; got " + k);
    }
    return IntStream.range(0, targets.length).boxed()
        .sorted(Comparator.<Integer>comparingDouble(i -> -losses[i]).thenComparingInt(i -> i))
        .limit(k)
        .map(i -> new TopLoss(i, sources.get(i).name(), vocab.get(predicted[i]), vocab.get(targets[i]), losses[i],
            probs[i][predicted[i]]))
        .toList();
  }

  /** Counts {@code cm[actual][predicted]}. */
  public long[][] confusionMatrix() {
    long[][] cm = new long[vocab.size()][vocab.size()];
    for (int i = 0; i < targets.length; i++) {
      cm[targets[i]][predicted[i]]++;
    }
    return cm;
  }

  /**
   * fastai's {@code most_confused(min_val)}: off-diagonal cells with at least {@code minVal} items as
   * (actual, predicted, count), by count descending; ties keep row-major (actual, then predicted) order.
   */
  public List<Confusion> mostConfused(int minVal) {
    long[][] cm = confusionMatrix();
    List<Confusion> out = new ArrayList<>();
    for (int a = 0; a < cm.length; a++) {
      for (int p = 0; p < cm.length; p++) {
        long v = a == p ? 0 : cm[a][p];
        if (v >= minVal) {
          out.add(new Confusion(vocab.get(a), vocab.get(p), v));
        }
      }
    }
    out.sort(Comparator.comparingLong(Confusion::count).reversed()); // stable
    return out;
  }

  /**
   * Writes the confusion matrix as CSV: header {@code actual\predicted,<labels...>}, then one row per actual
   * class. Labels containing commas or quotes are quoted.
   */
  public void writeConfusionCsv(Path file) {
    long[][] cm = confusionMatrix();
    StringBuilder sb = new StringBuilder("actual\\predicted");
    for (String l : vocab.labels()) {
      sb.append(',').append(csv(l));
    }
    sb.append('\n');
    for (int a = 0; a < cm.length; a++) {
      sb.append(csv(vocab.get(a)));
      for (long v : cm[a]) {
        sb.append(',').append(v);
      }
      sb.append('\n');
    }
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write confusion matrix CSV " + file, e);
    }
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
