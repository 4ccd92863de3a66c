package io.sparkfast.common.infer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtDeviceType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * oneDNN (MKLDNN) tensor layout for CPU inference with the PyTorch engine.
 *
 * <p>A batch handed to a convolutional network as an MKLDNN tensor stays in oneDNN's blocked layout through the
 * convolutions, batch norms and ReLUs, instead of being reordered from and back to NCHW around every convolution.
 * With libtorch 2.7 on CPU this makes a small CNN's forward pass 1.1-1.6x faster (docs/BENCHMARKS.md,
 * scripts/bench/forward_layout).
 * DJL only offers the layout through the JVM-wide property {@code ai.djl.pytorch.use_mkldnn}, which makes every
 * tensor MKLDNN and breaks ordinary array code (preprocessing, for one); this class converts just the model's input
 * and brings its outputs back to dense. Not every operator accepts MKLDNN tensors, so callers try it once per model
 * and fall back ({@link Mode#AUTO}, see {@link BatchPredictor#oneDnn}). The gain is TorchScript's: the whole graph
 * runs inside libtorch on blocked tensors. A DJL block model calls libtorch operator by operator, and there the layout
 * measured slower (a sparkfast ResNet-18 at 96 px: 107-112 against 128-135 images/s), so AUTO leaves those dense.
 */
public final class OneDnn {

  /** When to use the layout. */
  public enum Mode {
    /**
     * For TorchScript models ({@link ai.djl.nn.SymbolBlock}s): try it on the first batch and keep it only if it runs
     * and gives the dense result (within {@link #TOLERANCE}). Other models stay dense.
     */
    AUTO,
    /** Always (errors propagate). */
    ON,
    /** Never: dense NCHW tensors, DJL's default. */
    OFF;

    /** Parses {@code auto}, {@code on} or {@code off} (any case); the message lists the valid values. */
    public static Mode parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("onednn must be auto, on or off; got \"" + s + "\"", e);
      }
    }
  }

  /** PyTorch's layout code for MKLDNN tensors in DJL's JNI ({@code JniUtils.layoutMapper}). */
  private static final int MKLDNN_LAYOUT = 2;

  private static final Object LIB;
  private static final Method FROM_BLOB;
  private static final Throwable UNAVAILABLE;

  static {
    Object lib = null;
    Method fromBlob = null;
    Throwable why = null;
    try {
      // DJL keeps its JNI bindings package-private; torchFromBlob takes the layout that JniUtils maps from the
      // JVM-wide property, so it is called directly here (same unnamed module: no --add-opens needed).
      Class<?> c = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
      Field f = c.getDeclaredField("LIB");
      f.setAccessible(true);
      lib = f.get(null);
      fromBlob = c.getDeclaredMethod("torchFromBlob", ByteBuffer.class, long[].class, int.class, int.class,
          int[].class, boolean.class);
      fromBlob.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      why = e;
    }
    LIB = lib;
    FROM_BLOB = fromBlob;
    UNAVAILABLE = why;
  }

  private OneDnn() {}

  /** Whether this DJL build exposes what the conversion needs (the reason is in {@link #unavailableReason}). */
  public static boolean available() {
    return UNAVAILABLE == null;
  }

  /** Why the layout is unavailable, or null. */
  public static String unavailableReason() {
    return UNAVAILABLE == null ? null : UNAVAILABLE.toString();
  }

  /** Whether {@code array} is an MKLDNN tensor. */
  public static boolean isOneDnn(NDArray array) {
    return array instanceof PtNDArray pt && JniUtils.getLayout(pt) == MKLDNN_LAYOUT;
  }

  /**
   * An MKLDNN copy of a dense CPU float tensor, attached to {@code manager}.
   *
   * @throws IllegalArgumentException for a GPU tensor or a non-PyTorch manager
   * @throws IllegalStateException when the layout is unavailable or PyTorch refuses the conversion
   */
  public static NDArray toOneDnn(NDArray dense, NDManager manager) {
    if (!available()) {
      throw new IllegalStateException("the oneDNN layout is unavailable in this DJL build: " + unavailableReason());
    }
    if (!(manager instanceof PtNDManager pt)) {
      throw new IllegalArgumentException("oneDNN tensors need the PyTorch engine; got " + manager.getEngine());
    }
    if (!dense.getDevice().equals(Device.cpu())) {
      throw new IllegalArgumentException("oneDNN tensors are CPU only; got a tensor on " + dense.getDevice());
    }
    // a direct view of the tensor's memory when it is contiguous (no copy; the JNI side copies into the new layout)
    ByteBuffer data = dense.toByteBuffer(true);
    if (!data.isDirect()) {
      ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
      direct.put(data).flip();
      data = direct;
    }
    Device cpu = Device.cpu();
    try {
      long handle = (long) FROM_BLOB.invoke(LIB, data, dense.getShape().getShape(), dense.getDataType().ordinal(),
          MKLDNN_LAYOUT, new int[] {PtDeviceType.toDeviceType(cpu), cpu.getDeviceId()}, false);
      // the JNI side copies for this layout (to_mkldnn), as DJL's own createNdFromByteBuffer relies on
      return new PtNDArray(pt, handle);
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("PyTorch could not make a oneDNN tensor: " + cause.getMessage(), cause);
    }
  }

  /** {@code array} itself if dense, else a dense copy attached to the same manager. */
  public static NDArray toDense(NDArray array) {
    return isOneDnn(array) ? JniUtils.toDense((PtNDArray) array) : array;
  }

  /** How far apart two results may be, relative to the largest magnitude (at least 1), to count as the same. */
  public static final double TOLERANCE = 1e-3;

  /**
   * The largest absolute difference between {@code dense} and {@code candidate}, divided by the largest magnitude
   * in {@code dense} (or 1 if that is smaller); infinite when the shapes differ.
   */
  public static double relativeDifference(NDArray dense, NDArray candidate) {
    if (!dense.getShape().equals(candidate.getShape())) {
      return Double.POSITIVE_INFINITY;
    }
    float[] a = dense.toFloatArray();
    float[] b = candidate.toFloatArray();
    double scale = 1;
    double diff = 0;
    for (int i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(a[i]));
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
    }
    return diff / scale;
  }

  /**
   * A one-line reason from an engine error: the line naming MKLDNN if there is one (TorchScript's interpreter puts
   * the operator's own message last), else the first line.
   */
  static String reason(Throwable e) {
    String msg = e.getMessage();
    if (msg == null) {
      return e.toString();
    }
    return msg.lines().filter(l -> l.toLowerCase(Locale.ROOT).contains("mkldnn")).map(String::trim).findFirst()
        .orElse(msg.lines().findFirst().orElse(""));
  }
}
