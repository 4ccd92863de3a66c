package io.sparkfast.common.train.callback;

import io.sparkfast.common.train.Learner;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a resumable checkpoint to one file (replaced atomically each time) at the end of every
 * {@code everyEpochs}-th epoch and, optionally, every {@code everyBatches} training batches. Only the replica
 * that is the checkpoint writer ({@link Learner#isCheckpointWriter()}) writes; the others skip. Order 70, after
 * the Recorder and the schedulers, so the checkpoint holds this batch's or epoch's records.
 */
public final class SaveCheckpointCallback implements Callback {

  private static final Logger logger = LoggerFactory.getLogger(SaveCheckpointCallback.class);

  private final Path file;
  private final int everyEpochs;
  private final int everyBatches;
  private final java.util.function.Consumer<Path> onWritten;

  /**
   * Creates the callback.
   *
   * @param file the checkpoint file
   * @param everyEpochs write after every this many epochs (>= 1)
   * @param everyBatches also write every this many training batches; 0 for epoch ends only
   */
  public SaveCheckpointCallback(Path file, int everyEpochs, int everyBatches) {
    this(file, everyEpochs, everyBatches, f -> {});
  }

  /**
   * Creates the callback with a hook that runs after each write on the writing replica (e.g. an upload to shared
   * storage).
   */
  public SaveCheckpointCallback(Path file, int everyEpochs, int everyBatches, java.util.function.Consumer<Path> onWritten) {
    if (everyEpochs < 1 || everyBatches < 0) {
      throw new IllegalArgumentException(
          "SaveCheckpointCallback needs everyEpochs >= 1 and everyBatches >= 0; got " + everyEpochs + ", "
              + everyBatches);
    }
    this.file = file;
    this.everyEpochs = everyEpochs;
    this.everyBatches = everyBatches;
    this.onWritten = onWritten;
  }

  /** {@inheritDoc} */
  @Override
  public int order() {
    return 70;
  }

  /** {@inheritDoc} */
  @Override
  public boolean runValid() {
    return false;
  }

  /** {@inheritDoc} */
  @Override
  public void afterBatch(Learner learn) {
    if (everyBatches > 0 && learn.trainIter() % everyBatches == 0 && learn.saveCheckpoint(file)) {
      logger.debug("Checkpoint at batch {} written to {}", learn.trainIter(), file);
      onWritten.accept(file);
    }
  }

  /** Whether the epoch that {@code learn} just finished is one that gets a checkpoint, every {@code everyEpochs}. */
  public static boolean dueAfterEpoch(Learner learn, int everyEpochs) {
    return (learn.epoch() + 1) % everyEpochs == 0;
  }

  /** {@inheritDoc} */
  @Override
  public void afterEpoch(Learner learn) {
    if (dueAfterEpoch(learn, everyEpochs) && learn.saveCheckpoint(file)) {
      logger.info("Checkpoint after epoch {} written to {}", learn.epoch(), file);
      onWritten.accept(file);
    }
  }
}
