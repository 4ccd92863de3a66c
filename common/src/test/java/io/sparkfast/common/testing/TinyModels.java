package io.sparkfast.common.testing;

import ai.djl.Model;
import io.sparkfast.common.model.ImageModel;
import io.sparkfast.common.model.ImageModels;
import io.sparkfast.common.model.ModelConfig;

/** Small randomly initialized classifiers for inference tests. */
public final class TinyModels {
  private TinyModels() {}

  /** A DJL model holding an initialized resnet18-small classifier (caller closes it). */
  public static Model model(ModelConfig config) {
    ImageModel im = ImageModels.create(config);
    Model model = Model.newInstance("tiny", "PyTorch");
    model.setBlock(im.block());
    ImageModels.initialize(im, model.getNDManager());
    return model;
  }
}
