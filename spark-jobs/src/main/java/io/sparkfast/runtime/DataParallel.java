package io.sparkfast.runtime;

import io.sparkfast.runtime.collective.Collective;
import io.sparkfast.runtime.collective.RingCollective;
import io.sparkfast.runtime.collective.WireFormat;
import java.io.Serializable;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs N replicas of a function in one Spark barrier stage (all N tasks start together or not at all), each with
 * its shard and a connected {@link Collective}: the replicas bind a socket, exchange addresses with
 * {@link BarrierTaskContext#allGather}, and join a TCP ring authenticated by a secret the driver generates per run.
 *
 * <p>When any replica fails (an exception, a killed executor, a stalled peer hitting its timeout), Spark fails the
 * whole barrier stage and runs it again (up to {@code spark.stage.maxConsecutiveAttempts}); the function sees the
 * attempt number and resumes from its checkpoints.
 */
public final class DataParallel {

  private static final Logger logger = LoggerFactory.getLogger(DataParallel.class);

  private DataParallel() {}

  /**
   * Transport settings.
   *
   * @param connectTimeout deadline to connect and authenticate the ring
   * @param opTimeout deadline of every send and receive
   * @param wire fp32 or bf16 on the wire
   * @param bucketFloats values per all-reduce bucket
   * @param slotWait how long to wait for enough executor slots before failing
   */
  public record Settings(Duration connectTimeout, Duration opTimeout, WireFormat wire, int bucketFloats,
      Duration slotWait) implements Serializable {}

  /** What a replica is given. */
  public record Replica(int rank, int size, int stageAttempt, Collective collective, String device) {}

  /** The per-replica function. */
  @FunctionalInterface
  public interface ReplicaFn<S, T> extends Serializable {
    /** Runs replica {@code replica.rank()} on {@code shard}. */
    T run(S shard, Replica replica) throws Exception;
  }

  /**
   * Runs {@code fn} on every shard as one barrier stage and returns the results by rank.
   *
   * @throws IllegalArgumentException when the cluster has fewer task slots than shards (after waiting
   *     {@code slotWait} for executors to register), naming the slots found
   */
  public static <S extends Serializable, T> List<T> run(JavaSparkContext sc, List<S> shards, Settings settings,
      ReplicaFn<S, T> fn) {
    int n = shards.size();
    requireSlots(sc, n, settings.slotWait());
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    JavaRDD<S> rdd = sc.parallelize(shards, n);
    ClassTag<Object[]> tag = ClassTag$.MODULE$.apply(Object[].class);
    // The shuffle after the barrier stage makes it a ShuffleMapStage, which Spark re-runs as a whole when a replica
    // fails (a barrier ResultStage that returned some results cannot be retried).
    List<Object[]> ranked = rdd.rdd().barrier().mapPartitions(new ReplicaTask<>(fn, settings, secret, n), false, tag)
        .toJavaRDD().repartition(1).collect();
    @SuppressWarnings("unchecked")
    T[] out = (T[]) new Object[n];
    for (Object[] r : ranked) {
      @SuppressWarnings("unchecked")
      T value = (T) r[1];
      out[(Integer) r[0]] = value;
    }
    return Arrays.asList(out);
  }

  /** Task slots the cluster offers now (executors x cores / task cpus), or -1 when unknown. */
  public static int slots(JavaSparkContext sc) {
    try {
      return sc.sc().maxNumConcurrentTasks(sc.sc().resourceProfileManager().defaultResourceProfile());
    } catch (RuntimeException | LinkageError e) {
      return -1;
    }
  }

  static void requireSlots(JavaSparkContext sc, int n, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    int slots = slots(sc);
    while (slots >= 0 && slots < n && System.nanoTime() < deadline) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      slots = slots(sc);
    }
    if (slots >= 0 && slots < n) {
      int executors = Math.max(0, sc.sc().statusTracker().getExecutorInfos().length - (sc.isLocal() ? 0 : 1));
      throw new IllegalArgumentException("replicas = " + n + " needs " + n + " concurrent task slots, but the cluster"
          + " offers " + slots + " (master " + sc.master() + ", " + executors + " executor(s), spark.task.cpus="
          + sc.getConf().get("spark.task.cpus", "1") + ") after waiting " + wait.toSeconds() + " s; lower"
          + " distributed.replicas or add executors");
    }
  }

  /** The barrier task: ring setup, then the replica function. */
  static final class ReplicaTask<S, T>
      extends AbstractFunction1<scala.collection.Iterator<S>, scala.collection.Iterator<Object[]>>
      implements Serializable {
    private final ReplicaFn<S, T> fn;
    private final Settings settings;
    private final byte[] secret;
    private final int n;

    ReplicaTask(ReplicaFn<S, T> fn, Settings settings, byte[] secret, int n) {
      this.fn = fn;
      this.settings = settings;
      this.secret = secret;
      this.n = n;
    }

    @Override
    public scala.collection.Iterator<Object[]> apply(scala.collection.Iterator<S> it) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int rank = ctx.partitionId();
      Iterator<S> items = CollectionConverters.asJava(it);
      S shard = items.next();
      String host = SparkEnv.get().blockManager().blockManagerId().host();
      String device = device(CollectionConverters.asJava(ctx.resources()));
      logger.info("Replica {}/{} (stage attempt {}) on {} device {}", rank, n, ctx.stageAttemptNumber(), host, device);
      try (RingCollective.Server server = RingCollective.Server.bind(host)) {
        List<String> peers = Arrays.asList(ctx.allGather(server.address()));
        byte[] ringSecret = attemptSecret(secret, ctx.stageAttemptNumber());
        try (Collective c = RingCollective.connect(server, peers, rank, ringSecret, settings.connectTimeout(),
            settings.opTimeout(), settings.wire(), settings.bucketFloats())) {
          T result = fn.run(shard, new Replica(rank, n, ctx.stageAttemptNumber(), c, device));
          List<Object[]> one = new ArrayList<>();
          one.add(new Object[] {rank, result});
          return CollectionConverters.asScala(one.iterator());
        }
      } catch (RuntimeException e) {
        logger.error("Replica {}/{} failed", rank, n, e);
        throw e;
      } catch (Exception e) {
        logger.error("Replica {}/{} failed", rank, n, e);
        throw new RuntimeException("replica " + rank + " failed: " + e.getMessage(), e);
      }
    }

    /**
     * The ring's secret for one stage attempt: SHA-256 of the run's secret and the attempt number, so that a task
     * left over from a failed attempt (still retrying its connect) can never join the next attempt's ring.
     */
    static byte[] attemptSecret(byte[] secret, int stageAttempt) {
      try {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update(secret);
        sha.update(java.nio.ByteBuffer.allocate(4).putInt(stageAttempt).array());
        return sha.digest();
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
      }
    }

  }

  /** The task's GPU (spark.task.resource.gpu.amount) as {@code gpu:N}, or {@code cpu}. */
  public static String device(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources == null ? null : resources.get("gpu");
    if (gpu != null && gpu.addresses().length > 0) {
      return "gpu:" + gpu.addresses()[0];
    }
    return "cpu";
  }

  /** The DJL device of a {@link #device} name ({@code gpu:N} or {@code cpu}). */
  public static ai.djl.Device djlDevice(String device) {
    return device.startsWith("gpu:") ? ai.djl.Device.gpu(Integer.parseInt(device.substring(4))) : ai.djl.Device.cpu();
  }
}
