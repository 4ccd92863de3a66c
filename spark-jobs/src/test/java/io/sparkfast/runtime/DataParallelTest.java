package io.sparkfast.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkfast.runtime.collective.AllReduceGradientSync;
import io.sparkfast.runtime.collective.WireFormat;
import java.time.Duration;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Synchronous data-parallel SGD in a real Spark barrier stage (local mode: two task threads, a real TCP ring
 * between them): 2 replicas x batch b for k steps give the same parameters as 1 replica x batch 2b over the same
 * data order ({@link DataParallelEquivalence}; {@code LocalClusterSubmitIT} runs the same on the standalone cluster).
 * The model has no dropout and no BatchNorm, whose local statistics differ by design; BatchNorm's running statistics
 * have their own test.
 */
public class DataParallelTest {

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("data-parallel-test")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Asserts the experiment's outcome: the replicas match the single run within 1e-4, and the check has teeth. */
  public static void assertEquivalent(DataParallelEquivalence.Result r) {
    assertTrue(r.broadcastEqual(), "rank 0's initial parameters are broadcast to every replica");
    assertTrue(r.maxDiff() <= 1e-4, "2 x batch " + DataParallelEquivalence.B + " vs 1 x batch "
        + 2 * DataParallelEquivalence.B + ": max parameter difference " + r.maxDiff());
    assertTrue(r.moved() > 1e-2, "training moved the parameters (" + r.moved() + ")");
    // and without the all-reduce the replicas would have diverged from the single run
    assertTrue(r.aloneDiff() > 1e-3, "a replica training alone differs (" + r.aloneDiff() + ")");
  }

  @Test
  void twoReplicasOfBatchBEqualOneReplicaOfBatch2B() {
    assertEquivalent(DataParallelEquivalence.run(JavaSparkContext.fromSparkContext(spark.sparkContext())));
  }

  /**
   * With {@code average}, the replicas end bitwise identical, and their running statistics are the mean of what
   * each replica's would be with {@code local} (the update is linear, and the weights are the same either way,
   * since training batches use local batch statistics in both modes); with {@code local} the replicas differ.
   */
  @Test
  void batchNormRunningStatisticsAreAveragedAcrossReplicas() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<float[]> avg = DataParallelEquivalence.batchNormReplicas(sc, AllReduceGradientSync.BatchNormStats.AVERAGE);
    List<float[]> local = DataParallelEquivalence.batchNormReplicas(sc, AllReduceGradientSync.BatchNormStats.LOCAL);
    assertArrayEquals(avg.get(0), avg.get(1), "averaged: both replicas hold the same parameters and statistics");
    float localDiff = 0;
    float fromMean = 0;
    for (int i = 0; i < avg.get(0).length; i++) {
      localDiff = Math.max(localDiff, Math.abs(local.get(0)[i] - local.get(1)[i]));
      float mean = (local.get(0)[i] + local.get(1)[i]) / 2;
      fromMean = Math.max(fromMean, Math.abs(avg.get(0)[i] - mean) / Math.max(1f, Math.abs(mean)));
    }
    assertTrue(localDiff > 0.1, "local: the replicas' running statistics differ (" + localDiff + ")");
    assertTrue(fromMean < 1e-4, "averaged statistics = mean of the local ones (max relative difference "
        + fromMean + ")");
  }

  @Test
  void eachStageAttemptHasItsOwnRingSecret() {
    byte[] run = "per-run secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] a0 = DataParallel.ReplicaTask.attemptSecret(run, 0);
    assertEquals(32, a0.length);
    assertArrayEquals(a0, DataParallel.ReplicaTask.attemptSecret(run.clone(), 0));
    assertFalse(java.util.Arrays.equals(a0, DataParallel.ReplicaTask.attemptSecret(run, 1)));
    assertFalse(java.util.Arrays.equals(a0, DataParallel.ReplicaTask.attemptSecret("other".getBytes(), 0)));
  }

  @Test
  void moreReplicasThanSlotsIsAClearError() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> shards = List.of(0, 1, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DataParallel.run(sc, shards, new DataParallel.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5),
            WireFormat.FP32, 100, Duration.ofSeconds(1)), (s, r) -> s));
    assertTrue(e.getMessage().contains("offers 2"), e.getMessage());
  }
}
