package io.sparkfast.jobs;

/** A job failure classified by cause, so the CLI can map it to an {@link ExitCodes exit code}. */
public class SparkfastException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What went wrong, from the user's point of view. */
  public enum Kind {
    /** Bad usage or configuration: exit code 2. */
    CONFIG(ExitCodes.BAD_CONFIG),
    /** Bad input data: exit code 3. */
    INPUT(ExitCodes.BAD_INPUT),
    /** Failure while running: exit code 4. */
    RUNTIME(ExitCodes.RUNTIME_FAILURE),
    /** Cancelled: exit code 5. */
    CANCELLED(ExitCodes.CANCELLED);

    private final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }

    /** The process exit code for this kind. */
    public int exitCode() {
      return exitCode;
    }
  }

  private final Kind kind;

  /** Creates an exception of {@code kind} with a message that names the problem and its fix. */
  public SparkfastException(Kind kind, String message) {
    this(kind, message, null);
  }

  /** Creates an exception of {@code kind} wrapping {@code cause}. */
  public SparkfastException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** Bad configuration. */
  public static SparkfastException config(String message) {
    return new SparkfastException(Kind.CONFIG, message);
  }

  /** Bad input data. */
  public static SparkfastException input(String message) {
    return input(message, null);
  }

  /** Bad input data, with its cause. */
  public static SparkfastException input(String message, Throwable cause) {
    return new SparkfastException(Kind.INPUT, message, cause);
  }

  /** The kind of failure. */
  public Kind kind() {
    return kind;
  }
}
