package io.sparkfast.common.train.callback;

import io.sparkfast.common.train.Learner;

/**
 * A hook into the training loop, fastai's {@code Callback}. Override the methods of the events you need;
 * each receives the {@link Learner}, whose loop state (epoch, iteration, inputs, predictions, loss,
 * optimizer) it may read and, where the Learner offers setters, change. Callbacks run in ascending
 * {@link #order()}, ties in the order they were added.
 *
 * <p>Throw one of the {@link CancelException} subclasses to skip part of the loop. Any other exception stops
 * training and is rethrown as a {@link CallbackException} naming the callback and the event.
 */
public interface Callback {

  /** Position among callbacks; lower runs first (fastai: TrainEval -10, Recorder 50, ParamScheduler 60). */
  default int order() {
    return 0;
  }

  /** Name used in error messages and logs. */
  default String name() {
    return getClass().getSimpleName();
  }

  /** Whether inner-loop events ({@link Event#isInnerLoop()}) reach this callback during training. */
  default boolean runTrain() {
    return true;
  }

  /** Whether inner-loop events reach this callback during validation. */
  default boolean runValid() {
    return true;
  }

  /** Dispatches {@code event} to its method. */
  default void handle(Event event, Learner learn) {
    switch (event) {
      case BEFORE_FIT -> beforeFit(learn);
      case BEFORE_EPOCH -> beforeEpoch(learn);
      case BEFORE_TRAIN -> beforeTrain(learn);
      case BEFORE_BATCH -> beforeBatch(learn);
      case AFTER_PRED -> afterPred(learn);
      case AFTER_LOSS -> afterLoss(learn);
      case BEFORE_BACKWARD -> beforeBackward(learn);
      case AFTER_CANCEL_BACKWARD -> afterCancelBackward(learn);
      case AFTER_BACKWARD -> afterBackward(learn);
      case BEFORE_STEP -> beforeStep(learn);
      case AFTER_CANCEL_STEP -> afterCancelStep(learn);
      case AFTER_STEP -> afterStep(learn);
      case AFTER_CANCEL_BATCH -> afterCancelBatch(learn);
      case AFTER_BATCH -> afterBatch(learn);
      case AFTER_CANCEL_TRAIN -> afterCancelTrain(learn);
      case AFTER_TRAIN -> afterTrain(learn);
      case BEFORE_VALIDATE -> beforeValidate(learn);
      case AFTER_CANCEL_VALIDATE -> afterCancelValidate(learn);
      case AFTER_VALIDATE -> afterValidate(learn);
      case AFTER_CANCEL_EPOCH -> afterCancelEpoch(learn);
      case AFTER_EPOCH -> afterEpoch(learn);
      case AFTER_CANCEL_FIT -> afterCancelFit(learn);
      case AFTER_FIT -> afterFit(learn);
      default -> throw new AssertionError(event);
    }
  }

  /** Called on {@code before_fit}. */
  default void beforeFit(Learner learn) {}

  /** Called on {@code before_epoch}. */
  default void beforeEpoch(Learner learn) {}

  /** Called on {@code before_train}. */
  default void beforeTrain(Learner learn) {}

  /** Called on {@code before_batch}. */
  default void beforeBatch(Learner learn) {}

  /** Called on {@code after_pred}. */
  default void afterPred(Learner learn) {}

  /** Called on {@code after_loss}. */
  default void afterLoss(Learner learn) {}

  /** Called on {@code before_backward}. */
  default void beforeBackward(Learner learn) {}

  /** Called on {@code after_cancel_backward}. */
  default void afterCancelBackward(Learner learn) {}

  /** Called on {@code after_backward}. */
  default void afterBackward(Learner learn) {}

  /** Called on {@code before_step}. */
  default void beforeStep(Learner learn) {}

  /** Called on {@code after_cancel_step}. */
  default void afterCancelStep(Learner learn) {}

  /** Called on {@code after_step}. */
  default void afterStep(Learner learn) {}

  /** Called on {@code after_cancel_batch}. */
  default void afterCancelBatch(Learner learn) {}

  /** Called on {@code after_batch}. */
  default void afterBatch(Learner learn) {}

  /** Called on {@code after_cancel_train}. */
  default void afterCancelTrain(Learner learn) {}

  /** Called on {@code after_train}. */
  default void afterTrain(Learner learn) {}

  /** Called on {@code before_validate}. */
  default void beforeValidate(Learner learn) {}

  /** Called on {@code after_cancel_validate}. */
  default void afterCancelValidate(Learner learn) {}

  /** Called on {@code after_validate}. */
  default void afterValidate(Learner learn) {}

  /** Called on {@code after_cancel_epoch}. */
  default void afterCancelEpoch(Learner learn) {}

  /** Called on {@code after_epoch}. */
  default void afterEpoch(Learner learn) {}

  /** Called on {@code after_cancel_fit}. */
  default void afterCancelFit(Learner learn) {}

  /** Called on {@code after_fit}. */
  default void afterFit(Learner learn) {}
}
