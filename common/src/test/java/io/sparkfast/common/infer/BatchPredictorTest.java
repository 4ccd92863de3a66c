package io.sparkfast.common.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import io.sparkfast.common.data.AugConfig;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.model.ModelConfig;
import io.sparkfast.common.testing.TestImages;
import io.sparkfast.common.testing.TinyModels;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPredictorTest {

  private static final Vocab VOCAB = Vocab.of(List.of("ant", "bee", "cat", "dog"));
  private static final ModelConfig CONFIG = new ModelConfig("resnet18-small", 4, 3, 16, false);

  private static List<ImageSource> sources(int n) {
    List<ImageSource> s = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      s.add(ImageSource.of("img" + i + ".png", TestImages.pngBytes(TestImages.noise(20, 18, i))));
    }
    return s;
  }

  @Test
  void topKIsSortedAndProbabilitiesSumToOne() {
    try (Model model = TinyModels.model(CONFIG);
        BatchPredictor p = new BatchPredictor(model, VOCAB, ImagePipelineConfig.defaults(16), false, 2)) {
      List<Prediction> preds = p.predict(sources(5), 3);
      assertEquals(5, preds.size());
      for (int i = 0; i < 5; i++) {
        Prediction pr = preds.get(i);
        assertTrue(pr.ok());
        assertEquals("img" + i + ".png", pr.id());
        assertEquals(3, pr.topK().size());
        float sum = 0;
        for (float f : pr.probabilities()) {
          sum += f;
        }
        assertEquals(1f, sum, 1e-5);
        for (int k = 1; k < 3; k++) {
          assertTrue(pr.topK().get(k - 1).probability() >= pr.topK().get(k).probability());
        }
        ClassProb best = pr.best();
        assertEquals(VOCAB.get(best.index()), best.label());
        assertEquals(pr.probabilities()[best.index()], best.probability());
      }
      // k larger than the class count is capped; batch size does not change results
      assertEquals(4, p.predict(sources(1), 10).get(0).topK().size());
      try (BatchPredictor one = new BatchPredictor(model, VOCAB, ImagePipelineConfig.defaults(16), false, 1)) {
        assertArrayEquals(preds.get(3).probabilities(), one.predict(sources(5), 3).get(3).probabilities(), 1e-5f);
      }
    }
  }

  @Test
  void undecodableImagesBecomeErrorRowsInPlace() {
    List<ImageSource> in = new ArrayList<>(sources(3));
    in.add(1, ImageSource.of("s3://bucket/corrupt.jpg", new byte[] {1, 2, 3, 4}));
    in.add(ImageSource.of("empty.png", new byte[0]));
    try (Model model = TinyModels.model(CONFIG);
        BatchPredictor p = new BatchPredictor(model, VOCAB, ImagePipelineConfig.defaults(16), false, 8)) {
      List<Prediction> preds = p.predict(in, 2);
      assertEquals(5, preds.size());
      assertTrue(preds.get(0).ok());
      assertFalse(preds.get(1).ok());
      assertTrue(preds.get(1).error().contains("s3://bucket/corrupt.jpg"), preds.get(1).error());
      assertNull(preds.get(1).probabilities());
      assertTrue(preds.get(2).ok());
      assertEquals("img1.png", preds.get(2).id());
      assertFalse(preds.get(4).ok());
      assertThrows(IllegalStateException.class, () -> preds.get(4).best());
    }
  }

  @Test
  void ttaBlendMatchesHandComputedExample() {
    float[][] aug1 = {{0.2f, 0.8f}, {0.5f, 0.5f}};
    float[][] aug2 = {{0.4f, 0.6f}, {0.1f, 0.9f}};
    float[][] plain = {{0.9f, 0.1f}, {0.3f, 0.7f}};
    // mean aug = [[0.3, 0.7], [0.3, 0.7]]; lerp(aug, plain, 0.25) = aug + 0.25 * (plain - aug)
    float[][] out = Tta.combine(List.of(aug1, aug2), plain, new TtaConfig(2, 0.25, false, 0));
    assertArrayEquals(new float[] {0.45f, 0.55f}, out[0], 1e-6f);
    assertArrayEquals(new float[] {0.3f, 0.7f}, out[1], 1e-6f);
    float[][] max = Tta.combine(List.of(aug1, aug2), plain, new TtaConfig(2, 0.25, true, 0));
    assertArrayEquals(new float[] {0.9f, 0.8f}, max[0], 1e-6f);
    assertArrayEquals(new float[] {0.5f, 0.9f}, max[1], 1e-6f);
    assertArrayEquals(plain[0], Tta.combine(List.<float[][]>of(aug1), plain, new TtaConfig(1, 1.0, false, 0))[0], 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> new TtaConfig(0, 0.25, false, 0));
  }

  @Test
  void ttaPredictionsAreSeededAndReduceToPlainWithoutAugmentation() {
    // square images: the random crop position of the training resize has nothing to move
    List<Image> images = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      images.add(ImageSource.of("sq" + i, TestImages.pngBytes(TestImages.noise(20, 20, i))).decode());
    }
    try (Model model = TinyModels.model(CONFIG)) {
      ImagePipelineConfig noAug = ImagePipelineConfig.defaults(16).withAug(AugConfig.none());
      try (BatchPredictor p = new BatchPredictor(model, VOCAB, noAug, false, 4)) {
        float[][] plain = p.probabilities(images);
        float[][] tta = p.probabilitiesTta(images, TtaConfig.defaults(1));
        for (int i = 0; i < 3; i++) {
          assertArrayEquals(plain[i], tta[i], 1e-5f);
        }
      }
      try (BatchPredictor p = new BatchPredictor(model, VOCAB, ImagePipelineConfig.defaults(16).withPresize(24), false, 4)) {
        float[][] plain = p.probabilities(images);
        float[][] a = p.probabilitiesTta(images, TtaConfig.defaults(5));
        float[][] b = p.probabilitiesTta(images, TtaConfig.defaults(5));
        float[][] c = p.probabilitiesTta(images, TtaConfig.defaults(6));
        assertArrayEquals(a[0], b[0], 1e-6f);
        assertFalse(java.util.Arrays.equals(a[0], c[0]));
        assertFalse(java.util.Arrays.equals(a[0], plain[0]));
        float sum = 0;
        for (float f : a[0]) {
          sum += f;
        }
        assertEquals(1f, sum, 1e-5);
      }
    }
  }

  @Test
  void ttaPredictionOfAnImageDoesNotDependOnItsBatch() {
    // scoring batches images as the input splits fall (files, a Parquet table, another batch size, an undecodable
    // neighbour): an image's TTA prediction must be a function of the image alone
    List<ImageSource> s = sources(4);
    ImageSource broken = ImageSource.of("broken.png", new byte[] {1, 2, 3});
    TtaConfig tta = TtaConfig.defaults(7);
    try (Model model = TinyModels.model(CONFIG);
        BatchPredictor p = new BatchPredictor(model, VOCAB, ImagePipelineConfig.defaults(16).withPresize(24), false, 4);
        BatchPredictor one = new BatchPredictor(model, VOCAB, ImagePipelineConfig.defaults(16).withPresize(24), false,
            1)) {
      float[] alone = p.predict(p.decode(List.of(s.get(2))), 3, tta).get(0).probabilities();
      float[] plain = p.predict(p.decode(List.of(s.get(2))), 3, null).get(0).probabilities();
      assertFalse(java.util.Arrays.equals(alone, plain), "the pipeline augments");
      assertArrayEquals(alone, p.predict(p.decode(s), 3, tta).get(2).probabilities(), 1e-5f);
      assertArrayEquals(alone, p.predict(p.decode(List.of(broken, s.get(3), s.get(2))), 3, tta).get(2)
          .probabilities(), 1e-5f);
      assertArrayEquals(alone, one.predict(one.decode(s), 3, tta).get(2).probabilities(), 1e-5f);
      assertArrayEquals(alone, p.predictTta(List.of(s.get(0), s.get(2)), 3, tta).get(1).probabilities(), 1e-5f);
    }
  }
}
