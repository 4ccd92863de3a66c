package io.sparkfast.common.train.param;

import java.util.Arrays;

/**
 * A learning-rate request resolved against a number of parameter groups, fastai's {@code set_hyper} for
 * {@code lr}: a single value for every group, an explicit value per group, or a {@code slice}.
 *
 * <ul>
 *   <li>{@code slice(hi)} gives {@code hi / 10} to every group but the last, which gets {@code hi};
 *   <li>{@code slice(lo, hi)} spaces the groups' rates geometrically from {@code lo} (group 0) to {@code hi}
 *       (last group), fastai's {@code even_mults}; with one group it is {@code hi}.
 * </ul>
 */
public final class LearningRates {

  private enum Kind { CONSTANT, SLICE_HI, SLICE, PER_GROUP }

  private final Kind kind;
  private final double lo;
  private final double hi;
  private final double[] values;

  private LearningRates(Kind kind, double lo, double hi, double[] values) {
    this.kind = kind;
    this.lo = lo;
    this.hi = hi;
    this.values = values;
  }

  /** The same rate {@code lr} for every group. */
  public static LearningRates of(double lr) {
    check(lr, "lr");
    return new LearningRates(Kind.CONSTANT, lr, lr, null);
  }

  /** fastai's {@code slice(hi)}: {@code hi / 10} for all groups but the last, {@code hi} for the last. */
  public static LearningRates slice(double hi) {
    check(hi, "slice hi");
    return new LearningRates(Kind.SLICE_HI, Double.NaN, hi, null);
  }

  /** fastai's {@code slice(lo, hi)}: geometrically spaced from {@code lo} (first group) to {@code hi} (last). */
  public static LearningRates slice(double lo, double hi) {
    check(lo, "slice lo");
    check(hi, "slice hi");
    return new LearningRates(Kind.SLICE, lo, hi, null);
  }

  /** One explicit rate per group, input side first. */
  public static LearningRates perGroup(double... lrs) {
    if (lrs.length == 0) {
      throw new IllegalArgumentException("perGroup needs at least one learning rate");
    }
    for (double lr : lrs) {
      check(lr, "perGroup lr");
    }
    return new LearningRates(Kind.PER_GROUP, Double.NaN, Double.NaN, lrs.clone());
  }

  private static void check(double v, String what) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be positive and finite; got " + v);
    }
  }

  /**
   * The rate of each of {@code nGroups} groups, input side first.
   *
   * @throws IllegalArgumentException when a per-group request has another number of values
   */
  public double[] forGroups(int nGroups) {
    if (nGroups < 1) {
      throw new IllegalArgumentException("nGroups must be >= 1; got " + nGroups);
    }
    double[] out = new double[nGroups];
    switch (kind) {
      case CONSTANT -> Arrays.fill(out, lo);
      case SLICE_HI -> {
        Arrays.fill(out, hi / 10);
        out[nGroups - 1] = hi;
      }
      case SLICE -> {
        if (nGroups == 1) {
          out[0] = hi;
        } else {
          double step = Math.pow(hi / lo, 1.0 / (nGroups - 1));
          for (int i = 0; i < nGroups; i++) {
            out[i] = lo * Math.pow(step, i);
          }
        }
      }
      case PER_GROUP -> {
        if (values.length == 1) {
          Arrays.fill(out, values[0]);
        } else if (values.length != nGroups) {
          throw new IllegalArgumentException(
              "Trying to set " + values.length + " learning rates but there are " + nGroups
                  + " parameter groups; pass one rate per group or use slice(lo, hi)");
        } else {
          System.arraycopy(values, 0, out, 0, nGroups);
        }
      }
      default -> throw new AssertionError(kind);
    }
    return out;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case CONSTANT -> "lr(" + lo + ")";
      case SLICE_HI -> "slice(" + hi + ")";
      case SLICE -> "slice(" + lo + ", " + hi + ")";
      case PER_GROUP -> "perGroup" + Arrays.toString(values);
    };
  }
}
