package io.sparkfast.jobs.score;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver-side progress of a scoring run: counts the images of every successful task (through the task's update of
 * the job's image accumulator, so failed and killed attempts do not count), logs images/s and an ETA at most every
 * {@code logEverySeconds}, and keeps the (seconds, images) curve for the report's throughput plot.
 */
final class ScoreProgress extends SparkListener {

  private static final Logger logger = LoggerFactory.getLogger(ScoreProgress.class);

  private final long accumulatorId;
  private final long total;
  private final double logEverySeconds;
  private final long t0 = System.nanoTime();
  private final List<double[]> curve = new ArrayList<>();
  private long done;
  private double lastLog = Double.NEGATIVE_INFINITY;

  ScoreProgress(long accumulatorId, long total, double logEverySeconds) {
    this.accumulatorId = accumulatorId;
    this.total = total;
    this.logEverySeconds = logEverySeconds;
    curve.add(new double[] {0, 0});
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.reason() != org.apache.spark.Success$.MODULE$ || end.taskInfo() == null) {
      return;
    }
    long n = 0;
    for (AccumulableInfo a : scala.jdk.javaapi.CollectionConverters.asJava(end.taskInfo().accumulables())) {
      if (a.id() == accumulatorId && a.update().isDefined() && a.update().get() instanceof Number v) {
        n += v.longValue();
      }
    }
    if (n == 0) {
      return;
    }
    synchronized (this) {
      done += n;
      double s = (System.nanoTime() - t0) / 1e9;
      curve.add(new double[] {s, done});
      if (s - lastLog >= logEverySeconds || done >= total) {
        lastLog = s;
        double rate = done / Math.max(1e-9, s);
        String eta = done >= total ? "done" : "ETA " + duration((total - done) / Math.max(1e-9, rate));
        logger.info(String.format(Locale.ROOT, "scored %d/%d images (%.1f%%), %.1f images/s, %s", done, total,
            100.0 * done / Math.max(1, total), rate, eta));
      }
    }
  }

  /** Images counted so far. */
  synchronized long done() {
    return done;
  }

  /** The cumulative curve: {seconds since start, images scored}. */
  synchronized List<double[]> curve() {
    return new ArrayList<>(curve);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
