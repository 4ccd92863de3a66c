package io.sparkfast.common.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.NormStats;
import io.sparkfast.common.data.ResizeMethod;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.infer.Prediction;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the committed TorchScript classifier (scripts/fixtures/make_torchscript_classifier.py: 3 classes, logits
 * out) as a path, a folder and a file:// URL, and checks its predictions against PyTorch's own.
 */
class TorchScriptClassifierTest {

  // softmax(model(x)) computed by PyTorch 1.13 (Debian python3-torch) on the same file, for x = ones and zeros of
  // shape (1, 3, 16, 16): what a white and a black image become with norm = none
  static final float[] WHITE = {0.36270872f, 0.30378488f, 0.33350638f};
  static final float[] BLACK = {0.36411819f, 0.30251375f, 0.33336806f};

  @TempDir Path dir;

  static ImagePipelineConfig pipeline() {
    return ImagePipelineConfig.defaults(16).withNorm(NormStats.identity(3)).withResizeMethod(ResizeMethod.SQUISH);
  }

  Path modelDir(String labels) throws Exception {
    Path d = Files.createDirectories(dir.resolve("ts"));
    Files.copy(Path.of(getClass().getResource("/torchscript/tiny_classifier.pt").toURI()), d.resolve("model.pt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    if (labels != null) {
      Files.writeString(d.resolve("synset.txt"), labels);
    }
    return d;
  }

  static ImageSource png(String name, Color color, int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, w, h);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return ImageSource.of(name, out.toByteArray());
  }

  @Test
  void predictsWhatPyTorchPredicts() throws Exception {
    Path d = modelDir("cat\ndog\nbird\n");
    for (String form : List.of(d.resolve("model.pt").toString(), d.toString(), d.toUri().toString())) {
      try (ExportedModel m = TorchScriptClassifier.load(form, pipeline(), null);
          BatchPredictor p = m.newPredictor(4)) {
        assertEquals(List.of("cat", "dog", "bird"), m.vocab().labels(), form);
        List<Prediction> out = p.predict(List.of(png("white", Color.WHITE, 16, 16), png("black", Color.BLACK, 40, 24),
            ImageSource.of("junk", new byte[] {1, 2, 3})), 2);
        assertArrayEquals(WHITE, out.get(0).probabilities(), 1e-5f, form);
        assertArrayEquals(BLACK, out.get(1).probabilities(), 1e-5f, form);
        assertEquals("cat", out.get(0).best().label());
        assertEquals(2, out.get(0).topK().size());
        assertFalse(out.get(2).ok(), "an undecodable image is an error, not a failure of the batch");
        assertEquals("torchscript", m.config().arch());
      }
    }
  }

  @Test
  void badModelsFailWithTheirReason() throws Exception {
    Path d = modelDir("a\nb\n");
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
        () -> TorchScriptClassifier.load(d.toString(), pipeline(), null));
    assertTrue(mismatch.getMessage().contains("label-count mismatch") && mismatch.getMessage().contains("3 outputs"),
        mismatch.getMessage());
    Files.delete(d.resolve("synset.txt"));
    IllegalArgumentException noLabels = assertThrows(IllegalArgumentException.class,
        () -> TorchScriptClassifier.load(d.resolve("model.pt").toString(), pipeline(), null));
    assertTrue(noLabels.getMessage().contains("no labels"), noLabels.getMessage());
    Path labels = Files.writeString(dir.resolve("my-labels.txt"), "x\ny\nz\n");
    try (ExportedModel m = TorchScriptClassifier.load(d.resolve("model.pt").toString(), pipeline(), labels)) {
      assertEquals(List.of("x", "y", "z"), m.vocab().labels());
    }
    Path junk = Files.writeString(dir.resolve("junk.pt"), "not a torchscript archive");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> TorchScriptClassifier.load(junk.toString(), pipeline(), labels));
    assertTrue(bad.getMessage().startsWith("cannot load TorchScript model"), bad.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> TorchScriptClassifier.load(dir.resolve("none.pt").toString(), pipeline(), labels));
    assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
  }
}
