package io.sparkfast.common.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy on logits with integer class labels and optional class weights, PyTorch's
 * {@code F.cross_entropy}: per sample {@code -w[y] * log_softmax(x)[y]}; the mean divides by the sum of the
 * samples' weights {@code sum(w[y_i])} (the plain mean without weights).
 */
public final class CrossEntropy extends Loss implements SampleLoss {

  private final float[] classWeights;

  /** Unweighted cross-entropy. */
  public CrossEntropy() {
    this(null);
  }

  /**
   * Cross-entropy with class weights.
   *
   * @param classWeights one non-negative weight per class, or null for none
   */
  public CrossEntropy(float[] classWeights) {
    super("CrossEntropy");
    this.classWeights = checkWeights(classWeights);
  }

  static float[] checkWeights(float[] w) {
    if (w == null) {
      return null;
    }
    for (float v : w) {
      if (!(v >= 0) || Float.isInfinite(v)) {
        throw new IllegalArgumentException("Class weights must be finite and >= 0; got " + java.util.Arrays.toString(w));
      }
    }
    return w.clone();
  }

  /** One-hot labels (batch, classes) as float, checked against the number of classes. */
  static NDArray oneHot(NDArray labels, NDArray logits) {
    long classes = logits.getShape().get(1);
    NDArray idx = labels.toType(DataType.INT64, false).reshape(-1);
    if (idx.size() != logits.getShape().get(0)) {
      throw new IllegalArgumentException(
          "Got " + idx.size() + " labels for " + logits.getShape().get(0) + " predictions");
    }
    return idx.oneHot((int) classes).toType(logits.getDataType(), false);
  }

  /** Per-sample weights {@code w[y_i]}, or null without class weights. */
  static NDArray sampleWeights(float[] classWeights, NDArray oneHot) {
    if (classWeights == null) {
      return null;
    }
    if (classWeights.length != oneHot.getShape().get(1)) {
      throw new IllegalArgumentException(
          "Got " + classWeights.length + " class weights for " + oneHot.getShape().get(1) + " classes");
    }
    NDArray w = oneHot.getManager().create(classWeights).toType(oneHot.getDataType(), false);
    return oneHot.mul(w).sum(new int[] {1});
  }

  static void checkLogits(NDArray logits) {
    if (logits.getShape().dimension() != 2) {
      throw new IllegalArgumentException("Expected logits of shape (batch, classes); got " + logits.getShape());
    }
  }

  /** {@inheritDoc} */
  @Override
  public NDArray perSample(NDList labels, NDList predictions) {
    NDArray logits = predictions.head();
    checkLogits(logits);
    NDArray oh = oneHot(labels.head(), logits);
    NDArray nll = logits.logSoftmax(1).mul(oh).sum(new int[] {1}).neg();
    NDArray w = sampleWeights(classWeights, oh);
    return w == null ? nll : nll.mul(w);
  }

  /** {@inheritDoc} */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.head();
    checkLogits(logits);
    NDArray oh = oneHot(labels.head(), logits);
    NDArray nll = logits.logSoftmax(1).mul(oh).sum(new int[] {1}).neg();
    NDArray w = sampleWeights(classWeights, oh);
    return w == null ? nll.mean() : nll.mul(w).sum().div(w.sum());
  }
}
