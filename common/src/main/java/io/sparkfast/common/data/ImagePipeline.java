package io.sparkfast.common.data;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Applies an {@link ImagePipelineConfig} to decoded images: the validation path (deterministic) and the
 * seeded training path (random item crop, affine flip/rotate/zoom, lighting). Both return a normalized CHW
 * float32 array of shape (channels, size, size) attached to the caller's manager; intermediates are freed.
 *
 * <p>Training randomness comes only from the {@code itemSeed} argument: the same image and seed give the
 * same output, on any machine. {@link #itemSeed} derives per-item, per-pass seeds from a run seed.
 */
public final class ImagePipeline implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ImagePipelineConfig config;

  /** A pipeline for {@code config}. */
  public ImagePipeline(ImagePipelineConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The configuration. */
  public ImagePipelineConfig config() {
    return config;
  }

  /** The validation/inference tensor of {@code image}: (channels, size, size), normalized. */
  public NDArray valid(Image image, NDManager manager) {
    try (NDManager sub = manager.newSubManager()) {
      NDArray chw = ImageOps.toChw(ImageDecoder.toFloatHwc(image, sub, config.channels()));
      NDArray out = ImageOps.normalize(validGeometry(chw), config.norm());
      out.attach(manager);
      return out;
    }
  }

  /**
   * The validation tensors of a batch: (n, channels, size, size), normalized, equal to stacking {@link #valid} of
   * each image. Images of the same height and width share one geometry, so they are converted, resampled and
   * normalized together (a handful of engine calls per batch instead of per image); mixed sizes are processed per
   * size group and put back in input order.
   */
  public NDArray validBatch(List<Image> images, NDManager manager) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("validBatch needs at least one image");
    }
    Map<Long, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < images.size(); i++) {
      long key = ((long) images.get(i).getHeight() << 32) | images.get(i).getWidth();
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    try (NDManager sub = manager.newSubManager()) {
      NDArray out;
      if (groups.size() == 1) {
        out = validGroup(images, sub);
      } else {
        NDArray[] rows = new NDArray[images.size()];
        for (List<Integer> idx : groups.values()) {
          NDArray g = validGroup(idx.stream().map(images::get).toList(), sub);
          for (int k = 0; k < idx.size(); k++) {
            rows[idx.get(k)] = g.get(k);
          }
        }
        out = NDArrays.stack(new NDList(rows));
      }
      out.attach(manager);
      return out;
    }
  }

  /** {@link #validBatch} of images that all have the same height and width. */
  private NDArray validGroup(List<Image> images, NDManager m) {
    int c = config.channels();
    NDList hwc = new NDList(images.size());
    for (Image image : images) {
      hwc.add(ImageDecoder.toUint8Hwc(image, m, c));
    }
    NDArray nhwc = NDArrays.stack(hwc).toType(DataType.FLOAT32, false).div(255f);
    long n = images.size();
    long h = nhwc.getShape().get(1);
    long w = nhwc.getShape().get(2);
    // every image gets the same geometry: treat the batch's channels as one (n * c, h, w) image
    NDArray geo = validGeometry(nhwc.transpose(0, 3, 1, 2).reshape(n * c, h, w));
    NDArray nchw = geo.reshape(n, c, config.size(), config.size());
    NormStats stats = config.norm();
    NDArray mean = m.create(stats.mean(), new Shape(1, c, 1, 1));
    NDArray std = m.create(stats.std(), new Shape(1, c, 1, 1));
    return nchw.sub(mean).div(std);
  }

  /** The training tensor of {@code image} for {@code itemSeed}: (channels, size, size), normalized. */
  public NDArray train(Image image, NDManager manager, long itemSeed) {
    try (NDManager sub = manager.newSubManager()) {
      NDArray chw = ImageOps.toChw(ImageDecoder.toFloatHwc(image, sub, config.channels()));
      NDArray out = ImageOps.normalize(trainUnnormalized(chw, itemSeed), config.norm());
      out.attach(manager);
      return out;
    }
  }

  /**
   * The validation geometry (item transform, then resample to the final size) of a CHW [0, 1] image,
   * before normalization.
   */
  public NDArray validGeometry(NDArray chw) {
    int presize = config.presize();
    NDArray item;
    if (config.itemCrop() == ItemCrop.RESIZE) {
      item = ImageOps.resize(chw, presize, config.resizeMethod(), config.resizePadMode(), 0.5, 0.5);
    } else {
      int xtra = (int) Math.ceil(presize * 0.14 / 8) * 8;
      NDArray squished = ImageOps.resize(chw, presize + xtra, presize + xtra);
      item = ImageOps.cropPad(squished, new CropBox(xtra / 2, xtra / 2, presize, presize), PadMode.ZEROS);
    }
    if (presize == config.size()) {
      return item;
    }
    return ImageOps.affine(item, IDENTITY, config.size(), config.size(), config.aug().padMode());
  }

  /** The training path of a CHW [0, 1] image before normalization. */
  public NDArray trainUnnormalized(NDArray chw, long itemSeed) {
    RandomGenerator rng = new SplittableRandom(itemSeed);
    int presize = config.presize();
    AugConfig aug = config.aug();
    NDArray item;
    if (config.itemCrop() == ItemCrop.RESIZE) {
      double pctY = config.resizeMethod() == ResizeMethod.SQUISH ? 0.5 : rng.nextDouble();
      double pctX = config.resizeMethod() == ResizeMethod.SQUISH ? 0.5 : rng.nextDouble();
      item = ImageOps.resize(chw, presize, config.resizeMethod(), config.resizePadMode(), pctY, pctX);
    } else {
      CropBox box = ImageOps.randomResizedCropBox(ImageOps.height(chw), ImageOps.width(chw),
          config.rrcMinScale(), 1.0, 3.0 / 4, 4.0 / 3, rng);
      item = ImageOps.resize(ImageOps.cropPad(chw, box, PadMode.ZEROS), presize, presize);
    }
    if (aug.minScale() < 1) {
      CropBox box = ImageOps.randomResizedCropBox(presize, presize, aug.minScale(), 1.0, 1, 1, rng);
      item = ImageOps.cropPad(item, box, PadMode.ZEROS);
    }
    AffineDraw affine = drawAffine(rng);
    double[] theta = affine.theta(ImageOps.height(item), ImageOps.width(item));
    NDArray geo;
    if (isIdentity(theta) && ImageOps.height(item) == config.size() && ImageOps.width(item) == config.size()) {
      geo = item;
    } else {
      geo = ImageOps.affine(item, theta, config.size(), config.size(), aug.padMode());
    }
    LightingDraw light = drawLighting(rng);
    return ImageOps.lighting(geo, light.brightness(), light.contrast());
  }

  /**
   * Draws the flip/rotate/zoom parameters as fastai does per item: flip with probability 0.5 (when enabled),
   * rotation uniform in +-maxRotate with probability pAffine, zoom uniform in [minZoom, maxZoom] with
   * probability pAffine and a uniformly drawn zoom centre.
   */
  public AffineDraw drawAffine(RandomGenerator rng) {
    AugConfig a = config.aug();
    boolean flip = a.doFlip() && rng.nextDouble() < 0.5;
    double deg = 0;
    if (a.maxRotate() > 0 && a.pAffine() > 0 && rng.nextDouble() < a.pAffine()) {
      deg = -a.maxRotate() + 2 * a.maxRotate() * rng.nextDouble();
    }
    double zoom = 1;
    double colPct = 0.5;
    double rowPct = 0.5;
    if (a.maxZoom() > 1 || a.minZoom() < 1) {
      if (a.pAffine() > 0 && rng.nextDouble() < a.pAffine()) {
        zoom = a.minZoom() + (a.maxZoom() - a.minZoom()) * rng.nextDouble();
      }
      colPct = rng.nextDouble();
      rowPct = rng.nextDouble();
    }
    return new AffineDraw(flip, deg, zoom, colPct, rowPct);
  }

  /**
   * Draws brightness (uniform in 0.5 * (1 +- maxLighting), else 0.5) and contrast (log-uniform in
   * [1 - maxLighting, 1 / (1 - maxLighting)], else 1), each with probability pLighting.
   */
  public LightingDraw drawLighting(RandomGenerator rng) {
    AugConfig a = config.aug();
    double b = 0.5;
    double c = 1;
    if (a.hasLighting()) {
      double ml = a.maxLighting();
      if (rng.nextDouble() < a.pLighting()) {
        b = 0.5 * (1 - ml) + ml * rng.nextDouble();
      }
      if (rng.nextDouble() < a.pLighting()) {
        double lo = Math.log(1 - ml);
        c = Math.exp(lo + (-2 * lo) * rng.nextDouble());
      }
    }
    return new LightingDraw(b, c);
  }

  private static final double[] IDENTITY = {1, 0, 0, 0, 1, 0};

  private static boolean isIdentity(double[] t) {
    for (int i = 0; i < 6; i++) {
      if (t[i] != IDENTITY[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * A per-item seed for one pass over the data: SplitMix64 mixing of the run seed, the item index and the
   * pass (epoch or TTA round) number.
   */
  public static long itemSeed(long seed, long index, long pass) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    h = mix(h ^ (index * 0xBF58476D1CE4E5B9L + 0x632BE59BD9B4E019L));
    return mix(h ^ (pass * 0x94D049BB133111EBL + 0x2545F4914F6CDD1DL));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * One draw of fastai's affine augmentations.
   *
   * @param flip horizontal flip
   * @param degrees rotation in degrees
   * @param zoom zoom factor (>= 1 zooms in)
   * @param colPct horizontal zoom centre in [0, 1]
   * @param rowPct vertical zoom centre in [0, 1]
   */
  public record AffineDraw(boolean flip, double degrees, double zoom, double colPct, double rowPct) {

    /**
     * The 2x3 sampling matrix {@code flip @ rotate @ zoom}, aspect-corrected for an {@code h x w} input as
     * fastai's {@code _prepare_mat}.
     */
    public double[] theta(int h, int w) {
      double f = flip ? -1 : 1;
      double t = Math.toRadians(degrees);
      double cos = Math.cos(t);
      double sin = Math.sin(t);
      double s = 1 / zoom;
      double cc = (1 - s) * (2 * colPct - 1);
      double rc = (1 - s) * (2 * rowPct - 1);
      // F = [[f,0,0],[0,1,0]], R = [[cos, sin, 0], [-sin, cos, 0]], Z = [[s,0,cc],[0,s,rc]]
      double r00 = f * cos;
      double r01 = f * sin;
      double r10 = -sin;
      double r11 = cos;
      double m00 = r00 * s;
      double m01 = r01 * s;
      double m02 = r00 * cc + r01 * rc;
      double m10 = r10 * s;
      double m11 = r11 * s;
      double m12 = r10 * cc + r11 * rc;
      return new double[] {m00, m01 * h / w, m02, m10 * w / h, m11, m12};
    }
  }

  /**
   * One draw of fastai's lighting augmentations.
   *
   * @param brightness target mean in (0, 1); 0.5 is no change
   * @param contrast logit scale; 1 is no change
   */
  public record LightingDraw(double brightness, double contrast) {}
}
