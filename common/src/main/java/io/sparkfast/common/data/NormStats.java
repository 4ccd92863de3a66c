package io.sparkfast.common.data;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Per-channel normalization statistics for pixels in [0, 1]: {@code (x - mean) / std}.
 *
 * @param mean per-channel means
 * @param std per-channel standard deviations (all positive)
 */
public record NormStats(float[] mean, float[] std) implements Serializable {

  /** ImageNet's statistics, fastai's {@code imagenet_stats} (the default, right for pretrained RGB models). */
  public static final NormStats IMAGENET =
      new NormStats(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

  public NormStats {
    if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException(
          "NormStats needs one mean and one std per channel; got mean=" + Arrays.toString(mean) + " std="
              + Arrays.toString(std));
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("NormStats std must be positive; got " + Arrays.toString(std));
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** ImageNet's statistics. */
  public static NormStats imagenet() {
    return IMAGENET;
  }

  /** Identity normalization (mean 0, std 1) for {@code channels} channels. */
  public static NormStats identity(int channels) {
    float[] m = new float[channels];
    float[] s = new float[channels];
    Arrays.fill(s, 1f);
    return new NormStats(m, s);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** Number of channels. */
  public int channels() {
    return mean.length;
  }

  /** These statistics adapted to {@code channels}: 3-channel stats averaged down to 1 channel, 1 replicated to 3. */
  public NormStats forChannels(int channels) {
    if (channels == mean.length) {
      return this;
    }
    if (channels == 1) {
      float m = 0;
      float s = 0;
      for (int i = 0; i < mean.length; i++) {
        m += mean[i];
        s += std[i];
      }
      return new NormStats(new float[] {m / mean.length}, new float[] {s / mean.length});
    }
    if (mean.length == 1) {
      float[] m = new float[channels];
      float[] s = new float[channels];
      Arrays.fill(m, mean[0]);
      Arrays.fill(s, std[0]);
      return new NormStats(m, s);
    }
    throw new IllegalArgumentException(
        "Normalization stats have " + mean.length + " channels; cannot adapt them to " + channels);
  }

  /**
   * Computes per-channel mean and standard deviation over all pixels of {@code images} (fastai computes them
   * from a batch; this uses every given image), after converting each to {@code channels} channels.
   *
   * @throws IllegalArgumentException when the list is empty
   */
  public static NormStats compute(List<ImageSource> images, int channels, NDManager manager) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("Cannot compute normalization stats from zero images");
    }
    double[] sum = new double[channels];
    double[] sumSq = new double[channels];
    long n = 0;
    for (ImageSource src : images) {
      Image img = src.decode();
      try (NDManager sub = manager.newSubManager()) {
        NDArray hwc = ImageDecoder.toFloatHwc(img, sub, channels);
        float[] s = hwc.sum(new int[] {0, 1}).toFloatArray();
        float[] sq = hwc.square().sum(new int[] {0, 1}).toFloatArray();
        for (int c = 0; c < channels; c++) {
          sum[c] += s[c];
          sumSq[c] += sq[c];
        }
        n += (long) img.getWidth() * img.getHeight();
      }
    }
    float[] mean = new float[channels];
    float[] std = new float[channels];
    for (int c = 0; c < channels; c++) {
      double m = sum[c] / n;
      mean[c] = (float) m;
      std[c] = (float) Math.max(Math.sqrt(Math.max(sumSq[c] / n - m * m, 0)), 1e-6);
    }
    return new NormStats(mean, std);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NormStats n && Arrays.equals(n.mean, mean) && Arrays.equals(n.std, std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "NormStats[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
