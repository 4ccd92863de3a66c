package io.sparkfast.common.data;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.random.RandomGenerator;

/**
 * Image operations on CHW float32 NDArrays with values in [0, 1], written with NDArray ops (no per-pixel Java
 * loops): crop/pad with a padding mode, resizing (area filter when shrinking, bilinear otherwise), fastai's
 * {@code Resize} and {@code RandomResizedCrop} geometry, an affine bilinear resampler equivalent to PyTorch's
 * {@code affine_grid} + {@code grid_sample(align_corners=True)} with zeros/border/reflection padding, fastai's
 * logit-space brightness/contrast, and normalization.
 *
 * <p>Results live in the input array's manager; callers wrap calls in a sub-manager.
 */
public final class ImageOps {

  private ImageOps() {}

  /** HWC to CHW. */
  public static NDArray toChw(NDArray hwc) {
    return hwc.transpose(2, 0, 1);
  }

  /** Height of a CHW image. */
  public static int height(NDArray chw) {
    return (int) chw.getShape().get(1);
  }

  /** Width of a CHW image. */
  public static int width(NDArray chw) {
    return (int) chw.getShape().get(2);
  }

  /**
   * Crops {@code box} out of the image; parts of the box outside the image are filled per {@code mode}
   * (reflection mirrors about the edge pixels, as numpy/torchvision {@code reflect}).
   */
  public static NDArray cropPad(NDArray chw, CropBox box, PadMode mode) {
    int h = height(chw);
    int w = width(chw);
    if (box.top() >= 0 && box.left() >= 0 && box.top() + box.height() <= h && box.left() + box.width() <= w) {
      return chw.get(new NDIndex(":, {}:{}, {}:{}", box.top(), box.top() + box.height(), box.left(),
          box.left() + box.width()));
    }
    NDManager m = chw.getManager();
    long[] rows = new long[box.height()];
    float[] rowOk = new float[box.height()];
    for (int i = 0; i < rows.length; i++) {
      int r = box.top() + i;
      rowOk[i] = r >= 0 && r < h ? 1f : 0f;
      rows[i] = mapIndex(r, h, mode);
    }
    long[] cols = new long[box.width()];
    float[] colOk = new float[box.width()];
    for (int j = 0; j < cols.length; j++) {
      int c = box.left() + j;
      colOk[j] = c >= 0 && c < w ? 1f : 0f;
      cols[j] = mapIndex(c, w, mode);
    }
    NDArray flat = m.create(rows).reshape(-1, 1).mul(w).add(m.create(cols).reshape(1, -1)); // (bh, bw)
    NDArray out = gather(chw, flat.reshape(-1)).reshape(chw.getShape().get(0), box.height(), box.width());
    if (mode == PadMode.ZEROS) {
      NDArray mask = m.create(rowOk).reshape(-1, 1).mul(m.create(colOk).reshape(1, -1));
      out = out.mul(mask.expandDims(0));
    }
    return out;
  }

  private static long mapIndex(int i, int n, PadMode mode) {
    if (i >= 0 && i < n) {
      return i;
    }
    switch (mode) {
      case REFLECTION:
        if (n == 1) {
          return 0;
        }
        int period = 2 * (n - 1);
        int k = Math.floorMod(i, period);
        return k < n ? k : period - k;
      case BORDER:
      case ZEROS:
      default:
        return Math.min(Math.max(i, 0), n - 1);
    }
  }

  /**
   * Gathers pixels at flat (row * width + col) indices for every channel.
   *
   * @param chw (C, H, W) image
   * @param flatIndex int64 indices of shape (N)
   * @return (C, N)
   */
  private static NDArray gather(NDArray chw, NDArray flatIndex) {
    long c = chw.getShape().get(0);
    long hw = chw.getShape().get(1) * chw.getShape().get(2);
    NDManager m = chw.getManager();
    NDArray offsets = m.arange(0L, c * hw, hw).reshape(-1, 1); // (C, 1)
    NDArray idx = offsets.add(flatIndex.toType(DataType.INT64, false).reshape(1, -1));
    return chw.take(idx);
  }

  /**
   * Resizes (stretches) to {@code h x w}: an area filter when shrinking in both directions (an antialiased
   * downscale, as PIL's resize gives), bilinear otherwise.
   */
  public static NDArray resize(NDArray chw, int h, int w) {
    if (height(chw) == h && width(chw) == w) {
      return chw;
    }
    Image.Interpolation interp = h <= height(chw) && w <= width(chw)
        ? Image.Interpolation.AREA
        : Image.Interpolation.BILINEAR;
    NDArray hwc = chw.transpose(1, 2, 0);
    return NDImageUtils.resize(hwc, w, h, interp).transpose(2, 0, 1);
  }

