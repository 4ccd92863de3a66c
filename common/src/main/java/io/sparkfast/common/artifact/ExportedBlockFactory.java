package io.sparkfast.common.artifact;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import io.sparkfast.common.model.ImageModels;
import io.sparkfast.common.model.TorchScriptBackbone;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * DJL {@link BlockFactory} named in an export's {@code serving.properties}: rebuilds the (uninitialized)
 * classifier block from {@code preprocess.json} so that DJL can load the saved parameters into it.
 */
public final class ExportedBlockFactory implements BlockFactory {
  private static final long serialVersionUID = 1L;

  /** {@inheritDoc} */
  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
    ExportInfo info = ExportInfo.read(modelPath);
    if (TorchScriptBackbone.ARCH.equals(info.model().arch())) {
      return TorchScriptBackbone.emptyModelBlock(model, info.model(), info.numFeatures());
    }
    return ImageModels.create(info.model()).block();
  }
}
