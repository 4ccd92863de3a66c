package io.sparkfast.common.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.loss.Loss;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.List;

/**
 * A classifier ready for the Learner: the block ({@code SequentialBlock[body, head]}), its parameter groups
 * (input side first, head last), and the matching loss and metric.
 *
 * @param config what was built
 * @param block the model; child 0 is the body, child 1 the head
 * @param paramGroups fastai-style groups for freezing and discriminative learning rates
 */
public record ImageModel(ModelConfig config, Block block, ParamGroups paramGroups) {

  /**
   * The training loss on raw outputs (logits): softmax cross-entropy over class indices, or sigmoid binary
   * cross-entropy over multi-hot float targets for multi-label models.
   */
  public Loss loss() {
    return config.multiLabel() ? Loss.sigmoidBinaryCrossEntropyLoss() : Loss.softmaxCrossEntropyLoss();
  }

  /** The metric: accuracy, or thresholded (0.5) per-label accuracy for multi-label models. */
  public Evaluator metric() {
    return config.multiLabel() ? new MultiLabelAccuracy(0.5f) : new Accuracy();
  }

  /** Metrics list for a training config. */
  public List<Evaluator> metrics() {
    return List.of(metric());
  }

  /** The input shape of one batch of {@code batchSize} images. */
  public Shape inputShape(int batchSize) {
    return new Shape(batchSize, config.inChannels(), config.imageSize(), config.imageSize());
  }
}
