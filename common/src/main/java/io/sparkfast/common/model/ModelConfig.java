package io.sparkfast.common.model;

import java.io.Serializable;

/**
 * What model to build.
 *
 * @param arch backbone name, one of {@link Backbones#ARCHS}
 * @param nClasses number of outputs (classes)
 * @param inChannels input channels (3 for RGB, 1 for grayscale)
 * @param imageSize square input size the model is built and checked for
 * @param multiLabel sigmoid outputs with binary cross-entropy (true) or softmax with cross-entropy (false)
 */
public record ModelConfig(String arch, int nClasses, int inChannels, int imageSize, boolean multiLabel)
    implements Serializable {
  public ModelConfig {
    if (arch == null || arch.isBlank()) {
      throw new IllegalArgumentException("ModelConfig.arch must be set; valid backbones: " + Backbones.ARCHS);
    }
    if (nClasses < 1) {
      throw new IllegalArgumentException("ModelConfig.nClasses must be >= 1; got " + nClasses);
    }
    if (inChannels < 1) {
      throw new IllegalArgumentException("ModelConfig.inChannels must be >= 1; got " + inChannels);
    }
    if (imageSize < 8) {
      throw new IllegalArgumentException("ModelConfig.imageSize must be >= 8; got " + imageSize);
    }
  }
}
