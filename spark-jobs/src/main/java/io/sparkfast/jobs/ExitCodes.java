package io.sparkfast.jobs;

/**
 * Process exit codes of every sparkfast job, stable for schedulers (Airflow retries, alerts).
 *
 * <ul>
 *   <li>{@link #OK} 0: success; outputs and {@code metrics.json} are in place.
 *   <li>{@link #BAD_CONFIG} 2: bad usage or configuration (unknown key, wrong type, bad option); retrying will not help.
 *   <li>{@link #BAD_INPUT} 3: bad input data (missing column, empty input, unreadable path, unparsable values).
 *   <li>{@link #RUNTIME_FAILURE} 4: the job failed while running (cluster, engine, I/O); a retry may succeed.
 *   <li>{@link #CANCELLED} 5: the run was cancelled (interrupt or Spark job cancellation).
 * </ul>
 */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;
  /** Bad usage or configuration. */
  public static final int BAD_CONFIG = 2;
  /** Bad input data. */
  public static final int BAD_INPUT = 3;
  /** Runtime failure. */
  public static final int RUNTIME_FAILURE = 4;
  /** Cancelled run. */
  public static final int CANCELLED = 5;

  private ExitCodes() {}
}
