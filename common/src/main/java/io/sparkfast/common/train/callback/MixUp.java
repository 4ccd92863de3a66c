package io.sparkfast.common.train.callback;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.loss.SampleLoss;
import java.util.Random;

/**
 * fastai's {@code MixUp} (https://arxiv.org/abs/1710.09412), training only. Before each training batch, per
 * sample {@code lam ~ Beta(alpha, alpha)}, {@code lam = max(lam, 1 - lam)}, a random permutation of the batch
 * gives the partner samples, and the inputs become {@code x = lerp(x_perm, x, lam) = x_perm + lam * (x -
 * x_perm)}. During training the loss is {@code mean(lerp(loss(pred, y_perm), loss(pred, y), lam))} over
 * per-sample losses, so the Learner's loss must implement {@link SampleLoss}. Randomness comes from
 * {@link Learner#random()}, reseeded per batch.
 */
public final class MixUp implements Callback {

  private final double alpha;
  private Loss original;
  private NDArray lam;
  private NDList ybPerm;
  private float[] lastLams;
  private long[] lastPerm;

  /** fastai's default, {@code alpha = 0.4}. */
  public MixUp() {
    this(0.4);
  }

  /**
   * Creates the callback.
   *
   * @param alpha both parameters of the Beta distribution of lambda, > 0
   */
  public MixUp(double alpha) {
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("MixUp alpha must be > 0; got " + alpha);
    }
    this.alpha = alpha;
  }

  /** {@inheritDoc} */
  @Override
  public boolean runValid() {
    return false;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeTrain(Learner learn) {
    Loss loss = learn.lossFunction();
    if (!(loss instanceof SampleLoss sample)) {
      throw new IllegalStateException(
          "MixUp needs a loss with per-sample values (SampleLoss: CrossEntropy, LabelSmoothingCrossEntropy); got "
              + loss.getClass().getName());
    }
    original = loss;
    learn.setLossFunction(new MixLoss(learn, original, sample));
  }

  /** {@inheritDoc} */
  @Override
  public void afterTrain(Learner learn) {
    if (original != null) {
      learn.setLossFunction(original);
      original = null;
    }
  }

  /** {@inheritDoc} */
  @Override
  public void afterCancelTrain(Learner learn) {
    afterTrain(learn);
  }

  /** {@inheritDoc} */
  @Override
  public void afterCancelFit(Learner learn) {
    afterTrain(learn);
  }

  /** {@inheritDoc} */
  @Override
  public void beforeBatch(Learner learn) {
    NDManager m = learn.batchManager();
    Random r = learn.random();
    int bs = (int) learn.batchSize();
    float[] lams = new float[bs];
    for (int i = 0; i < bs; i++) {
      double l = sampleBeta(r, alpha);
      lams[i] = (float) Math.max(l, 1 - l);
    }
    long[] perm = new long[bs];
    for (int i = 0; i < bs; i++) {
      perm[i] = i;
    }
    for (int i = bs - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      long t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    lastLams = lams;
    lastPerm = perm;
    NDArray permArr = m.create(perm);
    NDArray x = learn.xb().head();
    lam = m.create(lams).toType(x.getDataType(), false);
    long[] dims = new long[x.getShape().dimension()];
    java.util.Arrays.fill(dims, 1);
    dims[0] = bs;
    NDArray lamX = lam.reshape(new Shape(dims));
    NDArray xPerm = x.get(new NDIndex("{}", permArr));
    NDArray mixed = xPerm.add(x.sub(xPerm).mul(lamX));
    NDList newXb = new NDList(mixed);
    for (int i = 1; i < learn.xb().size(); i++) {
      newXb.add(learn.xb().get(i));
    }
    learn.setXb(newXb);
    NDList perm2 = new NDList();
    for (NDArray y : learn.yb()) {
      perm2.add(y.get(new NDIndex("{}", permArr)));
    }
    ybPerm = perm2;
  }

  /** {@inheritDoc} */
  @Override
  public void afterBatch(Learner learn) {
    lam = null;
    ybPerm = null;
  }

  /** The lambdas of the last batch (for tests). */
  float[] lastLambdas() {
    return lastLams.clone();
  }

  /** The partner permutation of the last batch (for tests). */
  long[] lastPermutation() {
    return lastPerm.clone();
  }

  /** A Beta(a, a) sample from two Gamma(a) samples. */
  static double sampleBeta(Random r, double a) {
    double x = sampleGamma(r, a);
    double y = sampleGamma(r, a);
    return x / (x + y);
  }

  /** Marsaglia and Tsang's Gamma(shape, 1) sampler, with the U^(1/a) boost for shape < 1. */
  static double sampleGamma(Random r, double shape) {
    if (shape < 1) {
      double u = r.nextDouble();
      return sampleGamma(r, shape + 1) * Math.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = r.nextGaussian();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = r.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /** The mixing loss used while training. */
  private final class MixLoss extends Loss {
    private final Learner learn;
    private final Loss base;
    private final SampleLoss sample;

    MixLoss(Learner learn, Loss base, SampleLoss sample) {
      super("MixUp(" + base.getName() + ")");
      this.learn = learn;
      this.base = base;
      this.sample = sample;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      if (!learn.isTraining() || lam == null) {
        return base.evaluate(labels, predictions);
      }
      NDArray l1 = sample.perSample(ybPerm, predictions);
      NDArray l2 = sample.perSample(labels, predictions);
      return l1.add(l2.sub(l1).mul(lam)).mean();
    }
  }
}
