package io.sparkfast.common.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import io.sparkfast.common.artifact.ExportedModel;
import io.sparkfast.common.artifact.TorchScriptClassifier;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.model.ModelConfig;
import io.sparkfast.common.testing.TestImages;
import io.sparkfast.common.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oneDNN layout gives the dense results, for a TorchScript model and for a sparkfast (DJL block) model. */
class OneDnnTest {

  @TempDir Path dir;

  private static List<ImageSource> sources(int n) {
    List<ImageSource> s = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      s.add(ImageSource.of("img" + i + ".png", TestImages.pngBytes(TestImages.noise(20 + i, 18, i))));
    }
    return s;
  }

  /** A committed TorchScript fixture (3 classes, 16 px, ImageNet normalization) loaded as the score job does. */
  private ExportedModel torchScript(String name) throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.copy(Path.of(getClass().getResource("/torchscript/" + name + ".pt").toURI()), d.resolve("model.pt"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(d.resolve("synset.txt"), "a\nb\nc\n");
    return TorchScriptClassifier.load(d.resolve("model.pt").toString(), ImagePipelineConfig.defaults(16), null);
  }

  private static float[][] probabilities(BatchPredictor p, List<ImageSource> in) {
    List<Prediction> out = p.predict(in, 1);
    float[][] probs = new float[out.size()][];
    for (int i = 0; i < probs.length; i++) {
      assertTrue(out.get(i).ok(), out.get(i).error());
      probs[i] = out.get(i).probabilities();
    }
    return probs;
  }

  @Test
  void roundTripKeepsValuesAndMarksTheLayout() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray x = m.randomNormal(new Shape(2, 3, 5, 4));
      assertFalse(OneDnn.isOneDnn(x));
      NDArray blocked = OneDnn.toOneDnn(x, m);
      assertTrue(OneDnn.isOneDnn(blocked), "an MKLDNN tensor");
      NDArray back = OneDnn.toDense(blocked);
      assertFalse(OneDnn.isOneDnn(back));
      assertEquals(x.getShape(), back.getShape());
      assertArrayEquals(x.toFloatArray(), back.toFloatArray(), 0f);
      assertTrue(x == OneDnn.toDense(x), "a dense array is returned as is");
    }
  }

  @Test
  void torchScriptModelAgreesWithDenseInEveryMode() throws Exception {
    List<ImageSource> in = sources(7);
    try (ExportedModel m = torchScript("tiny_classifier")) {
      float[][] dense;
      try (BatchPredictor p = m.newPredictor(3)) { // OFF is the default
        dense = probabilities(p, in);
      }
      for (OneDnn.Mode mode : List.of(OneDnn.Mode.ON, OneDnn.Mode.AUTO)) {
        try (BatchPredictor p = m.newPredictor(3).oneDnn(mode)) {
          float[][] got = probabilities(p, in);
          for (int i = 0; i < in.size(); i++) {
            assertArrayEquals(dense[i], got[i], 1e-5f, mode + " image " + i);
          }
        }
      }
    }
  }

  @Test
  void sparkfastModelAgreesWithDenseWithAndWithoutTta() {
    ModelConfig config = new ModelConfig("resnet18-small", 4, 3, 16, false);
    Vocab vocab = Vocab.of(List.of("ant", "bee", "cat", "dog"));
    List<ImageSource> in = sources(5);
    TtaConfig tta = TtaConfig.defaults(7);
    try (Model model = TinyModels.model(config)) {
      float[][] dense;
      List<Prediction> denseTta;
      try (BatchPredictor p = new BatchPredictor(model, vocab, ImagePipelineConfig.defaults(16), false, 2)) {
        dense = probabilities(p, in);
        denseTta = p.predictTta(in, 1, tta);
      }
      // ON: the body runs in oneDNN's layout and the head's concat pool brings it back to dense (ImageHead);
      // AUTO leaves block models dense
      for (OneDnn.Mode mode : List.of(OneDnn.Mode.ON, OneDnn.Mode.AUTO)) {
        try (BatchPredictor p = new BatchPredictor(model, vocab, ImagePipelineConfig.defaults(16), false, 2)
            .oneDnn(mode)) {
          float[][] got = probabilities(p, in);
          List<Prediction> gotTta = p.predictTta(in, 1, tta);
          for (int i = 0; i < in.size(); i++) {
            assertArrayEquals(dense[i], got[i], 1e-5f, mode + " image " + i);
            assertArrayEquals(denseTta.get(i).probabilities(), gotTta.get(i).probabilities(), 1e-5f,
                mode + " TTA image " + i);
          }
        }
      }
    }
  }

  @Test
  void autoFallsBackForATorchScriptModelThatRefusesTheLayout() throws Exception {
    // libtorch has no adaptive max pool for MKLDNN tensors: the layout fails at that operator
    List<ImageSource> in = sources(3);
    try (ExportedModel m = torchScript("maxpool_classifier")) {
      float[][] dense;
      try (BatchPredictor p = m.newPredictor(2)) {
        dense = probabilities(p, in);
      }
      try (BatchPredictor p = m.newPredictor(2).oneDnn(OneDnn.Mode.AUTO)) {
        float[][] got = probabilities(p, in);
        for (int i = 0; i < in.size(); i++) {
          assertArrayEquals(dense[i], got[i], 0f, "AUTO falls back to the dense pass, image " + i);
        }
      }
      try (BatchPredictor p = m.newPredictor(2).oneDnn(OneDnn.Mode.ON)) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> p.predict(in, 1));
        assertTrue(String.valueOf(e.getMessage()).contains("mkldnn")
            || String.valueOf(e.getCause()).contains("mkldnn"), String.valueOf(e));
      }
    }
  }

  @Test
  void onFailsLoudlyForABlockModelThatRefusesTheLayout() {
    SequentialBlock block = new SequentialBlock()
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build())
        .add(new LambdaBlock(l -> {
          NDArray pooled = Pool.globalMaxPool2d(l.singletonOrThrow());
          return new NDList(pooled.reshape(pooled.getShape().get(0), -1));
        }));
    Vocab vocab = Vocab.of(List.of("ant", "bee", "cat", "dog"));
    List<ImageSource> in = sources(3);
    try (Model model = Model.newInstance("refuses-onednn", "PyTorch")) {
      model.setBlock(block);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 16, 16));
      float[][] dense;
      try (BatchPredictor p = new BatchPredictor(model, vocab, ImagePipelineConfig.defaults(16), false, 2)) {
        dense = probabilities(p, in);
      }
      // AUTO leaves block models dense
      try (BatchPredictor p = new BatchPredictor(model, vocab, ImagePipelineConfig.defaults(16), false, 2)
          .oneDnn(OneDnn.Mode.AUTO)) {
        float[][] got = probabilities(p, in);
        for (int i = 0; i < in.size(); i++) {
          assertArrayEquals(dense[i], got[i], 0f, "image " + i);
        }
      }
      try (BatchPredictor p = new BatchPredictor(model, vocab, ImagePipelineConfig.defaults(16), false, 2)
          .oneDnn(OneDnn.Mode.ON)) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> p.predict(in, 1));
        assertTrue(String.valueOf(e.getMessage()).contains("mkldnn")
            || String.valueOf(e.getCause()).contains("mkldnn"), String.valueOf(e));
      }
    }
  }

  @Test
  void relativeDifference() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray a = m.create(new float[] {10f, -20f, 0.5f});
      assertEquals(0.0, OneDnn.relativeDifference(a, a.duplicate()), 0);
      assertEquals(0.1 / 20, OneDnn.relativeDifference(a, m.create(new float[] {10f, -20f, 0.6f})), 1e-6);
      NDArray small = m.create(new float[] {0.1f, 0.2f});
      assertEquals(0.05, OneDnn.relativeDifference(small, m.create(new float[] {0.15f, 0.2f})), 1e-6,
          "below 1 the difference is absolute");
      assertEquals(Double.POSITIVE_INFINITY, OneDnn.relativeDifference(a, m.create(new float[] {10f, -20f})));
    }
  }

  @Test
  void modeParsing() {
    assertEquals(OneDnn.Mode.AUTO, OneDnn.Mode.parse(" Auto "));
    assertEquals(OneDnn.Mode.OFF, OneDnn.Mode.parse("off"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OneDnn.Mode.parse("fast"));
    assertTrue(e.getMessage().contains("auto, on or off") && e.getMessage().contains("fast"), e.getMessage());
    assertTrue(OneDnn.available(), OneDnn.unavailableReason());
  }
}
