package io.sparkfast.common.train.schedule;

import java.util.Arrays;

/**
 * The 1cycle policy of fastai's {@code fit_one_cycle}: per parameter group, the learning rate follows
 * {@code combined_cos(pctStart, lrMax/div, lrMax, lrMax/divFinal)} and the momentum (Adam's beta1) follows
 * {@code combined_cos(pctStart, moms...)}, both over the whole fit.
 *
 * @param lrMax peak learning rate per parameter group, input side first
 * @param div lrMax / div is the starting learning rate (fastai default 25)
 * @param divFinal lrMax / divFinal is the final learning rate (fastai default 1e5)
 * @param pctStart fraction of training spent warming up (fastai default 0.25)
 * @param momStart momentum at the start (fastai default 0.95)
 * @param momMiddle momentum at the learning-rate peak (fastai default 0.85)
 * @param momEnd momentum at the end (fastai default 0.95)
 */
public record OneCycle(
    double[] lrMax, double div, double divFinal, double pctStart, double momStart, double momMiddle,
    double momEnd) {

  /** fastai's defaults: div 25, divFinal 1e5, pctStart 0.25. */
  public static final double DEFAULT_DIV = 25.0;
  /** fastai's default final divisor. */
  public static final double DEFAULT_DIV_FINAL = 1e5;
  /** fastai's default warm-up fraction. */
  public static final double DEFAULT_PCT_START = 0.25;

  /** Validates the values and copies {@code lrMax}. */
  public OneCycle {
    if (lrMax == null || lrMax.length == 0) {
      throw new IllegalArgumentException("OneCycle needs at least one lrMax value");
    }
    lrMax = lrMax.clone();
    for (double lr : lrMax) {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("OneCycle lrMax must be positive and finite; got " + Arrays.toString(lrMax));
      }
    }
    if (!(div > 0) || !(divFinal > 0)) {
      throw new IllegalArgumentException("OneCycle div and divFinal must be > 0; got div=" + div + ", divFinal=" + divFinal);
    }
    if (!(pctStart >= 0 && pctStart <= 1)) {
      throw new IllegalArgumentException("OneCycle pctStart must be in [0, 1]; got " + pctStart);
    }
  }

  /** The learning-rate schedule of group {@code group}. */
  public Schedule lrSchedule(int group) {
    double lr = lrMax[group];
    return Schedule.combinedCos(pctStart, lr / div, lr, lr / divFinal);
  }

  /** The momentum schedule, shared by all groups. */
  public Schedule momSchedule() {
    return Schedule.combinedCos(pctStart, momStart, momMiddle, momEnd);
  }

  /** The peak learning rates, copied. */
  @Override
  public double[] lrMax() {
    return lrMax.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OneCycle other
        && Arrays.equals(lrMax, other.lrMax)
        && div == other.div
        && divFinal == other.divFinal
        && pctStart == other.pctStart
        && momStart == other.momStart
        && momMiddle == other.momMiddle
        && momEnd == other.momEnd;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(lrMax) * 31 + Double.hashCode(div + divFinal + pctStart + momStart + momMiddle + momEnd);
  }

  @Override
  public String toString() {
    return "OneCycle[lrMax=" + Arrays.toString(lrMax) + ", div=" + div + ", divFinal=" + divFinal + ", pctStart="
        + pctStart + ", moms=(" + momStart + ", " + momMiddle + ", " + momEnd + ")]";
  }
}
