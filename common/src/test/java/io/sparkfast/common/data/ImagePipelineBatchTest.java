package io.sparkfast.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sparkfast.common.testing.TestImages;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The batched validation path gives exactly what the per-image path gives, for every geometry. */
class ImagePipelineBatchTest {

  private static Image image(int w, int h, long seed) {
    return ImageSource.of("i" + seed + ".png", TestImages.pngBytes(TestImages.noise(w, h, seed))).decode();
  }

  private static void assertBatchEqualsPerImage(ImagePipelineConfig config, List<Image> images) {
    ImagePipeline p = new ImagePipeline(config);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray batch = p.validBatch(images, m);
      assertEquals(new Shape(images.size(), config.channels(), config.size(), config.size()), batch.getShape());
      for (int i = 0; i < images.size(); i++) {
        float[] one = p.valid(images.get(i), m).toFloatArray();
        assertArrayEquals(one, batch.get(i).toFloatArray(), 1e-5f, "image " + i);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ResizeMethod.class)
  void sameSizedImagesMatchThePerImagePath(ResizeMethod method) {
    List<Image> images = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      images.add(image(30, 22, i)); // not square: crop, pad and squish all differ
    }
    assertBatchEqualsPerImage(ImagePipelineConfig.defaults(16).withResizeMethod(method), images);
    assertBatchEqualsPerImage(ImagePipelineConfig.defaults(16).withResizeMethod(method).withChannels(1), images);
    // upscaling (bilinear) as well as downscaling (area)
    assertBatchEqualsPerImage(ImagePipelineConfig.defaults(40).withResizeMethod(method), images);
  }

  @Test
  void presizeAndRandomResizedCropItemsMatchThePerImagePath() {
    List<Image> images = List.of(image(28, 28, 1), image(28, 28, 2), image(28, 28, 3));
    // presize > size: the validation geometry resamples through the affine path
    assertBatchEqualsPerImage(ImagePipelineConfig.defaults(16).withPresize(24), images);
    for (ItemCrop crop : ItemCrop.values()) {
      assertBatchEqualsPerImage(ImagePipelineConfig.defaults(16).withItemCrop(crop), images);
    }
  }

  @Test
  void mixedSizesComeBackInInputOrder() {
    List<Image> images = List.of(image(30, 22, 1), image(17, 40, 2), image(30, 22, 3), image(16, 16, 4),
        image(17, 40, 5));
    assertBatchEqualsPerImage(ImagePipelineConfig.defaults(16), images);
    assertBatchEqualsPerImage(ImagePipelineConfig.defaults(16).withResizeMethod(ResizeMethod.PAD), images);
  }

  @Test
  void emptyBatchIsRefused() {
    ImagePipeline p = new ImagePipeline(ImagePipelineConfig.defaults(16));
    try (NDManager m = NDManager.newBaseManager()) {
      assertThrows(IllegalArgumentException.class, () -> p.validBatch(List.of(), m));
    }
  }
}
