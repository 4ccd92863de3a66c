package io.sparkfast.common.train;

/**
 * Where a fit stands, as stored in a checkpoint: the next epoch and batch to run and the schedule counters.
 *
 * @param epoch epoch to continue with
 * @param batchesDone training batches of that epoch already done (0 at an epoch boundary)
 * @param trainIter training batches done since the fit started (fastai's {@code train_iter})
 * @param pctTrain fraction of the fit's training done (fastai's {@code pct_train}), exactly as accumulated
 */
public record TrainingPosition(int epoch, int batchesDone, int trainIter, double pctTrain) {

  /** Validates the counters. */
  public TrainingPosition {
    if (epoch < 0 || batchesDone < 0 || trainIter < 0) {
      throw new IllegalArgumentException(
          "Training position counters must be >= 0; got epoch=" + epoch + ", batchesDone=" + batchesDone
              + ", trainIter=" + trainIter);
    }
  }
}
