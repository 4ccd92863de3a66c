package io.sparkfast.jobs;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Stops the Spark session the jobs of a test class left active ({@code @ExtendWith(StopSparkAfterAll.class)}), so the
 * next class starts its own with its own settings.
 */
public final class StopSparkAfterAll implements AfterAllCallback {

  @Override
  public void afterAll(ExtensionContext context) {
    stopActive();
  }

  /** Stops the active Spark session, if any. */
  public static void stopActive() {
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
  }
}
