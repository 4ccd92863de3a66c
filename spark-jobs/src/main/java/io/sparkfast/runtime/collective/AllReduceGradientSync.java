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
 * <p>BatchNorm running statistics are not synchronized: each replica keeps its own (DDP's default). They only
 * affect evaluation, which the job runs on rank 0's copy.
 */
public final class AllReduceGradientSync implements GradientSync {

  private final Collective collective;
  private float[] buffer = new float[0];
  private long steps;

  /** Averages gradients through {@code collective}. */
  public AllReduceGradientSync(Collective collective) {
    this.collective = collective;
  }

  @Override
  public void sync(List<Parameter> parameters, Learner learner) {
    steps++;
    if (collective.size() == 1) {
      return;
    }
    long total = 0;
    for (Parameter p : parameters) {
      total += p.getArray().getShape().size();
    }
    if (buffer.length != total) {
      buffer = new float[Math.toIntExact(total)];
    }
    int off = 0;
    for (Parameter p : parameters) {
      try (NDArray g = p.getArray().getGradient()) {
        float[] v = g.toFloatArray();
        System.arraycopy(v, 0, buffer, off, v.length);
        off += v.length;
      }
    }
    collective.allReduceMean(buffer);
    off = 0;
    for (Parameter p : parameters) {
      try (NDArray g = p.getArray().getGradient()) {
        int n = Math.toIntExact(g.size());
        copyInto(g, buffer, off, n);
        off += n;
      }
    }
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
