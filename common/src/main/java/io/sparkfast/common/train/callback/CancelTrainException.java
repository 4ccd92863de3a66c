package io.sparkfast.common.train.callback;

/** Skips the rest of the training part of the epoch and goes to {@code after_train}. */
public final class CancelTrainException extends CancelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception without a reason. */
  public CancelTrainException() {
    super("cancel train");
  }

  /** Creates the exception with a reason. */
  public CancelTrainException(String reason) {
    super(reason);
  }
}
