package io.sparkfast.common.train.callback;

/** Skips the rest of this batch (including backward and step) and goes to {@code after_batch}. */
public final class CancelBatchException extends CancelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception without a reason. */
  public CancelBatchException() {
    super("cancel batch");
  }

  /** Creates the exception with a reason. */
  public CancelBatchException(String reason) {
    super(reason);
  }
}
