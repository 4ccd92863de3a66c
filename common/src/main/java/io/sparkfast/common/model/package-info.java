/**
 * Image classification models: backbones (ResNet-18/34/50, MobileNetV2, a small ResNet for 28x28 inputs,
 * TorchScript bodies) with fastai's {@code create_head}, the model factory, fastai-style parameter group
 * splits, and losses/metrics for single- and multi-label classification.
 */
package io.sparkfast.common.model;
