package io.sparkfast.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.sparkfast.common.artifact.ExportedModel;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.NormStats;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor model cache: one model per model and device, loaded on that device. */
class ModelCacheTest {

  static final Path ROOT = Path.of(System.getProperty("sparkfast.root", "..")).toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void modelsAreCachedPerDeviceAndLoadedOnIt() throws Exception {
    Files.copy(ROOT.resolve("common/src/test/resources/torchscript/tiny_classifier.pt"), dir.resolve("model.pt"));
    Files.writeString(dir.resolve("labels.txt"), "circle\nsquare\nother\n");
    ModelRef ref = ModelRef.resolve(dir.resolve("model.pt").toString(),
        ImagePipelineConfig.defaults(16).withNorm(NormStats.identity(3)), "");
    ExportedModel cpu = ModelCache.get(ref, "cpu");
    assertSame(cpu, ModelCache.get(ref, "cpu"), "loaded once per JVM");
    assertEquals(Device.cpu(), cpu.model().getNDManager().getDevice());
    // a task given GPU n (TaskContext resources) must run on GPU n, not on the engine's default device
    int gpus = Engine.getEngine("PyTorch").getGpuCount();
    if (gpus > 0) {
      assertEquals(Device.gpu(gpus - 1), ModelCache.get(ref, "gpu:" + (gpus - 1)).model().getNDManager().getDevice());
    } else {
      assertThrows(RuntimeException.class, () -> ModelCache.get(ref, "gpu:1"),
          "no GPU 1 here: loading must fail rather than silently use another device");
    }
  }
}
