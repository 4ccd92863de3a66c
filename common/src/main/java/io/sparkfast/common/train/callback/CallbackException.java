package io.sparkfast.common.train.callback;

/** A callback failed; the message names the callback and the event, the cause is the original failure. */
public final class CallbackException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String callbackName;
  private final Event event;

  /** Wraps {@code cause}, thrown by {@code callbackName} while handling {@code event}. */
  public CallbackException(String callbackName, Event event, Throwable cause) {
    super("Exception occurred in `" + callbackName + "` when calling event `" + event.fastaiName() + "`: " + cause,
        cause);
    this.callbackName = callbackName;
    this.event = event;
  }

  /** The failing callback's name. */
  public String callbackName() {
    return callbackName;
  }

  /** The event being handled. */
  public Event event() {
    return event;
  }
}
