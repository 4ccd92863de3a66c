package io.sparkfast.common.train;

import io.sparkfast.common.train.schedule.OneCycle;
import java.util.Arrays;

/**
 * What a fit does, kept so that a checkpoint can resume it: the number of epochs and either constant
 * per-group learning rates or a one-cycle schedule.
 *
 * @param kind {@code constant} or {@code one_cycle}
 * @param nEpoch number of epochs
 * @param lrs per-group learning rates of a constant fit (peak rates for one-cycle)
 * @param oneCycle the schedule of a one-cycle fit, null for a constant fit
 */
public record FitPlan(String kind, int nEpoch, double[] lrs, OneCycle oneCycle) {

  /** Kind of a constant-rate fit. */
  public static final String CONSTANT = "constant";
  /** Kind of a one-cycle fit. */
  public static final String ONE_CYCLE = "one_cycle";
  /** Kind of an lr_find run (not resumable). */
  public static final String LR_FIND = "lr_find";

  /** Validates and copies. */
  public FitPlan {
    if (nEpoch < 1) {
      throw new IllegalArgumentException("A fit needs nEpoch >= 1; got " + nEpoch);
    }
    if (!CONSTANT.equals(kind) && !ONE_CYCLE.equals(kind) && !LR_FIND.equals(kind)) {
      throw new IllegalArgumentException("Unknown fit kind '" + kind + "'");
    }
    if (ONE_CYCLE.equals(kind) && oneCycle == null) {
      throw new IllegalArgumentException("A one_cycle fit needs its OneCycle schedule");
    }
    lrs = lrs.clone();
  }

  /** A constant-rate fit. */
  public static FitPlan constant(int nEpoch, double[] lrs) {
    return new FitPlan(CONSTANT, nEpoch, lrs, null);
  }

  /** A one-cycle fit. */
  public static FitPlan oneCycle(int nEpoch, OneCycle cycle) {
    return new FitPlan(ONE_CYCLE, nEpoch, cycle.lrMax(), cycle);
  }

  /** Per-group learning rates, copied. */
  @Override
  public double[] lrs() {
    return lrs.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FitPlan p && kind.equals(p.kind) && nEpoch == p.nEpoch && Arrays.equals(lrs, p.lrs)
        && java.util.Objects.equals(oneCycle, p.oneCycle);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + nEpoch * 7 + Arrays.hashCode(lrs);
  }

  @Override
  public String toString() {
    return "FitPlan[" + kind + ", nEpoch=" + nEpoch + ", lrs=" + Arrays.toString(lrs)
        + (oneCycle == null ? "" : ", " + oneCycle) + "]";
  }
}
