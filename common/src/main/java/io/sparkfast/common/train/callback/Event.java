package io.sparkfast.common.train.callback;

import java.util.Locale;

/**
 * The training-loop events in the order they can fire, fastai's {@code _events}. Each phase (fit, epoch,
 * train, validate, batch, backward, step) runs {@code before_X}, its body, {@code after_cancel_X} when the body
 * raised the phase's cancel exception, then {@code after_X}.
 */
public enum Event {
  BEFORE_FIT,
  BEFORE_EPOCH,
  BEFORE_TRAIN,
  BEFORE_BATCH,
  AFTER_PRED,
  AFTER_LOSS,
  BEFORE_BACKWARD,
  AFTER_CANCEL_BACKWARD,
  AFTER_BACKWARD,
  BEFORE_STEP,
  AFTER_CANCEL_STEP,
  AFTER_STEP,
  AFTER_CANCEL_BATCH,
  AFTER_BATCH,
  AFTER_CANCEL_TRAIN,
  AFTER_TRAIN,
  BEFORE_VALIDATE,
  AFTER_CANCEL_VALIDATE,
  AFTER_VALIDATE,
  AFTER_CANCEL_EPOCH,
  AFTER_EPOCH,
  AFTER_CANCEL_FIT,
  AFTER_FIT;

  /** fastai's snake-case name, e.g. {@code after_batch}. */
  public String fastaiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the event belongs to the per-batch inner loop (and so honours a callback's train/valid flags). */
  public boolean isInnerLoop() {
    return switch (this) {
      case BEFORE_BATCH, AFTER_PRED, AFTER_LOSS, BEFORE_BACKWARD, AFTER_CANCEL_BACKWARD, AFTER_BACKWARD,
          BEFORE_STEP, AFTER_CANCEL_STEP, AFTER_STEP, AFTER_CANCEL_BATCH, AFTER_BATCH -> true;
      default -> false;
    };
  }
}
