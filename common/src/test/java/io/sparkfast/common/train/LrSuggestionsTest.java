package io.sparkfast.common.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * lr_find suggestions on a synthetic curve. Expected values come from fastai's suggestion functions run in
 * Python/numpy on the same curve: rec_lrs = 1e-7*(1e8)^(i/100), loss = 2.3 - 1.8/(1+exp(-3(x+3))) +
 * exp(2(x-0.2)) + 0.05 sin(7x) with x = log10(lr), trimmed to [num_it//10 : -5].
 */
class LrSuggestionsTest {

  private static List<Double> lrs() {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      out.add(1e-7 * Math.pow(10 / 1e-7, i / 100.0));
    }
    return out;
  }

  private static List<Double> losses(List<Double> lrs) {
    List<Double> out = new ArrayList<>();
    for (double lr : lrs) {
      double x = Math.log10(lr);
      out.add(2.3 - 1.8 / (1 + Math.exp(-3 * (x + 3))) + Math.exp(2 * (x - 0.2)) + 0.05 * Math.sin(7 * x));
    }
    return out;
  }

  @Test
  void suggestionsMatchFastai() {
    List<Double> lrs = lrs();
    LrFindResult r = LrSuggestions.suggest(lrs, losses(lrs), 100);
    assertEquals(0.001737800828749376, r.valley().lr(), 1e-12);
    assertEquals(1.0693284611057996, r.valley().pointLoss(), 1e-9);
    assertEquals(0.022908676527677745, r.slide().lr(), 1e-12);
    assertEquals(0.5993975428729823, r.slide().pointLoss(), 1e-9);
    assertEquals(0.006918309709189363, r.minimum().lr(), 1e-14);
    assertEquals(0.06918309709189363, r.minimum().pointLr(), 1e-13);
    assertEquals(0.0006918309709189362, r.steep().lr(), 1e-14);
  }

  @Test
  void nanLossesCutTheCurve() {
    List<Double> lrs = lrs();
    List<Double> losses = new ArrayList<>(losses(lrs));
    for (int i = 60; i < losses.size(); i++) {
      losses.set(i, Double.NaN);
    }
    LrFindResult r = LrSuggestions.suggest(lrs, losses, 100);
    // only points 10..59 remain: the minimum is at the last kept point
    assertEquals(lrs.get(59) / 10, r.minimum().lr(), 1e-15);
  }

  @Test
  void numpyGradientAndInterp() {
    assertArrayEquals(new double[] {3, 4, 6, 5.5, 4}, LrSuggestions.gradient(new double[] {1, 4, 9, 16, 20}), 0);
    assertEquals(2.5, LrSuggestions.interp(1.5, new double[] {1, 2}, new double[] {2, 3}), 0);
    assertEquals(2, LrSuggestions.interp(0, new double[] {1, 2}, new double[] {2, 3}), 0);
  }

  @Test
  void tooShortCurveIsAClearError() {
    List<Double> lrs = List.of(1e-3, 1e-2, 1e-1, 1.0, 2.0, 3.0);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> LrSuggestions.suggest(lrs, lrs, 100));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("numIt"), e.getMessage());
  }
}
