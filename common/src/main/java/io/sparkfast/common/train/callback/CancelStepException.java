package io.sparkfast.common.train.callback;

/** Skips the optimizer step and goes to {@code after_step}. */
public final class CancelStepException extends CancelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception without a reason. */
  public CancelStepException() {
    super("cancel step");
  }

  /** Creates the exception with a reason. */
  public CancelStepException(String reason) {
    super(reason);
  }
}
