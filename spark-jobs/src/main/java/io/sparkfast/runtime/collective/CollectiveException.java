package io.sparkfast.runtime.collective;

/** A collective operation failed: a peer died, stalled past the timeout, or failed authentication. */
public class CollectiveException extends RuntimeException {

  /** Creates the exception. */
  public CollectiveException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates the exception. */
  public CollectiveException(String message) {
    super(message);
  }
}
