package io.sparkfast.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import io.sparkfast.common.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDatasetTest {

  @Test
  void trainingTransformIsDeterministicPerSeedAndChangesTheImage() {
    ImagePipeline p = new ImagePipeline(ImagePipelineConfig.defaults(24).withPresize(32));
    Image img = ImageSource.of("noise", TestImages.pngBytes(TestImages.noise(40, 30, 3))).decode();
    try (NDManager m = NDManager.newBaseManager()) {
      float[] a = p.train(img, m, 11).toFloatArray();
      float[] b = p.train(img, m, 11).toFloatArray();
      float[] c = p.train(img, m, 12).toFloatArray();
      float[] v1 = p.valid(img, m).toFloatArray();
      float[] v2 = p.valid(img, m).toFloatArray();
      assertArrayEquals(a, b, "same seed, same output");
      assertFalse(Arrays.equals(a, c), "another seed changes the augmentation");
      assertFalse(Arrays.equals(a, v1), "training differs from validation");
      assertArrayEquals(v1, v2, "validation is deterministic");
      assertEquals(3 * 24 * 24, a.length);
    }
  }

  @Test
  void eachAugmentationChangesTheImage() {
    ImagePipelineConfig base = ImagePipelineConfig.defaults(16).withAug(AugConfig.none());
    Image img = ImageSource.of("noise", TestImages.pngBytes(TestImages.noise(16, 16, 5))).decode();
    try (NDManager m = NDManager.newBaseManager()) {
      float[] plain = new ImagePipeline(base).train(img, m, 1).toFloatArray();
      assertArrayEquals(new ImagePipeline(base).valid(img, m).toFloatArray(), plain, 1e-5f,
          "no augmentation and presize == size: training equals validation");
      AugConfig[] single = {
        new AugConfig(true, 0, 1, 1, 0, 0, 0, 1, PadMode.REFLECTION),
        new AugConfig(false, 10, 1, 1, 0, 1, 0, 1, PadMode.REFLECTION),
        new AugConfig(false, 0, 1, 1.1, 0, 1, 0, 1, PadMode.REFLECTION),
        new AugConfig(false, 0, 1, 1, 0.2, 0, 1, 1, PadMode.REFLECTION),
        AugConfig.none().withMinScale(0.5)
      };
      for (AugConfig aug : single) {
        ImagePipeline p = new ImagePipeline(base.withAug(aug));
        boolean changed = false;
        for (long seed = 0; seed < 8 && !changed; seed++) {
          changed = !Arrays.equals(plain, p.train(img, m, seed).toFloatArray());
        }
        assertTrue(changed, "augmentation " + aug + " changed nothing in 8 seeds");
      }
    }
  }

  @Test
  void affineDrawMatchesFastaiMatrix() {
    ImagePipeline.AffineDraw d = new ImagePipeline.AffineDraw(true, 90, 2.0, 1.0, 0.0);
    double[] t = d.theta(10, 20);
    // flip @ rot(90) @ zoom(s=0.5, col_c=0.5, row_c=-0.5): [[0,-0.5,0.5],[-0.5,0,-0.5]], then m01*h/w, m10*w/h
    assertArrayEquals(new double[] {0, -0.25, 0.5, -1.0, 0, -0.5}, t, 1e-12);
  }

  @Test
  void grayscaleBecomesThreeChannelsAndRgbBecomesOne() {
    Image g = ImageSource.of("g", TestImages.pngBytes(TestImages.gray(6, 4))).decode();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray rgb = new ImagePipeline(ImagePipelineConfig.defaults(4)).valid(g, m);
      assertEquals(new Shape(3, 4, 4), rgb.getShape());
      NDArray one = new ImagePipeline(ImagePipelineConfig.defaults(4).withChannels(1)).valid(g, m);
      assertEquals(new Shape(1, 4, 4), one.getShape());
    }
  }

  @Test
  void datasetBatchesImagesAndLabels(@TempDir Path root) throws Exception {
    TestImages.writeFolderTree(root, new String[] {"train", "valid"}, new String[] {"a", "b"}, 3, 12);
    ImageSplits splits = ImageFolders.fromSplitFolders(root, "train", "valid");
    ImageDataset[] ds = ImageDataset.of(splits, ImagePipelineConfig.defaults(8), 4, 42);
    try (NDManager m = NDManager.newBaseManager()) {
      int seen = 0;
      for (Batch batch : ds[1].getData(m)) {
        try (batch) {
          NDArray x = batch.getData().singletonOrThrow();
          NDArray y = batch.getLabels().singletonOrThrow();
          assertEquals(DataType.FLOAT32, x.getDataType());
          assertEquals(DataType.INT64, y.getDataType());
          assertEquals(3, x.getShape().get(1));
          assertEquals(8, x.getShape().get(2));
          assertEquals(x.getShape().get(0), y.getShape().get(0));
          seen += (int) y.getShape().get(0);
        }
      }
      assertEquals(6, seen);
      // training: a second pass over an item augments it differently
      float[] first = ds[0].get(m, 0).getData().singletonOrThrow().toFloatArray();
      float[] second = ds[0].get(m, 0).getData().singletonOrThrow().toFloatArray();
      assertFalse(Arrays.equals(first, second));
      // positioned by a Learner: the augmentation depends on the position seed only, not on how often the item was
      // read or on the engine's shared generator (which replicas on threads of one JVM would interleave)
      ds[0].seedPosition(42);
      ai.djl.engine.Engine.getInstance().setRandomSeed(1);
      float[] atA = ds[0].get(m, 0).getData().singletonOrThrow().toFloatArray();
      ai.djl.engine.Engine.getInstance().setRandomSeed(2);
      float[] atAAgain = ds[0].get(m, 0).getData().singletonOrThrow().toFloatArray();
      assertArrayEquals(atA, atAAgain);
      ds[0].seedPosition(43);
      assertFalse(Arrays.equals(atA, ds[0].get(m, 0).getData().singletonOrThrow().toFloatArray()));
    }
  }

  @Test
  void multiLabelDatasetGivesMultiHotFloats(@TempDir Path root) throws Exception {
    TestImages.writeFolderTree(root, new String[0], new String[] {"imgs"}, 2, 4);
    Files.writeString(root.resolve("l.csv"), "p,l\nimgs/0.png,x z\nimgs/1.png,y\n");
    ImageSplits s = ImageFolders.fromCsv(root, root.resolve("l.csv"), " ", 0.0, 1);
    ImageDataset ds = ImageDataset.builder().setItems(s.train()).setVocab(s.vocab())
        .setPipeline(new ImagePipeline(ImagePipelineConfig.defaults(4))).optMultiLabel(true)
        .setSampling(2, false).build();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray y = ds.get(m, 0).getLabels().singletonOrThrow();
      assertEquals(DataType.FLOAT32, y.getDataType());
      assertArrayEquals(new float[] {1, 0, 1}, y.toFloatArray());
    }
  }

  @Test
  void unreadableImageErrorNamesTheFile(@TempDir Path root) throws Exception {
    TestImages.writeFolderTree(root, new String[0], new String[] {"a"}, 2, 4);
    Path bad = root.resolve("a/broken.png");
    Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    ImageSplits s = ImageFolders.fromClassFolders(root, 0.0, 1);
    ImageDataset ds = ImageDataset.builder().setItems(s.train()).setVocab(s.vocab())
        .setPipeline(new ImagePipeline(ImagePipelineConfig.defaults(4))).setSampling(1, false).build();
    int broken = s.train().stream().map(i -> i.source().name()).toList().indexOf(bad.toString());
    try (NDManager m = NDManager.newBaseManager()) {
      ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ds.get(m, broken));
      assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
      assertEquals(bad.toString(), e.source());
    }
    ImageDecodeException e = assertThrows(ImageDecodeException.class,
        () -> ImageDecoder.decode(new byte[0], "empty.jpg"));
    assertTrue(e.getMessage().contains("empty.jpg"));
  }

  @Test
  void normStatsComputedPerChannel(@TempDir Path root) {
    java.awt.image.BufferedImage red = new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);
    red.setRGB(0, 0, 0xFF0000);
    red.setRGB(1, 0, 0xFF0000);
    red.setRGB(0, 1, 0xFF0000);
    red.setRGB(1, 1, 0xFF0000);
    Path f = TestImages.writePng(red, root.resolve("r.png"));
    Path g = TestImages.writePng(new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB),
        root.resolve("black.png"));
    try (NDManager m = NDManager.newBaseManager()) {
      NormStats s = NormStats.compute(List.of(ImageSource.of(f)), 3, m);
      assertArrayEquals(new float[] {1, 0, 0}, s.mean(), 1e-6f);
      NormStats two = NormStats.compute(List.of(ImageSource.of(f), ImageSource.of(g)), 3, m);
      // red channel: four 1s and four 0s -> mean 0.5, std 0.5; other channels all 0
      assertArrayEquals(new float[] {0.5f, 0, 0}, two.mean(), 1e-6f);
      assertEquals(0.5f, two.std()[0], 1e-6f);
    }
  }
}
