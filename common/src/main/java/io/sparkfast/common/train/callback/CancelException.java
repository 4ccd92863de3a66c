package io.sparkfast.common.train.callback;

/**
 * Base of the exceptions a callback throws to skip part of the loop. They are control flow, so they carry no
 * stack trace.
 */
public abstract class CancelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a reason. */
  protected CancelException(String reason) {
    super(reason, null, false, false);
  }
}
