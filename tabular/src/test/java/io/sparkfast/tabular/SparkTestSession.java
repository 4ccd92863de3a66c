package io.sparkfast.tabular;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension giving a test class one {@code local[2]} SparkSession, cleared after the class (as Spark's
 * own {@code SharedSparkSession}). Use with {@code @RegisterExtension static SparkTestSession spark = new
 * SparkTestSession();}.
 */
public final class SparkTestSession implements BeforeAllCallback, AfterAllCallback {

  private SparkSession session;

  @Override
  public void beforeAll(ExtensionContext context) {
    session =
        SparkSession.builder()
            .master("local[2]")
            .appName(context.getDisplayName())
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (session != null) {
      session.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  /** The session for the current test class. */
  public SparkSession get() {
    if (session == null) {
      throw new IllegalStateException("SparkTestSession used before beforeAll; register it as a static extension");
    }
    return session;
  }
}
