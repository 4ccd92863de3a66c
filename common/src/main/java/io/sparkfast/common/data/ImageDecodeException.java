package io.sparkfast.common.data;

/**
 * An image that cannot be read or decoded; the message names the file (or source name) and the cause.
 * It is an {@link IllegalArgumentException}: the input is bad, not the program.
 */
public final class ImageDecodeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String source;

  /**
   * Creates the exception.
   *
   * @param source the file path or source name of the image
   * @param message what went wrong
   * @param cause the underlying error, or null
   */
  public ImageDecodeException(String source, String message, Throwable cause) {
    super("Cannot decode image " + source + ": " + message, cause);
    this.source = source;
  }

  /** The file path or source name of the image that failed. */
  public String source() {
    return source;
  }
}
