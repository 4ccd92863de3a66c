package io.sparkfast.common.train;

/**
 * Data whose training randomness (augmentation) the {@link Learner} ties to its position: before fetching each batch
 * the Learner passes a seed derived from the run seed and the batch's (epoch, batch, phase), so the randomness
 * depends on the position only. A run resumed in a new process, with new datasets, then draws what the
 * uninterrupted run drew, and replicas training on threads of one JVM do not share a random generator.
 */
public interface PositionSeeded {

  /** Sets the seed of the batches fetched from now on, until the next call. */
  void seedPosition(long positionSeed);
}
