package io.sparkfast.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.sparkfast.common.data.ImagePipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRefTest {

  /** Executors resolve paths from their own working directory: the driver makes a relative labels path absolute. */
  @Test
  void aRelativeLabelsPathIsResolvedOnTheDriver() {
    ModelRef ref = ModelRef.resolve("models/net.pt", ImagePipelineConfig.defaults(8), "models/../labels.txt");
    assertEquals(Path.of("labels.txt").toAbsolutePath().toString(), ref.labels());
    assertEquals(Path.of("models/net.pt").toAbsolutePath().toString(), ref.uri());
    assertEquals(null, ModelRef.resolve("net.pt", ImagePipelineConfig.defaults(8), null).labels());
  }

  /** --incremental compares fingerprints: a copy of a model keeps it, any changed byte or file name changes it. */
  @Test
  void theFingerprintFollowsTheModelsFilesNotItsPath(@TempDir Path dir) throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Files.write(a.resolve("model.pt"), new byte[] {1, 2, 3});
    Files.writeString(a.resolve("labels.txt"), "x\ny\n");
    Path b = Files.createDirectories(dir.resolve("b"));
    Files.write(b.resolve("model.pt"), new byte[] {1, 2, 3});
    Files.writeString(b.resolve("labels.txt"), "x\ny\n");
    ImagePipelineConfig p = ImagePipelineConfig.defaults(8);
    String fa = ModelRef.resolve(a.toString(), p, null).fingerprint();
    assertEquals(64, fa.length());
    assertEquals(fa, ModelRef.resolve(b.toString(), p, null).fingerprint());
    Files.write(b.resolve("model.pt"), new byte[] {1, 2, 4});
    assertNotEquals(fa, ModelRef.resolve(b.toString(), p, null).fingerprint());
    Files.write(b.resolve("model.pt"), new byte[] {1, 2, 3});
    Files.move(b.resolve("labels.txt"), b.resolve("synset.txt"));
    assertNotEquals(fa, ModelRef.resolve(b.toString(), p, null).fingerprint());
    assertNotEquals(fa, ModelRef.resolve(a.toString(), ImagePipelineConfig.defaults(16), null).fingerprint(),
        "a TorchScript model's preprocessing is part of what it is");
  }
}
