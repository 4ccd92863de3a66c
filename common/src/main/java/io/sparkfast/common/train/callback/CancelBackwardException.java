package io.sparkfast.common.train.callback;

/** Skips the backward pass and goes to {@code after_backward}. */
public final class CancelBackwardException extends CancelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception without a reason. */
  public CancelBackwardException() {
    super("cancel backward");
  }

  /** Creates the exception with a reason. */
  public CancelBackwardException(String reason) {
    super(reason);
  }
}
