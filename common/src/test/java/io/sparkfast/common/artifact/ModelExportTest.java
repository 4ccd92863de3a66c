package io.sparkfast.common.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.infer.Prediction;
import io.sparkfast.common.model.ModelConfig;
import io.sparkfast.common.testing.TestImages;
import io.sparkfast.common.testing.TinyModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelExportTest {

  private static final Vocab VOCAB = Vocab.of(List.of("a", "b", "c"));
  private static final ModelConfig CONFIG = new ModelConfig("resnet18-small", 3, 3, 16, false);
  private static final ImagePipelineConfig PIPE = ImagePipelineConfig.defaults(16).withPresize(20);

  private static List<ImageSource> sources() {
    List<ImageSource> s = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      s.add(ImageSource.of("i" + i, TestImages.pngBytes(TestImages.noise(24, 20, 100 + i))));
    }
    return s;
  }

  @Test
  void exportThenLoadGivesTheSamePredictions(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("exported");
    List<Prediction> before;
    try (Model model = TinyModels.model(CONFIG);
        BatchPredictor p = new BatchPredictor(model, VOCAB, PIPE, false, 4)) {
      before = p.predict(sources(), 3);
      ModelExport.export(dir, model.getBlock(), CONFIG, VOCAB, PIPE, 256, false);
    }
    assertTrue(Files.isRegularFile(dir.resolve("model-0000.params")));
    assertEquals(List.of("a", "b", "c"), Files.readAllLines(dir.resolve("labels.txt")));
    assertEquals(Files.readString(dir.resolve("labels.txt")), Files.readString(dir.resolve("synset.txt")));
    Properties props = new Properties();
    props.load(Files.newBufferedReader(dir.resolve("serving.properties"), StandardCharsets.UTF_8));
    assertEquals("PyTorch", props.getProperty("engine"));
    assertEquals(ServingTranslatorFactory.class.getName(), props.getProperty("translatorFactory"));
    assertEquals(ExportedBlockFactory.class.getName(), props.getProperty("blockFactory"));
    String json = Files.readString(dir.resolve("preprocess.json"));
    assertTrue(json.contains("\"arch\": \"resnet18-small\"") && json.contains("\"presize\": 20"), json);

    try (ExportedModel loaded = ModelExport.load(dir)) {
      assertEquals(CONFIG, loaded.config());
      assertEquals(PIPE, loaded.pipeline());
      assertEquals(VOCAB, loaded.vocab());
      try (BatchPredictor p = loaded.newPredictor(2)) {
        List<Prediction> after = p.predict(sources(), 3);
        for (int i = 0; i < before.size(); i++) {
          assertArrayEquals(before.get(i).probabilities(), after.get(i).probabilities(), 1e-5f);
          assertEquals(before.get(i).best().label(), after.get(i).best().label());
        }
      }
      // DJL's own Image -> Classifications path (what DJL Serving uses) agrees too
      try (Predictor<Image, Classifications> djl = loaded.model().newPredictor()) {
        Classifications c = djl.predict(sources().get(0).decode());
        assertEquals(before.get(0).best().label(), c.best().getClassName());
        assertEquals(before.get(0).best().probability(), c.best().getProbability(), 1e-5);
      }
    }
  }

  @Test
  void multiLabelExportKeepsItsThresholdAndSigmoidOutputs(@TempDir Path tmp) throws Exception {
    ModelConfig multi = new ModelConfig("resnet18-small", 3, 3, 16, true);
    Path dir = tmp.resolve("multi");
    try (Model model = TinyModels.model(multi)) {
      ModelExport.export(dir, model.getBlock(), multi, VOCAB, PIPE, 256, 0.3, false);
    }
    try (ExportedModel loaded = ModelExport.load(dir); BatchPredictor p = loaded.newPredictor(4)) {
      assertTrue(loaded.config().multiLabel());
      assertEquals(0.3, loaded.threshold(), 1e-12);
      double maxGap = 0;
      for (Prediction pr : p.predict(sources(), 3)) {
        float sum = 0;
        for (float v : pr.probabilities()) {
          assertTrue(v > 0 && v < 1, "sigmoid output " + v);
          sum += v;
        }
        maxGap = Math.max(maxGap, Math.abs(sum - 1));
      }
      assertTrue(maxGap > 1e-3, "independent sigmoid probabilities need not sum to 1 like a softmax's");
    }
    // an export written before the threshold was recorded reads as fastai's 0.5
    Path json = dir.resolve("preprocess.json");
    Files.writeString(json, Files.readString(json).replaceAll("\\s*\"threshold\": [0-9.]+,", ""));
    assertTrue(!Files.readString(json).contains("threshold"));
    assertEquals(0.5, ExportInfo.read(dir).threshold(), 1e-12);
  }

  @Test
  void clearErrorsForBrokenModelDirectories(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("m");
    try (Model model = TinyModels.model(CONFIG)) {
      ModelExport.export(dir, model.getBlock(), CONFIG, VOCAB, PIPE, 256, false);
      IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
          () -> ModelExport.export(dir, model.getBlock(), CONFIG, VOCAB, PIPE, 256, false));
      assertTrue(exists.getMessage().contains("already exists"));
      IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
          () -> ModelExport.export(tmp.resolve("x"), model.getBlock(), CONFIG, Vocab.of(List.of("a", "b")), PIPE, 256, false));
      assertTrue(mismatch.getMessage().contains("label-count mismatch"), mismatch.getMessage());
    }
    // labels.txt with the wrong number of labels
    Files.writeString(dir.resolve("labels.txt"), "a\nb\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("label-count mismatch"), e.getMessage());
    // parameters for 3 classes but metadata and labels claim 2: detected after loading
    Files.writeString(dir.resolve("preprocess.json"),
        Files.readString(dir.resolve("preprocess.json")).replace("\"nClasses\": 3", "\"nClasses\": 2"));
    e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("label-count mismatch") && e.getMessage().contains("3 outputs"), e.getMessage());
    // missing labels
    Files.delete(dir.resolve("labels.txt"));
    e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("labels"), e.getMessage());
    // corrupt metadata
    Files.writeString(dir.resolve("labels.txt"), "a\nb\n");
    Files.writeString(dir.resolve("preprocess.json"), "{not json");
    e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("Corrupt model metadata"), e.getMessage());
    // missing directory
    e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(tmp.resolve("nope")));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
  }

  @Test
  void missingOrCorruptParametersAreReported(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("m");
    try (Model model = TinyModels.model(CONFIG)) {
      ModelExport.export(dir, model.getBlock(), CONFIG, VOCAB, PIPE, 256, false);
    }
    byte[] good = Files.readAllBytes(dir.resolve("model-0000.params"));
    Files.write(dir.resolve("model-0000.params"), new byte[] {'D', 'J', 'L', '@', 0, 0});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("Corrupt or incompatible"), e.getMessage());
    assertFalse(e.getMessage().endsWith("null"), e.getMessage());
    // junk bytes and a truncated file: both named as a corrupt model, with the parameter file
    byte[] junk = new byte[4096];
    new java.util.Random(1).nextBytes(junk);
    Files.write(dir.resolve("model-0000.params"), junk);
    e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("Corrupt or incompatible") && e.getMessage().contains("model-0000.params"),
        e.getMessage());
    Files.write(dir.resolve("model-0000.params"), java.util.Arrays.copyOf(good, good.length / 2));
    e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("Corrupt or incompatible") && e.getMessage().contains("model-0000.params"),
        e.getMessage());
    Files.delete(dir.resolve("model-0000.params"));
    e = assertThrows(IllegalArgumentException.class, () -> ModelExport.load(dir));
    assertTrue(e.getMessage().contains("no parameter file model-0000.params"), e.getMessage());
  }
}
