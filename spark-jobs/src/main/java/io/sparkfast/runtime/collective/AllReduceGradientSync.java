package io.sparkfast.runtime.collective;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.sparkfast.common.train.GradientSync;
import io.sparkfast.common.train.Learner;
import java.util.List;

/**
 * Synchronous data-parallel SGD for the vision core's {@link Learner}: after each backward pass, every trainable
 * parameter's gradient is replaced by its mean over the replicas (one flat buffer, all-reduced in buckets), so the
 * optimizer takes the same step everywhere and the replicas stay identical, the same math as PyTorch DDP.
 *
 * <p>BatchNorm: each replica normalizes its training batches with its own batch statistics (DDP's default; a
 * cross-replica SyncBatchNorm would need a collective inside autograd's backward pass, which DJL cannot hook). The
 * running statistics that evaluation and the exported model use are handled by {@link BatchNormStats}: with
 * {@link BatchNormStats#AVERAGE} they are averaged over the replicas at every optimizer step, in the same
 * all-reduce as the gradients, so the replicas stay identical in every parameter and buffer, and per-epoch
 * validation on the shards measures one model; with {@link BatchNormStats#LOCAL} each replica keeps its own.
 */
public final class AllReduceGradientSync implements GradientSync {

  /** What happens to BatchNorm running statistics (running mean and variance) across replicas. */
  public enum BatchNormStats {
    /** Averaged over the replicas at every optimizer step: all replicas hold the same statistics. */
    AVERAGE,
    /** Each replica keeps the statistics of its own shard; rank 0's are exported. */
    LOCAL;

    /** Parses {@code average} or {@code local} (case-insensitive). */
    public static BatchNormStats parse(String s) {
      for (BatchNormStats m : values()) {
        if (m.name().equalsIgnoreCase(s)) {
          return m;
        }
      }
      throw new IllegalArgumentException("distributed.batchnorm must be average or local but is '" + s + "'");
    }
  }

  private final Collective collective;
  private final BatchNormStats batchNorm;
  private List<Parameter> runningStats;
  private float[] buffer = new float[0];
  private long steps;

  /** Averages gradients, and BatchNorm running statistics, through {@code collective}. */
  public AllReduceGradientSync(Collective collective) {
    this(collective, BatchNormStats.AVERAGE);
  }

  /** Averages gradients through {@code collective}; BatchNorm running statistics as {@code batchNorm} says. */
  public AllReduceGradientSync(Collective collective, BatchNormStats batchNorm) {
    this.collective = collective;
    this.batchNorm = batchNorm;
  }

  @Override
  public void sync(List<Parameter> parameters, Learner learner) {
    steps++;
    if (collective.size() == 1) {
      return;
    }
    // without a learner (a bare gradient exchange) there is no block whose statistics could be averaged
    List<Parameter> stats = learner == null ? List.of() : runningStats(learner.block());
    long total = java.util.stream.Stream.concat(parameters.stream(), stats.stream())
        .mapToLong(p -> p.getArray().getShape().size()).sum();
    if (buffer.length != total) {
      buffer = new float[Math.toIntExact(total)];
    }
    int off = 0;
    for (Parameter p : parameters) {
      try (NDArray g = p.getArray().getGradient()) {
        off = append(g, off);
      }
    }
    for (Parameter p : stats) {
      off = append(p.getArray(), off);
    }
    collective.allReduceMean(buffer);
    off = 0;
    for (Parameter p : parameters) {
      try (NDArray g = p.getArray().getGradient()) {
        off = restore(g, off);
      }
    }
    for (Parameter p : stats) {
      off = restore(p.getArray(), off);
    }
  }

  /** Copies {@code a} into the buffer at {@code off}; returns the offset after it. */
  private int append(NDArray a, int off) {
    float[] v = a.toFloatArray();
    System.arraycopy(v, 0, buffer, off, v.length);
    return off + v.length;
  }

  /** Copies the buffer at {@code off} back into {@code a}'s storage; returns the offset after it. */
  private int restore(NDArray a, int off) {
    int n = Math.toIntExact(a.size());
    copyInto(a, buffer, off, n);
    return off + n;
  }

  /**
   * The block's BatchNorm running means and variances when they are averaged, else none. A TorchScript model's
   * buffers are not DJL parameters, so they stay local.
   */
  private List<Parameter> runningStats(ai.djl.nn.Block block) {
    if (runningStats == null) {
      List<Parameter> found = new java.util.ArrayList<>();
      if (batchNorm == BatchNormStats.AVERAGE) {
        for (ai.djl.util.Pair<String, Parameter> p : block.getParameters()) {
          Parameter.Type t = p.getValue().getType();
          if (t == Parameter.Type.RUNNING_MEAN || t == Parameter.Type.RUNNING_VAR) {
            found.add(p.getValue());
          }
        }
      }
      runningStats = List.copyOf(found);
    }
    return runningStats;
  }

  /**
   * Makes every replica start from rank {@code root}'s parameters (BatchNorm statistics included), as DDP does at
   * construction, so replicas initialized with different random draws are identical.
   */
  public static void broadcastParameters(ai.djl.nn.Block block, Collective collective, int root) {
    if (collective.size() == 1) {
      return;
    }
    for (ai.djl.util.Pair<String, Parameter> p : block.getParameters()) {
      NDArray a = p.getValue().getArray();
      float[] v = a.toFloatArray();
      collective.broadcast(v, root);
      copyInto(a, v);
    }
  }

  /**
   * Copies {@code values} into {@code target}'s own storage (PyTorch {@code copy_}). Not {@code NDArray.set(Buffer)}:
   * that makes the tensor point at a Java direct buffer owned by the wrapper, and a gradient wrapper is closed right
   * after use, which would leave the parameter's gradient pointing at freed memory.
   */
  static void copyInto(NDArray target, float[] values) {
    copyInto(target, values, 0, values.length);
  }

  /** {@link #copyInto(NDArray, float[])} from {@code values[from, from + count)}. */
  static void copyInto(NDArray target, float[] values, int from, int count) {
    // an in-place write into a parameter must not be recorded by autograd (grad mode is thread-local in PyTorch
    // and on by default in new threads such as Spark's task threads)
    boolean grad = ai.djl.pytorch.jni.JniUtils.isGradMode();
    ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    try (NDArray src = target.getManager().create(java.nio.FloatBuffer.wrap(values, from, count).slice(),
        target.getShape())) {
      target.set(new ai.djl.ndarray.index.NDIndex("..."), src);
    } finally {
      ai.djl.pytorch.jni.JniUtils.setGradMode(grad);
    }
  }

  /** Optimizer steps synchronized so far. */
  public long steps() {
    return steps;
  }
}
