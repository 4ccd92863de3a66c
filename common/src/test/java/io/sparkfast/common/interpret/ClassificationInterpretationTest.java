package io.sparkfast.common.interpret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.sparkfast.common.data.ImageFolders;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.ImageSplits;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.model.ModelConfig;
import io.sparkfast.common.testing.TestImages;
import io.sparkfast.common.testing.TinyModels;
import io.sparkfast.common.train.loss.LabelSmoothingCrossEntropy;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationInterpretationTest {

  private static final Vocab VOCAB = Vocab.of(List.of("a", "b", "c"));

  /** Items with (target, predicted): (0,0) (0,1) (0,1) (1,1) (1,2) (2,0) (2,1) (2,1) (2,2). */
  private static ClassificationInterpretation sample(Path root) {
    int[] targets = {0, 0, 0, 1, 1, 2, 2, 2, 2};
    int[] preds = {0, 1, 1, 1, 2, 0, 1, 1, 2};
    float[] conf = {0.9f, 0.6f, 0.7f, 0.8f, 0.5f, 0.95f, 0.4f, 0.6f, 0.7f};
    float[][] probs = new float[targets.length][3];
    List<ImageSource> sources = new ArrayList<>();
    for (int i = 0; i < targets.length; i++) {
      for (int c = 0; c < 3; c++) {
        probs[i][c] = c == preds[i] ? conf[i] : (1 - conf[i]) / 2;
      }
      sources.add(ImageSource.of(TestImages.writePng(TestImages.noise(30, 20, i), root.resolve("item" + i + ".png"))));
    }
    return ClassificationInterpretation.of(VOCAB, sources, probs, targets);
  }

  @Test
  void confusionMatrixCountsAndMostConfusedOrdering(@TempDir Path root) {
    ClassificationInterpretation interp = sample(root);
    long[][] cm = interp.confusionMatrix();
    assertArrayEquals(new long[] {1, 2, 0}, cm[0]);
    assertArrayEquals(new long[] {0, 1, 1}, cm[1]);
    assertArrayEquals(new long[] {1, 2, 1}, cm[2]);
    assertEquals(3.0 / 9, interp.accuracy(), 1e-12);
    // counts descending; ties (1s) in row-major order: (b,c), (c,a)
    assertEquals(List.of(new Confusion("a", "b", 2), new Confusion("c", "b", 2), new Confusion("b", "c", 1),
        new Confusion("c", "a", 1)), interp.mostConfused(1));
    assertEquals(List.of(new Confusion("a", "b", 2), new Confusion("c", "b", 2)), interp.mostConfused(2));
  }

  @Test
  void topLossesAreHighestCrossEntropyFirst(@TempDir Path root) {
    ClassificationInterpretation interp = sample(root);
    List<TopLoss> top = interp.topLosses(3);
    // item 5: actual c predicted a with 0.95 -> p(actual) = 0.025, loss = -ln 0.025
    assertEquals(5, top.get(0).index());
    assertEquals("a", top.get(0).predicted());
    assertEquals("c", top.get(0).actual());
    assertEquals((float) -Math.log(0.025), top.get(0).loss(), 1e-5);
    assertEquals(0.95f, top.get(0).probability(), 1e-6);
    assertTrue(top.get(0).caption().startsWith("a/c / 3.69 / 0.95"), top.get(0).caption());
    for (int i = 1; i < top.size(); i++) {
      assertTrue(top.get(i - 1).loss() >= top.get(i).loss());
    }
    assertEquals(9, interp.topLosses(100).size());
  }

  /**
   * fastai ranks top losses by the learner's loss: with label smoothing, an item whose other classes are very
   * unlikely can outrank one with a lower p(actual). The per-item losses equal the training loss's per-sample ones
   * (LabelSmoothingCrossEntropy on logits log p).
   */
  @Test
  void topLossesUseTheLabelSmoothingLossOfTheTraining(@TempDir Path root) {
    float[][] probs = {{0.3f, 0.35f, 0.35f}, {0.31f, 0.689f, 0.001f}};
    int[] targets = {0, 0};
    List<ImageSource> sources = List.of(
        ImageSource.of(TestImages.writePng(TestImages.noise(8, 8, 1), root.resolve("a.png"))),
        ImageSource.of(TestImages.writePng(TestImages.noise(8, 8, 2), root.resolve("b.png"))));
    ClassificationInterpretation plain = ClassificationInterpretation.of(VOCAB, sources, probs, targets);
    assertEquals(0, plain.topLosses(1).get(0).index());
    ClassificationInterpretation smoothed = ClassificationInterpretation.of(VOCAB, sources, probs, targets, 0.1);
    assertEquals(1, smoothed.topLosses(1).get(0).index());
    // hand-computed: eps/c * -sum_k ln p_k + (1 - eps) * -ln p_y
    double a = 0.1 / 3 * -(Math.log(0.3) + 2 * Math.log(0.35)) + 0.9 * -Math.log(0.3);
    assertEquals(a, smoothed.losses()[0], 1e-5);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(probs).log();
      float[] training = new LabelSmoothingCrossEntropy(0.1, null)
          .perSample(new NDList(m.create(new long[] {0, 0})), new NDList(logits))
          .toFloatArray();
      assertArrayEquals(training, smoothed.losses(), 1e-5f);
    }
    assertThrows(IllegalArgumentException.class,
        () -> ClassificationInterpretation.of(VOCAB, sources, probs, targets, 1.0));
  }

  @Test
  void writesCsvAndValidPngs(@TempDir Path root) throws Exception {
    ClassificationInterpretation interp = sample(root);
    Path csv = root.resolve("out/confusion.csv");
    interp.writeConfusionCsv(csv);
    assertEquals(List.of("actual\\predicted,a,b,c", "a,1,2,0", "b,0,1,1", "c,1,2,1"), Files.readAllLines(csv));
    Path cmPng = root.resolve("out/confusion.png");
    InterpretationPlots.plotConfusionMatrix(interp, cmPng);
    BufferedImage cm = ImageIO.read(cmPng.toFile());
    assertTrue(cm.getWidth() > 100 && cm.getHeight() > 100);
    Path topPng = root.resolve("out/top_losses.png");
    List<TopLoss> drawn = InterpretationPlots.plotTopLosses(interp, 4, 64, topPng);
    assertEquals(4, drawn.size());
    BufferedImage top = ImageIO.read(topPng.toFile());
    assertTrue(top.getWidth() >= 2 * 64 && top.getHeight() >= 2 * 64, top.getWidth() + "x" + top.getHeight());
    // not blank: the thumbnails put non-white pixels on the canvas
    int nonWhite = 0;
    for (int y = 0; y < top.getHeight(); y += 3) {
      for (int x = 0; x < top.getWidth(); x += 3) {
        if ((top.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
          nonWhite++;
        }
      }
    }
    assertTrue(nonWhite > 200, "non-white samples: " + nonWhite);
  }

  @Test
  void fromPredictorRunsTheModelOverValidationItems(@TempDir Path root) {
    TestImages.writeFolderTree(root, new String[] {"train", "valid"}, new String[] {"a", "b", "c"}, 2, 12);
    ImageSplits splits = ImageFolders.fromSplitFolders(root, "train", "valid");
    try (Model model = TinyModels.model(new ModelConfig("resnet18-small", 3, 3, 16, false));
        BatchPredictor p = new BatchPredictor(model, splits.vocab(), ImagePipelineConfig.defaults(16), false, 4)) {
      ClassificationInterpretation interp = ClassificationInterpretation.fromPredictor(p, splits.valid());
      assertEquals(6, interp.size());
      long total = 0;
      for (long[] row : interp.confusionMatrix()) {
        for (long v : row) {
          total += v;
        }
      }
      assertEquals(6, total);
      assertEquals(2, interp.confusionMatrix()[0][0] + interp.confusionMatrix()[0][1] + interp.confusionMatrix()[0][2]);
    }
    assertThrows(IllegalArgumentException.class,
        () -> ClassificationInterpretation.of(VOCAB, List.of(), new float[][] {{1, 0, 0}}, new int[] {0}));
  }
}
