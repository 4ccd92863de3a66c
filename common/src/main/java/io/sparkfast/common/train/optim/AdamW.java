package io.sparkfast.common.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay, exactly fastai's {@code Adam(decouple_wd=True)}: per step and parameter
 *
 * <pre>
 *   p        *= 1 - lr * wd                                   (when weight decay applies)
 *   grad_avg  = mom * grad_avg + (1 - mom) * g
 *   sqr_avg   = sqr_mom * sqr_avg + (1 - sqr_mom) * g^2
 *   step     += 1
 *   debias1   = (1 - mom) * (1 - mom^step) / (1 - mom)
 *   debias2   = (1 - sqr_mom) * (1 - sqr_mom^step) / (1 - sqr_mom)
 *   p        -= lr / debias1 * grad_avg / (sqrt(sqr_avg / debias2) + eps)
 * </pre>
 *
 * <p>with the current (scheduled) {@code mom}. fastai defaults: mom (beta1) 0.9, sqr_mom (beta2) 0.99,
 * eps 1e-5, wd 0.01.
 */
public final class AdamW extends GroupOptimizer {

  private AdamW(ParamGroups groups, Set<String> noWd, Map<String, Double> defaults, NDManager parent) {
    super(groups, noWd, defaults, parent);
  }

  /** A factory with fastai's defaults: betas (0.9, 0.99), eps 1e-5, wd 0.01, lr 1e-3. */
  public static OptimizerFactory factory() {
    return factory(0.9, 0.99, 1e-5, 0.01);
  }

  /**
   * A factory with explicit defaults.
   *
   * @param mom beta1, the momentum of the gradient average
   * @param sqrMom beta2, the momentum of the squared-gradient average
   * @param eps added to the denominator
   * @param wd decoupled weight decay
   */
  public static OptimizerFactory factory(double mom, double sqrMom, double eps, double wd) {
    if (!(mom >= 0 && mom < 1) || !(sqrMom >= 0 && sqrMom < 1)) {
      throw new IllegalArgumentException("AdamW betas must be in [0, 1); got mom=" + mom + ", sqrMom=" + sqrMom);
    }
    if (!(eps > 0) || !(wd >= 0)) {
      throw new IllegalArgumentException("AdamW needs eps > 0 and wd >= 0; got eps=" + eps + ", wd=" + wd);
    }
    return (groups, noWd, parent) -> {
      Map<String, Double> d = new LinkedHashMap<>();
      d.put(LR, 1e-3);
      d.put(MOM, mom);
      d.put(SQR_MOM, sqrMom);
      d.put(EPS, eps);
      d.put(WD, wd);
      return new AdamW(groups, noWd, d, parent);
    };
  }

  static double debias(double mom, double damp, int step) {
    return damp * (1 - Math.pow(mom, step)) / (1 - mom);
  }

  /** {@inheritDoc} */
  @Override
  protected void update(
      NDArray weight, NDArray grad, ParamState st, Map<String, Double> h, boolean doWd, NDManager tmp) {
    double lr = h.get(LR);
    double mom = h.get(MOM);
    double sqrMom = h.get(SQR_MOM);
    double eps = h.get(EPS);
    double wd = h.get(WD);
    NDArray gradAvg = buffer(st, "grad_avg", weight);
    NDArray sqrAvg = buffer(st, "sqr_avg", weight);
    int step = incrementStep(st);
    double debias1 = debias(mom, 1 - mom, step);
    double debias2 = debias(sqrMom, 1 - sqrMom, step);
    if (weight instanceof PtNDArray w && grad instanceof PtNDArray g && gradAvg instanceof PtNDArray m
        && sqrAvg instanceof PtNDArray v) {
      // the same update in one native call (libtorch's in-place ops behind DJL's adamUpdate), instead of about
      // fifteen calls through DJL per parameter: the optimizer step is a fixed cost per batch, which data-parallel
      // replicas pay on their share of the batch. With s = sqrt(debias2), the step above equals
      //   (lr * s / debias1) * grad_avg / (sqrt(sqr_avg) + eps * s)
      double s = Math.sqrt(debias2);
      JniUtils.adamUpdate(w, g, m, v, (float) lr, (float) (lr * s / debias1), doWd ? (float) wd : 0f, 1f, -1f,
          (float) mom, (float) sqrMom, (float) (eps * s), true);
      return;
    }
    if (doWd && wd != 0) {
      weight.muli(1 - lr * wd);
    }
    gradAvg.muli(mom).addi(tmp(grad.mul(1 - mom), tmp));
    sqrAvg.muli(sqrMom).addi(tmp(grad.square(), tmp).muli(1 - sqrMom));
    NDArray denom = tmp(tmp(sqrAvg.div(debias2), tmp).sqrt(), tmp).addi(eps);
    weight.subi(tmp(gradAvg.div(denom), tmp).muli(lr / debias1));
  }
}