  /**
   * fastai's {@code Resize(size, method)} to a square: CROP takes the largest centred-at-{@code pct} square,
   * PAD pads to a square (filled per {@code padMode}), SQUISH stretches; then resizes to {@code size}.
   *
   * @param pctY vertical crop position in [0, 1] (0.5 = centre; random in training)
   * @param pctX horizontal crop position in [0, 1]
   */
  public static NDArray resize(NDArray chw, int size, ResizeMethod method, PadMode padMode, double pctY,
      double pctX) {
    int h = height(chw);
    int w = width(chw);
    if (method == ResizeMethod.SQUISH) {
      return resize(chw, size, size);
    }
    // fastai: m = w/size if op(w/size, h/size) else h/size, op = lt for crop, gt for pad (square target)
    boolean widthRatio = method == ResizeMethod.CROP ? w < h : w > h;
    double ratio = widthRatio ? (double) w / size : (double) h / size;
    int cw = Math.max(1, (int) (ratio * size));
    int ch = cw;
    int top = (int) (pctY * (h - ch));
    int left = (int) (pctX * (w - cw));
    NDArray cropped = cropPad(chw, new CropBox(top, left, ch, cw), padMode);
    return resize(cropped, size, size);
  }

  /**
   * fastai/torchvision {@code RandomResizedCrop} geometry: up to 10 tries of an area fraction uniform in
   * [minScale, maxScale] and a log-uniform aspect ratio in [ratioMin, ratioMax] that fits the image; then the
   * centre crop of the largest box whose aspect ratio is within the bounds.
   */
  public static CropBox randomResizedCropBox(int h, int w, double minScale, double maxScale, double ratioMin,
      double ratioMax, RandomGenerator rng) {
    double area = (double) w * h;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = uniform(rng, minScale, maxScale) * area;
      double ratio = Math.exp(uniform(rng, Math.log(ratioMin), Math.log(ratioMax)));
      int nw = (int) Math.round(Math.sqrt(target * ratio));
      int nh = (int) Math.round(Math.sqrt(target / ratio));
      if (nw >= 1 && nh >= 1 && nw <= w && nh <= h) {
        int left = rng.nextInt(w - nw + 1);
        int top = rng.nextInt(h - nh + 1);
        return new CropBox(top, left, nh, nw);
      }
    }
    int cw;
    int ch;
    double inRatio = (double) w / h;
    if (inRatio < ratioMin) {
      cw = w;
      ch = Math.max(1, (int) (w / ratioMin));
    } else if (inRatio > ratioMax) {
      cw = Math.max(1, (int) (h * ratioMax));
      ch = h;
    } else {
      cw = w;
      ch = h;
    }
    return new CropBox((h - ch) / 2, (w - cw) / 2, ch, cw);
  }

  private static double uniform(RandomGenerator rng, double lo, double hi) {
    return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
  }

  /**
   * Resamples the image through an affine map, as PyTorch's {@code affine_grid(theta)} followed by
   * {@code grid_sample(mode='bilinear', align_corners=True)}: output pixel at normalized coordinates (x, y) in
   * [-1, 1] reads the input at {@code theta @ (x, y, 1)}. Like fastai's {@code _grid_sample}, when the output
   * is more than 2x smaller than the input (and the transform does not zoom in more), the input is first
   * area-downscaled.
   *
   * @param theta row-major 2x3 matrix in normalized coordinates (aspect-corrected as fastai's
   *     {@code _prepare_mat})
   */
  public static NDArray affine(NDArray chw, double[] theta, int outH, int outW, PadMode padMode) {
    if (theta.length != 6) {
      throw new IllegalArgumentException("theta must hold a 2x3 matrix (6 values); got " + theta.length);
    }
    NDManager m = chw.getManager();
    // extent of the sampled coordinates: an affine map takes its extremes on the corners of [-1, 1]^2
    double mn = Double.POSITIVE_INFINITY;
    double mx = Double.NEGATIVE_INFINITY;
    for (int cx = -1; cx <= 1; cx += 2) {
      for (int cy = -1; cy <= 1; cy += 2) {
        double u = theta[0] * cx + theta[1] * cy + theta[2];
        double v = theta[3] * cx + theta[4] * cy + theta[5];
        mn = Math.min(mn, Math.min(u, v));
        mx = Math.max(mx, Math.max(u, v));
      }
    }
    double z = mx > mn ? 2.0 / (mx - mn) : Double.POSITIVE_INFINITY;
    double d = Math.min((double) height(chw) / outH, (double) width(chw) / outW) / 2;
    NDArray src = chw;
    if (d > 1 && d > z) {
      src = resize(chw, Math.max(1, (int) Math.floor(height(chw) / d)), Math.max(1, (int) Math.floor(width(chw) / d)));
    }
    int h = height(src);
    int w = width(src);
    NDArray xs = linspace(m, outW).reshape(1, outW);
    NDArray ys = linspace(m, outH).reshape(outH, 1);
    // pixel coordinates (align_corners=True): (s + 1) / 2 * (size - 1)
    NDArray px = xs.mul(theta[0]).add(ys.mul(theta[1])).add(theta[2]).add(1).mul((w - 1) / 2.0f);
    NDArray py = xs.mul(theta[3]).add(ys.mul(theta[4])).add(theta[5]).add(1).mul((h - 1) / 2.0f);
    if (padMode == PadMode.REFLECTION) {
      px = reflect(px, w - 1).clip(0, w - 1);
      py = reflect(py, h - 1).clip(0, h - 1);
    } else if (padMode == PadMode.BORDER) {
      px = px.clip(0, w - 1);
      py = py.clip(0, h - 1);
    }
    NDArray x0 = px.floor();
    NDArray y0 = py.floor();
    NDArray wx1 = px.sub(x0);
    NDArray wy1 = py.sub(y0);
    NDArray wx0 = wx1.neg().add(1);
    NDArray wy0 = wy1.neg().add(1);
    NDArray x1 = x0.add(1);
    NDArray y1 = y0.add(1);
    // the four bilinear corners, gathered in one take: (4, outH, outW)
    NDArray cx = NDArrays.stack(new NDList(x0, x1, x0, x1));
    NDArray cy = NDArrays.stack(new NDList(y0, y0, y1, y1));
    NDArray weights = NDArrays.stack(new NDList(wx0.mul(wy0), wx1.mul(wy0), wx0.mul(wy1), wx1.mul(wy1)));
    if (padMode == PadMode.ZEROS) {
      NDArray valid = cx.gte(0).logicalAnd(cx.lte(w - 1)).logicalAnd(cy.gte(0)).logicalAnd(cy.lte(h - 1));
      weights = weights.mul(valid.toType(DataType.FLOAT32, false));
    }
    NDArray flat = cy.clip(0, h - 1).mul(w).add(cx.clip(0, w - 1)).reshape(-1);
    long c = chw.getShape().get(0);
    long n = (long) outH * outW;
    NDArray vals = gather(src, flat).reshape(c, 4, n);
    return vals.mul(weights.reshape(1, 4, n)).sum(new int[] {1}).reshape(c, outH, outW);
  }

  /** PyTorch's reflect_coordinates for align_corners=True: mirror into [0, span]. */
  private static NDArray reflect(NDArray x, int span) {
    if (span <= 0) {
      return x.zerosLike();
    }
    NDArray a = x.abs();
    NDArray flips = a.div(span).floor();
    NDArray extra = a.sub(flips.mul(span));
    NDArray even = flips.mod(2).eq(0);
    return NDArrays.where(even, extra, extra.neg().add(span));
  }

  private static NDArray linspace(NDManager m, int n) {
    if (n == 1) {
      return m.create(new float[] {-1f});
    }
    return m.linspace(-1f, 1f, n);
  }

  /**
   * fastai's lighting: {@code sigmoid((logit(x) + logit(brightness)) * contrast)}, with {@code x} clamped to
   * [1e-7, 1 - 1e-7] before the logit. Brightness 0.5 and contrast 1 leave the image unchanged.
   */
  public static NDArray lighting(NDArray chw, double brightness, double contrast) {
    if (brightness == 0.5 && contrast == 1.0) {
      return chw;
    }
    NDArray x = chw.clip(1e-7f, 1 - 1e-7f);
    NDArray logit = x.div(x.neg().add(1)).log();
    double b = Math.log(brightness / (1 - brightness));
    return Activation.sigmoid(logit.add(b).mul(contrast));
  }

  /** {@code (x - mean) / std} per channel of a CHW image. */
  public static NDArray normalize(NDArray chw, NormStats stats) {
    int c = (int) chw.getShape().get(0);
    if (c != stats.channels()) {
      throw new IllegalArgumentException(
          "Image has " + c + " channels but the normalization stats have " + stats.channels());
    }
    NDManager m = chw.getManager();
    NDArray mean = m.create(stats.mean(), new Shape(c, 1, 1));
    NDArray std = m.create(stats.std(), new Shape(c, 1, 1));
    return chw.sub(mean).div(std);
  }

  /** Inverse of {@link #normalize}. */
  public static NDArray denormalize(NDArray chw, NormStats stats) {
    int c = (int) chw.getShape().get(0);
    NDManager m = chw.getManager();
    NDArray mean = m.create(stats.mean(), new Shape(c, 1, 1));
    NDArray std = m.create(stats.std(), new Shape(c, 1, 1));
    return chw.mul(std).add(mean);
  }
}
