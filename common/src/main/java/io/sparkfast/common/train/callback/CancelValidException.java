package io.sparkfast.common.train.callback;

/** Skips the rest of the validation part of the epoch and goes to {@code after_validate}. */
public final class CancelValidException extends CancelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception without a reason. */
  public CancelValidException() {
    super("cancel valid");
  }

  /** Creates the exception with a reason. */
  public CancelValidException(String reason) {
    super(reason);
  }
}
