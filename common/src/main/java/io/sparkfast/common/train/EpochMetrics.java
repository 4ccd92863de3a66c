package io.sparkfast.common.train;

import java.util.Map;

/**
 * One row of the Recorder's per-epoch log.
 *
 * @param epoch epoch index, from 0
 * @param trainLoss the smoothed training loss at the end of the epoch's training pass (fastai's train_loss)
 * @param validLoss the mean validation loss over all validation samples, NaN without validation data
 * @param metrics metric values by name over the whole validation set, in metric order
 * @param seconds wall time of the epoch
 */
public record EpochMetrics(int epoch, double trainLoss, double validLoss, Map<String, Double> metrics, double seconds) {

  /** Copies {@code metrics}, keeping its order. */
  public EpochMetrics {
    metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
  }
}
