package io.sparkfast.common.train.callback;

/** Interrupts training and goes to {@code after_cancel_fit} and {@code after_fit}. */
public final class CancelFitException extends CancelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception without a reason. */
  public CancelFitException() {
    super("cancel fit");
  }

  /** Creates the exception with a reason. */
  public CancelFitException(String reason) {
    super(reason);
  }
}
