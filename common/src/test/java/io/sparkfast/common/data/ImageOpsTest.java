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
