package io.sparkfast.runtime;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's intra-op thread count on executors. libtorch defaults to one thread per core of the machine, per
 * process; an executor that runs several tasks at once (or shares a node with other executors) then runs
 * {@code tasks x cores} busy threads on {@code cores} cores, and every task slows down. On cluster executors each
 * task therefore gets the cores Spark gave it ({@code spark.task.cpus}, 1 by default): an executor with 4 cores runs
 * 4 tasks of 1 thread, or one 4-thread task with {@code spark.task.cpus=4} (the GPU defaults do that).
 *
 * <p>Overrides, in order: {@code -Dai.djl.pytorch.num_threads} (DJL's own property, set through
 * {@code spark.executor.extraJavaOptions}); Spark conf {@code spark.sparkfast.torch.threads}. In local mode (tasks
 * in the driver JVM) libtorch's default is kept unless one of them is set.
 */
public final class EngineThreads {

  private static final Logger logger = LoggerFactory.getLogger(EngineThreads.class);
  /** Spark conf key: intra-op threads per task on executors (0 = spark.task.cpus). */
  public static final String CONF = "spark.sparkfast.torch.threads";

  private static volatile int applied = -1;

  private EngineThreads() {}

  /** Sets the thread count for the current task's process; call after the engine is loaded, from a task. */
  public static void configureForTask() {
    if (System.getProperty("ai.djl.pytorch.num_threads") != null) {
      return; // DJL applied it at engine start
    }
    SparkEnv env = SparkEnv.get();
    TaskContext tc = TaskContext.get();
    if (env == null || tc == null) {
      return;
    }
    int configured = env.conf().getInt(CONF, 0);
    boolean local = "driver".equals(env.executorId());
    if (local && configured <= 0) {
      return;
    }
    int threads = configured > 0 ? configured : Math.max(1, tc.cpus());
    if (applied != threads) {
      synchronized (EngineThreads.class) {
        if (applied != threads) {
          ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
          applied = threads;
          logger.info("PyTorch intra-op threads: {} (executor {}, {} cpus per task)", threads, env.executorId(),
              tc.cpus());
        }
      }
    }
  }
}
