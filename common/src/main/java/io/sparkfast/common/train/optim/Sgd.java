package io.sparkfast.common.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * SGD, optionally with momentum, exactly fastai's {@code SGD(decouple_wd=True)}: per step and parameter
 *
 * <pre>
 *   p        *= 1 - lr * wd                    (when weight decay applies)
 *   grad_avg  = mom * grad_avg + g             (with momentum; no dampening)
 *   p        -= lr * grad_avg                  (with momentum), or p -= lr * g (without)
 * </pre>
 *
 * <p>As in fastai, whether momentum is used is fixed when the optimizer is created ({@code mom != 0}); a
 * scheduled {@link #MOM} then changes its value.
 */
public final class Sgd extends GroupOptimizer {

  private final boolean momentum;

  private Sgd(
      ParamGroups groups, Set<String> noWd, Map<String, Double> defaults, boolean momentum, NDManager parent) {
    super(groups, noWd, defaults, parent);
    this.momentum = momentum;
  }

  /** Plain SGD: no momentum, no weight decay. */
  public static OptimizerFactory factory() {
    return factory(0, 0);
  }

  /**
   * A factory.
   *
   * @param mom momentum; 0 disables the momentum buffer
   * @param wd decoupled weight decay
   */
  public static OptimizerFactory factory(double mom, double wd) {
    if (!(mom >= 0 && mom < 1) || !(wd >= 0)) {
      throw new IllegalArgumentException("SGD needs mom in [0, 1) and wd >= 0; got mom=" + mom + ", wd=" + wd);
    }
    return (groups, noWd, parent) -> {
      Map<String, Double> d = new LinkedHashMap<>();
      d.put(LR, 1e-3);
      d.put(MOM, mom);
      d.put(WD, wd);
      return new Sgd(groups, noWd, d, mom != 0, parent);
    };
  }

  /** Whether this optimizer keeps a momentum buffer. */
  public boolean hasMomentum() {
    return momentum;
  }

  /** {@inheritDoc} */
  @Override
  protected void update(
      NDArray weight, NDArray grad, ParamState st, Map<String, Double> h, boolean doWd, NDManager tmp) {
    double lr = h.get(LR);
    double wd = h.get(WD);
    if (doWd && wd != 0) {
      weight.muli(1 - lr * wd);
    }
    incrementStep(st);
    if (momentum) {
      NDArray gradAvg = buffer(st, "grad_avg", weight);
      gradAvg.muli(h.get(MOM)).addi(grad);
      weight.subi(tmp(gradAvg.mul(lr), tmp));
    } else {
      weight.subi(tmp(grad.mul(lr), tmp));
    }
  }
}
