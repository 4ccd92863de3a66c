package io.sparkfast.common.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import io.sparkfast.common.artifact.ExportedModel;
import io.sparkfast.common.artifact.ModelExport;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.infer.Prediction;
import io.sparkfast.common.testing.TestImages;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the committed TorchScript fixture (scripts/fixtures/make_torchscript_body.py: Conv-BN-ReLU x2,
 * 3 -> 16 channels, stride 2) as a classifier body, offline.
 */
class TorchScriptBackboneTest {

  static Path fixture() {
    try {
      return Path.of(TorchScriptBackboneTest.class.getResource("/torchscript/tiny_body.pt").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Block body(ImageModel m) {
    return m.block().getChildren().get(0).getValue();
  }

  @Test
  void loadsFromPathAsTrainableBodyWithHead() {
    try (TorchScriptBackbone ts = TorchScriptBackbone.load(fixture().toString(), true, 3, 16);
        NDManager m = NDManager.newBaseManager()) {
      assertEquals(16, ts.numFeatures());
      ImageModel model = ts.classifier(5, 3, 16, false);
      assertEquals(TorchScriptBackbone.ARCH, model.config().arch());
      ImageModels.initialize(model, m);
      assertEquals(List.of("body", "head"), model.paramGroups().groups().stream().map(g -> g.name()).toList());
      assertTrue(model.paramGroups().get(0).parameters().size() >= 6, "conv and batch-norm weights of the body");

      NDArray x = m.randomNormal(new Shape(4, 3, 16, 16));
      NDArray y = m.create(new long[] {0, 1, 2, 3});
      ParameterStore ps = new ParameterStore(m, false);
      Parameter conv1 = body(model).getParameters().stream().map(Pair::getValue)
          .filter(p -> p.getName().contains("conv1")).findFirst().orElseThrow();
      assertTrue(conv1.requiresGradient(), "trainParam=true makes the TorchScript weights trainable");
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = model.block().forward(ps, new NDList(x), true).singletonOrThrow();
        assertEquals(new Shape(4, 5), logits.getShape());
        NDArray loss = Loss.softmaxCrossEntropyLoss().evaluate(new NDList(y), new NDList(logits));
        gc.backward(loss);
      }
      float gradNorm = conv1.getArray().getGradient().abs().sum().getFloat();
      assertTrue(gradNorm > 0, "gradient reaches the TorchScript body");
    }
  }

  @Test
  void frozenWhenNotTrainableAndLoadableFromFileUrls(@TempDir Path tmp) throws Exception {
    try (TorchScriptBackbone ts = TorchScriptBackbone.load(fixture().toUri().toString(), false, 3, 16)) {
      assertEquals(16, ts.numFeatures());
      assertTrue(ts.body().getParameters().stream().noneMatch(p -> p.getValue().requiresGradient()));
    }
    Path dir = Files.createDirectories(tmp.resolve("tiny_body"));
    Files.copy(fixture(), dir.resolve("tiny_body.pt"));
    try (TorchScriptBackbone ts = TorchScriptBackbone.load(dir.toUri().toString(), true, 3, 32)) {
      assertEquals(16, ts.numFeatures());
    }
  }

  @Test
  void clearErrorsForMissingFilesAndOfflineZooUrls(@TempDir Path tmp) throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TorchScriptBackbone.load(tmp.resolve("none.pt").toString(), true, 3, 16));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
    Path junk = Files.writeString(tmp.resolve("junk.pt"), "not a torchscript archive");
    e = assertThrows(IllegalArgumentException.class, () -> TorchScriptBackbone.load(junk.toString(), true, 3, 16));
    assertTrue(e.getMessage().contains("Cannot load TorchScript body") && e.getMessage().contains("junk.pt"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TorchScriptBackbone.load("djl://ai.djl.pytorch/resnet18_embedding", true, 3, 16));
    assertTrue(e.getMessage().contains("djl://") && e.getMessage().contains("offline"), e.getMessage());
  }

  @Test
  void torchScriptClassifierExportRoundTrip(@TempDir Path tmp) {
    Vocab vocab = Vocab.of(List.of("x", "y", "z"));
    ImagePipelineConfig pipe = ImagePipelineConfig.defaults(16);
    List<ImageSource> images = List.of(
        ImageSource.of("a", TestImages.pngBytes(TestImages.noise(16, 16, 1))),
        ImageSource.of("b", TestImages.pngBytes(TestImages.noise(16, 16, 2))));
    Path dir = tmp.resolve("ts-export");
    List<Prediction> before;
    try (TorchScriptBackbone ts = TorchScriptBackbone.load(fixture().toString(), true, 3, 16);
        Model model = Model.newInstance("ts", "PyTorch")) {
      ImageModel im = ts.classifier(3, 3, 16, false);
      model.setBlock(im.block());
      ImageModels.initialize(im, model.getNDManager());
      try (BatchPredictor p = new BatchPredictor(model, vocab, pipe, false, 2)) {
        before = p.predict(images, 3);
      }
      ModelExport.export(dir, im.block(), im.config(), vocab, pipe, ts.numFeatures(), false);
    }
    try (ExportedModel loaded = ModelExport.load(dir); BatchPredictor p = loaded.newPredictor(2)) {
      List<Prediction> after = p.predict(images, 3);
      for (int i = 0; i < 2; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(before.get(i).probabilities(), after.get(i).probabilities(), 1e-5f);
      }
      assertFalse(after.get(0).topK().isEmpty());
    }
  }
}
