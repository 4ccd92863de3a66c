package io.sparkfast.common.train;

import io.sparkfast.common.train.plot.Plots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The result of {@link Learner#lrFind}: the recorded curve and fastai's four suggestions.
 *
 * @param lrs learning rate of every batch run
 * @param losses smoothed loss after every batch run
 * @param minimum fastai's {@code minimum}: a tenth of the rate at the lowest loss
 * @param steep fastai's {@code steep}: the rate where the loss falls fastest
 * @param valley fastai's {@code valley}: inside the longest descending valley (fastai's default suggestion)
 * @param slide fastai's {@code slide}: interval slide rule
 */
public record LrFindResult(
    List<Double> lrs, List<Double> losses, LrSuggestion minimum, LrSuggestion steep, LrSuggestion valley,
    LrSuggestion slide) {

  /** Copies the lists. */
  public LrFindResult {
    lrs = List.copyOf(lrs);
    losses = List.copyOf(losses);
  }

  /** The suggestions in fastai's order: valley, slide, minimum, steep. */
  public List<LrSuggestion> suggestions() {
    return List.of(valley, slide, minimum, steep);
  }

  /**
   * Writes the curve (log x axis, last 5 points skipped as fastai's {@code plot_lr_find}) with the suggestions
   * marked, as a PNG.
   */
  public Path plot(Path png) throws IOException {
    return Plots.lrFind(this, png);
  }
}
