package io.sparkfast.common.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * fastai's {@code LabelSmoothingCrossEntropy}: with {@code c} classes and {@code logp = log_softmax(x)},
 *
 * <pre>
 *   loss = eps / c * mean_i(-sum_k logp[i,k]) + (1 - eps) * nll(logp, y, weight)
 * </pre>
 *
 * <p>where {@code nll} is PyTorch's weighted mean negative log-likelihood (divided by the sum of the samples'
 * class weights). Per sample ({@code reduction='none'}) it is {@code eps/c * -sum_k logp[i,k] + (1-eps) * w[y_i]
 * * -logp[i, y_i]}.
 */
public final class LabelSmoothingCrossEntropy extends Loss implements SampleLoss {

  private final double eps;
  private final float[] classWeights;

  /** fastai's default, {@code eps = 0.1}, no class weights. */
  public LabelSmoothingCrossEntropy() {
    this(0.1, null);
  }

  /**
   * Label smoothing with {@code eps} and optional class weights.
   *
   * @param eps smoothing weight in [0, 1)
   * @param classWeights one weight per class for the nll part, or null
   */
  public LabelSmoothingCrossEntropy(double eps, float[] classWeights) {
    super("LabelSmoothingCrossEntropy");
    if (!(eps >= 0 && eps < 1)) {
      throw new IllegalArgumentException("Label smoothing eps must be in [0, 1); got " + eps);
    }
    this.eps = eps;
    this.classWeights = CrossEntropy.checkWeights(classWeights);
  }

  /** The smoothing weight. */
  public double eps() {
    return eps;
  }

  /** {@inheritDoc} */
  @Override
  public NDArray perSample(NDList labels, NDList predictions) {
    NDArray logits = predictions.head();
    CrossEntropy.checkLogits(logits);
    long c = logits.getShape().get(1);
    NDArray logp = logits.logSoftmax(1);
    NDArray oh = CrossEntropy.oneHot(labels.head(), logits);
    NDArray smooth = logp.sum(new int[] {1}).neg();
    NDArray nll = logp.mul(oh).sum(new int[] {1}).neg();
    NDArray w = CrossEntropy.sampleWeights(classWeights, oh);
    if (w != null) {
      nll = nll.mul(w);
    }
    return smooth.mul((float) (eps / c)).add(nll.mul((float) (1 - eps)));
  }

  /** {@inheritDoc} */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.head();
    CrossEntropy.checkLogits(logits);
    long c = logits.getShape().get(1);
    NDArray logp = logits.logSoftmax(1);
    NDArray oh = CrossEntropy.oneHot(labels.head(), logits);
    NDArray smooth = logp.sum(new int[] {1}).neg().mean();
    NDArray nll = logp.mul(oh).sum(new int[] {1}).neg();
    NDArray w = CrossEntropy.sampleWeights(classWeights, oh);
    NDArray nllMean = w == null ? nll.mean() : nll.mul(w).sum().div(w.sum());
    return smooth.mul((float) (eps / c)).add(nllMean.mul((float) (1 - eps)));
  }
}
