package io.sparkfast.common.train;

import java.util.ArrayList;
import java.util.List;

/**
 * fastai's {@code lr_find} suggestion functions ({@code minimum}, {@code steep}, {@code valley},
 * {@code slide}), ported from {@code fastai/callback/schedule.py}, and the trimming {@code lr_find} applies
 * before calling them ({@code lrs[num_it//10 : -5]}, cut at the first NaN loss).
 */
public final class LrSuggestions {

  private LrSuggestions() {}

  /**
   * Applies fastai's trimming to a recorded curve and computes all four suggestions.
   *
   * @param lrs recorded learning rates
   * @param losses recorded smoothed losses
   * @param numIt the {@code num_it} of the run
   * @throws IllegalStateException when fewer than two points remain after trimming
   */
  public static LrFindResult suggest(List<Double> lrs, List<Double> losses, int numIt) {
    int from = numIt / 10;
    int to = lrs.size() - 5;
    List<Double> l = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (Double.isNaN(losses.get(i))) {
        break;
      }
      l.add(lrs.get(i));
      y.add(losses.get(i));
    }
    if (l.size() < 2) {
      throw new IllegalStateException(
          "lr_find recorded " + lrs.size() + " batches; after skipping the first num_it/10=" + from
              + " and the last 5 (and any NaN losses) fewer than 2 remain. Raise numIt, or pass stopDiv=false, or"
              + " lower startLr");
    }
    double[] lr = l.stream().mapToDouble(Double::doubleValue).toArray();
    double[] loss = y.stream().mapToDouble(Double::doubleValue).toArray();
    return new LrFindResult(lrs, losses, minimum(lr, loss), steep(lr, loss), valley(lr, loss), slide(lr, loss));
  }

  private static int closest(double[] lrs, double v) {
    int best = 0;
    for (int i = 1; i < lrs.length; i++) {
      if (Math.abs(lrs[i] - v) < Math.abs(lrs[best] - v)) {
        best = i;
      }
    }
    return best;
  }

  /** fastai's {@code minimum}: {@code lrs[argmin(losses)] / 10}. */
  public static LrSuggestion minimum(double[] lrs, double[] losses) {
    int arg = 0;
    for (int i = 1; i < losses.length; i++) {
      if (losses[i] < losses[arg]) {
        arg = i;
      }
    }
    double lrMin = lrs[arg];
    return new LrSuggestion("minimum", lrMin / 10, lrMin, losses[closest(lrs, lrMin)]);
  }

  /** fastai's {@code steep}: the rate at the most negative slope of loss over log(lr). */
  public static LrSuggestion steep(double[] lrs, double[] losses) {
    int arg = 0;
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < lrs.length - 1; i++) {
      double g = (losses[i + 1] - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i]));
      if (g < best) {
        best = g;
        arg = i;
      }
    }
    double lrSteep = lrs[arg];
    return new LrSuggestion("steep", lrSteep, lrSteep, losses[closest(lrs, lrSteep)]);
  }

  /**
   * fastai's {@code valley}: finds the longest decreasing subsequence (O(n^2), as fastai) and suggests the rate
   * at index {@code max_start + int(sections) + int(sections/2)} with {@code sections = (max_end - max_start) /
   * 3}, i.e. about halfway between one and two thirds into the valley.
   */
  public static LrSuggestion valley(double[] lrs, double[] losses) {
    int n = losses.length;
    int maxStart = 0;
    int maxEnd = 0;
    int[] lds = new int[n];
    java.util.Arrays.fill(lds, 1);
    for (int i = 1; i < n; i++) {
      for (int j = 0; j < i; j++) {
        if (losses[i] < losses[j] && lds[i] < lds[j] + 1) {
          lds[i] = lds[j] + 1;
        }
        if (lds[maxEnd] < lds[i]) {
          maxEnd = i;
          maxStart = maxEnd - lds[maxEnd];
        }
      }
    }
    double sections = (maxEnd - maxStart) / 3.0;
    int idx = maxStart + (int) sections + (int) (sections / 2);
    int at = idx < 0 ? n + idx : idx;
    return new LrSuggestion("valley", lrs[at], lrs[at], losses[at]);
  }

  /** fastai's {@code slide} with its defaults ({@code lr_diff=15, thresh=0.005, adjust_value=1}). */
  public static LrSuggestion slide(double[] lrs, double[] losses) {
    return slide(lrs, losses, 15, 0.005, 1.0);
  }

  /**
   * fastai's {@code slide}: walking left from the end with a window of {@code lrDiff} points, stops where the
   * gradients ({@code np.gradient}) at both ends of the window differ by at most {@code thresh}. Returns NaN
   * when the curve has no more than {@code lrDiff} points (fastai raises an IndexError there).
   */
  public static LrSuggestion slide(double[] lrs, double[] losses, int lrDiff, double thresh, double adjustValue) {
    int n = losses.length;
    if (n <= lrDiff) {
      return new LrSuggestion("slide", Double.NaN, Double.NaN, Double.NaN);
    }
    double[] grad = gradient(losses);
    int rIdx = -1;
    int lIdx = rIdx - lrDiff;
    double localMinLr = lrs[n + lIdx];
    while (lIdx >= -n && Math.abs(grad[n + rIdx] - grad[n + lIdx]) > thresh) {
      localMinLr = lrs[n + lIdx];
      rIdx -= 1;
      lIdx -= 1;
    }
    double suggestion = localMinLr * adjustValue;
    double[] logLrs = new double[n];
    for (int i = 0; i < n; i++) {
      logLrs[i] = Math.log10(lrs[i]);
    }
    double y = interp(Math.log10(suggestion), logLrs, losses);
    return new LrSuggestion("slide", suggestion, suggestion, y);
  }

  /** numpy's {@code gradient} with unit spacing: central differences inside, one-sided at the ends. */
  static double[] gradient(double[] f) {
    int n = f.length;
    double[] g = new double[n];
    if (n < 2) {
      throw new IllegalArgumentException("gradient needs at least 2 points; got " + n);
    }
    g[0] = f[1] - f[0];
    g[n - 1] = f[n - 1] - f[n - 2];
    for (int i = 1; i < n - 1; i++) {
      g[i] = (f[i + 1] - f[i - 1]) / 2;
    }
    return g;
  }

  /** numpy's {@code interp} for increasing {@code xp}: clamps outside the range. */
  static double interp(double x, double[] xp, double[] fp) {
    int n = xp.length;
    if (x <= xp[0]) {
      return fp[0];
    }
    if (x >= xp[n - 1]) {
      return fp[n - 1];
    }
    int j = 0;
    while (j < n - 2 && x >= xp[j + 1]) {
      j++;
    }
    double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    return fp[j] + slope * (x - xp[j]);
  }
}
