package io.sparkfast.common.train.schedule;

import java.util.Arrays;

/**
 * A hyper-parameter value as a function of training progress {@code pos} in [0, 1], fastai's annealers.
 *
 * <p>The factories reproduce fastai's formulas: {@code sched_lin}, {@code sched_cos}, {@code sched_no},
 * {@code sched_exp}, {@code SchedPoly}, {@code combine_scheds} and {@code combined_cos}. fastai evaluates
 * {@code combine_scheds} positions in float32 tensors; these use doubles, which differ by less than 1e-6
 * relative.
 */
@FunctionalInterface
public interface Schedule {

  /** The value at progress {@code pos} (0 = start of the schedule, 1 = end). */
  double at(double pos);

  /** Linear from {@code start} to {@code end}: {@code start + pos * (end - start)}. */
  static Schedule lin(double start, double end) {
    return pos -> start + pos * (end - start);
  }

  /** Cosine from {@code start} to {@code end}: {@code start + (1 + cos(pi * (1 - pos))) * (end - start) / 2}. */
  static Schedule cos(double start, double end) {
    return pos -> start + (1 + Math.cos(Math.PI * (1 - pos))) * (end - start) / 2;
  }

  /** Constant {@code start}. */
  static Schedule no(double start) {
    return pos -> start;
  }

  /** Exponential from {@code start} to {@code end}: {@code start * (end / start) ^ pos}. */
  static Schedule exp(double start, double end) {
    if (start <= 0 || end <= 0) {
      throw new IllegalArgumentException(
          "Exponential schedule needs positive start and end; got start=" + start + ", end=" + end);
    }
    return pos -> start * Math.pow(end / start, pos);
  }

  /** Polynomial of {@code power} from {@code start} to {@code end}: {@code start + (end - start) * pos^power}. */
  static Schedule poly(double start, double end, double power) {
    return pos -> start + (end - start) * Math.pow(pos, power);
  }

  /**
   * Chains {@code scheds}, each running over its fraction {@code pcts[i]} of training (fastai's
   * {@code combine_scheds}). The fractions must be non-negative and sum to 1.
   */
  static Schedule combine(double[] pcts, Schedule... scheds) {
    if (pcts.length != scheds.length || pcts.length == 0) {
      throw new IllegalArgumentException(
          "combine needs one fraction per schedule; got " + pcts.length + " fractions and " + scheds.length
              + " schedules");
    }
    double sum = 0;
    for (double p : pcts) {
      if (p < 0) {
        throw new IllegalArgumentException("combine fractions must be >= 0; got " + Arrays.toString(pcts));
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-9) {
      throw new IllegalArgumentException("combine fractions must sum to 1; got " + Arrays.toString(pcts));
    }
    double[] cum = new double[pcts.length + 1];
    for (int i = 0; i < pcts.length; i++) {
      cum[i + 1] = cum[i] + pcts[i];
    }
    int pctLim = cum.length - 2;
    Schedule[] copy = scheds.clone();
    return pos -> {
      int idx = 0;
      for (int i = 0; i < cum.length; i++) {
        if (pos >= cum[i]) {
          idx = i;
        }
      }
      idx = Math.min(idx, pctLim);
      double actualPos = (pos - cum[idx]) / (cum[idx + 1] - cum[idx]);
      return copy[idx].at(actualPos);
    };
  }

  /**
   * Cosine annealing from {@code start} to {@code middle} over the first {@code pct} of training, then from
   * {@code middle} to {@code end} (fastai's {@code combined_cos}).
   */
  static Schedule combinedCos(double pct, double start, double middle, double end) {
    if (pct < 0 || pct > 1) {
      throw new IllegalArgumentException("combinedCos pct must be in [0, 1]; got " + pct);
    }
    return combine(new double[] {pct, 1 - pct}, cos(start, middle), cos(middle, end));
  }
}
