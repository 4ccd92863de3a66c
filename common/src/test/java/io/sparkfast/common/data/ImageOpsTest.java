package io.sparkfast.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ImageOpsTest {
  private NDManager m;

  @BeforeEach
  void setUp() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    m.close();
  }

  /** (1, h, w) image with value row*w+col. */
  private NDArray ramp(int h, int w) {
    return m.arange(0f, (float) (h * w)).reshape(1, h, w);
  }

  @Test
  void cropPadInsideIsASlice() {
    NDArray img = ramp(4, 5);
    NDArray c = ImageOps.cropPad(img, new CropBox(1, 2, 2, 3), PadMode.ZEROS);
    assertArrayEquals(new float[] {7, 8, 9, 12, 13, 14}, c.toFloatArray());
  }

  @Test
  void cropPadPadsWithEachMode() {
    NDArray img = ramp(1, 3); // [0 1 2]
    CropBox box = new CropBox(0, -2, 1, 7); // cols -2..4
    assertArrayEquals(new float[] {2, 1, 0, 1, 2, 1, 0},
        ImageOps.cropPad(img, box, PadMode.REFLECTION).toFloatArray());
    assertArrayEquals(new float[] {0, 0, 0, 1, 2, 2, 2},
        ImageOps.cropPad(img, box, PadMode.BORDER).toFloatArray());
    assertArrayEquals(new float[] {0, 0, 0, 1, 2, 0, 0},
        ImageOps.cropPad(img, box, PadMode.ZEROS).toFloatArray());
  }

  @Test
  void affineIdentityReproducesImageAndFlipMirrors() {
    NDArray img = ramp(3, 4);
    NDArray same = ImageOps.affine(img, new double[] {1, 0, 0, 0, 1, 0}, 3, 4, PadMode.REFLECTION);
    assertArrayEquals(img.toFloatArray(), same.toFloatArray(), 1e-4f);
    NDArray flipped = ImageOps.affine(img, new double[] {-1, 0, 0, 0, 1, 0}, 3, 4, PadMode.REFLECTION);
    assertArrayEquals(img.flip(2).toFloatArray(), flipped.toFloatArray(), 1e-4f);
  }

  /**
   * Reference values from PyTorch 1.13 (scripts/fixtures/grid_sample_reference.py: F.grid_sample(x, F.affine_grid(theta, size,
   * align_corners=True), mode='bilinear', padding_mode=mode, align_corners=True)) on a 4x5 ramp.
   */
  @Test
  void affineMatchesPytorchGridSample() {
    NDArray img = ramp(4, 5);
    double[] rotZoom = {0.8854673504829407, 0.2165716290473938, 0.10000000149011612, -0.3383931815624237,
        0.8854673504829407, -0.05000000074505806};
    assertArrayEquals(new float[] {3.02602f, 2.63436f, 2.25085f, 3.43730f, 5.59174f, 7.73397f, 7.35046f, 6.96695f,
        6.58344f, 6.19994f, 12.45006f, 12.06656f, 11.68305f, 11.29954f, 10.68540f, 14.55825f, 16.71270f, 16.39915f,
        16.01564f, 14.82398f}, ImageOps.affine(img, rotZoom, 4, 5, PadMode.REFLECTION).toFloatArray(), 1e-4f);
    assertArrayEquals(new float[] {3.00962f, 2.63436f, 2.25085f, 2.23592f, 2.08450f, 7.73397f, 7.35046f, 6.96695f,
        6.58344f, 6.19994f, 12.45006f, 12.06656f, 11.68305f, 11.29954f, 9.55523f, 11.72549f, 16.63051f, 16.39915f,
        16.01564f, 9.07473f}, ImageOps.affine(img, rotZoom, 4, 5, PadMode.ZEROS).toFloatArray(), 1e-4f);
    assertArrayEquals(new float[] {3.02194f, 2.63436f, 2.25085f, 2.65232f, 3.53779f, 7.73397f, 7.35046f, 6.96695f,
        6.58344f, 6.19994f, 12.45006f, 12.06656f, 11.68305f, 11.29954f, 10.80072f, 15.86221f, 16.74768f, 16.39915f,
        16.01564f, 15.22806f}, ImageOps.affine(img, rotZoom, 4, 5, PadMode.BORDER).toFloatArray(), 1e-4f);
    double[] zoomOut = {1.5, 0.2, 0, -0.1, 1.5, 0};
    assertArrayEquals(new float[] {4.4f, 4.1f, 6.6f, 7.9f, 9.25f, 8.75f, 10.25f, 9.75f, 11.1f, 12.4f, 14.9f, 14.6f},
        ImageOps.affine(img, zoomOut, 3, 4, PadMode.REFLECTION).toFloatArray(), 1e-4f);
    assertArrayEquals(new float[] {0f, 0.18f, 0.52f, 0.16f, 0f, 8.75f, 10.25f, 0f, 0.6f, 3.28f, 5.52f, 0f},
        ImageOps.affine(img, zoomOut, 3, 4, PadMode.ZEROS).toFloatArray(), 1e-4f);
    assertArrayEquals(new float[] {0f, 0.6f, 2.6f, 4f, 8.25f, 8.75f, 10.25f, 10.75f, 15f, 16.4f, 18.4f, 19f},
        ImageOps.affine(img, zoomOut, 3, 4, PadMode.BORDER).toFloatArray(), 1e-4f);
  }

  @Test
  void affineRotate90MatchesRot90() {
    NDArray img = ramp(4, 4);
    // theta maps output (x, y) to input (y, -x): a 90 degree rotation
    NDArray rot = ImageOps.affine(img, new double[] {0, 1, 0, -1, 0, 0}, 4, 4, PadMode.ZEROS);
    // out[i][j] = in[W-1-j][i] (computed by hand for i=0: in[3][0], in[2][0], in[1][0], in[0][0])
    float[] r = rot.toFloatArray();
    assertArrayEquals(new float[] {12, 8, 4, 0}, new float[] {r[0], r[1], r[2], r[3]}, 1e-4f);
  }

  @Test
  void affineZoomOutPadsPerMode() {
    NDArray img = m.ones(new Shape(1, 5, 5));
    double[] zoomOut = {2, 0, 0, 0, 2, 0}; // reads [-2, 2]: half the output lies outside the image
    NDArray zeros = ImageOps.affine(img, zoomOut, 5, 5, PadMode.ZEROS);
    assertEquals(0f, zeros.getFloat(0, 0, 0), 1e-5);
    assertEquals(1f, zeros.getFloat(0, 2, 2), 1e-5);
    NDArray refl = ImageOps.affine(img, zoomOut, 5, 5, PadMode.REFLECTION);
    assertEquals(25f, refl.sum().getFloat(), 1e-3);
  }

  @Test
  void resizeMethodsGiveSquareOutput() {
    NDArray img = m.randomUniform(0, 1, new Shape(3, 20, 30));
    for (ResizeMethod method : ResizeMethod.values()) {
      NDArray r = ImageOps.resize(img, 8, method, PadMode.ZEROS, 0.5, 0.5);
      assertEquals(new Shape(3, 8, 8), r.getShape(), method.name());
    }
    // PAD keeps the whole image: a 20x30 image padded with zeros to 30x30 leaves the top rows black
    NDArray ones = m.ones(new Shape(1, 20, 30));
    NDArray padded = ImageOps.resize(ones, 30, ResizeMethod.PAD, PadMode.ZEROS, 0.5, 0.5);
    assertEquals(0f, padded.getFloat(0, 0, 15), 1e-5);
    assertEquals(1f, padded.getFloat(0, 15, 15), 1e-5);
  }

  @Test
  void randomResizedCropBoxStaysWithinBounds() {
    SplittableRandom rng = new SplittableRandom(7);
    int h = 60;
    int w = 80;
    int fallback = 0;
    for (int i = 0; i < 2000; i++) {
      CropBox b = ImageOps.randomResizedCropBox(h, w, 0.08, 1.0, 3.0 / 4, 4.0 / 3, rng);
      assertTrue(b.top() >= 0 && b.left() >= 0 && b.top() + b.height() <= h && b.left() + b.width() <= w, b.toString());
      double area = (double) b.height() * b.width() / (h * w);
      double ratio = (double) b.width() / b.height();
      if (b.height() == h && b.width() == w) {
        fallback++;
        continue;
      }
      // rounding to whole pixels moves area and ratio a little past the sampled bounds
      assertTrue(area >= 0.08 * 0.85 && area <= 1.0, "area " + area);
      assertTrue(ratio >= 0.75 * 0.85 && ratio <= 4.0 / 3 / 0.85, "ratio " + ratio);
    }
    assertTrue(fallback < 2000 / 10, "fallbacks " + fallback);
    // impossible request (area > image): falls back to the centre crop with a ratio within bounds
    CropBox tall = ImageOps.randomResizedCropBox(100, 10, 1.0, 1.0, 3.0 / 4, 4.0 / 3, new SplittableRandom(1));
    assertEquals(new CropBox(43, 0, 13, 10), tall);
  }

  @Test
  void lightingIsNeutralAtDefaultsAndMonotoneInBrightness() {
    NDArray img = m.create(new float[] {0.2f, 0.5f, 0.8f}).reshape(1, 1, 3);
    assertArrayEquals(img.toFloatArray(), ImageOps.lighting(img, 0.5, 1.0).toFloatArray(), 1e-6f);
    float[] brighter = ImageOps.lighting(img, 0.6, 1.0).toFloatArray();
    // sigmoid(logit(0.5) + logit(0.6)) = 0.6
    assertEquals(0.6f, brighter[1], 1e-5);
    assertTrue(brighter[0] > 0.2f && brighter[2] > 0.8f);
    float[] contrast = ImageOps.lighting(img, 0.5, 2.0).toFloatArray();
    assertEquals(0.5f, contrast[1], 1e-5);
    assertTrue(contrast[0] < 0.2f && contrast[2] > 0.8f);
  }

  @Test
  void normalizeRoundTrips() {
    NDArray img = m.randomUniform(0, 1, new Shape(3, 4, 4));
    NDArray n = ImageOps.normalize(img, NormStats.imagenet());
    assertEquals((0.5f - 0.485f) / 0.229f, ImageOps.normalize(m.full(new Shape(3, 1, 1), 0.5f), NormStats.imagenet()).getFloat(0, 0, 0), 1e-5);
    assertArrayEquals(img.toFloatArray(), ImageOps.denormalize(n, NormStats.imagenet()).toFloatArray(), 1e-5f);
  }
}
