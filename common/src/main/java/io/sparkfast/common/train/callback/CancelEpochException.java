package io.sparkfast.common.train.callback;

/** Skips the rest of this epoch and goes to {@code after_epoch}. */
public final class CancelEpochException extends CancelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception without a reason. */
  public CancelEpochException() {
    super("cancel epoch");
  }

  /** Creates the exception with a reason. */
  public CancelEpochException(String reason) {
    super(reason);
  }
}
