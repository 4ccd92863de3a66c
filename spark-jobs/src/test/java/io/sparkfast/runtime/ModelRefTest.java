package io.sparkfast.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkfast.common.data.ImagePipelineConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelRefTest {

  /** Executors resolve paths from their own working directory: the driver makes a relative labels path absolute. */
  @Test
  void aRelativeLabelsPathIsResolvedOnTheDriver() {
    ModelRef ref = ModelRef.resolve("models/net.pt", ImagePipelineConfig.defaults(8), "models/../labels.txt");
    assertEquals(Path.of("labels.txt").toAbsolutePath().toString(), ref.labels());
    assertEquals(Path.of("models/net.pt").toAbsolutePath().toString(), ref.uri());
    assertEquals(null, ModelRef.resolve("net.pt", ImagePipelineConfig.defaults(8), null).labels());
  }
}
