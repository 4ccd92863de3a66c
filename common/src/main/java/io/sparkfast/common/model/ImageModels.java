package io.sparkfast.common.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model factory: {@code SequentialBlock[body, head]} for a {@link ModelConfig} (fastai's
 * {@code vision_learner} model without pretrained weights) with fastai-style parameter groups.
 */
public final class ImageModels {

  private static final Logger logger = LoggerFactory.getLogger(ImageModels.class);

  private ImageModels() {}

  /**
   * Builds the model of {@code config} (not yet initialized; see {@link #initialize}).
   *
   * @throws IllegalArgumentException on an unknown backbone, naming the valid ones
   */
  public static ImageModel create(ModelConfig config) {
    Backbone backbone = Backbones.create(config.arch());
    return assemble(config, backbone.body(), backbone.numFeatures(), backbone.splitAt());
  }

  /**
   * Puts fastai's head on {@code body} and computes the parameter groups.
   *
   * @param splitAt first body child of the second body group, or -1 for one body group
   */
  public static ImageModel assemble(ModelConfig config, Block body, long numFeatures, int splitAt) {
    SequentialBlock model = new SequentialBlock();
    model.add(body).add(ImageHead.create(numFeatures, config.nClasses()));
    return new ImageModel(config, model, split(model, splitAt));
  }

  /**
   * fastai's splitters on {@code SequentialBlock[body, head]}: for ResNets ({@code _resnet_split})
   * {@code [body[:splitAt], body[splitAt:], head]}; otherwise ({@code default_split}) {@code [body, head]}.
   */
  public static ParamGroups split(SequentialBlock model, int splitAt) {
    List<Pair<String, Block>> top = model.getChildren().stream().toList();
    if (top.size() != 2) {
      throw new IllegalArgumentException("Expected SequentialBlock[body, head]; got " + top.size() + " children");
    }
    String bodyPrefix = top.get(0).getKey() + "_";
    String headPrefix = top.get(1).getKey() + "_";
    Predicate<String> head = n -> n.startsWith(headPrefix);
    if (splitAt < 0) {
      return ParamGroups.split(model, List.of("body", "head"), List.of(n -> n.startsWith(bodyPrefix), head));
    }
    Block body = top.get(0).getValue();
    List<String> early = new ArrayList<>();
    List<Pair<String, Block>> children = body.getChildren().stream().toList();
    if (splitAt <= 0 || splitAt >= children.size()) {
      throw new IllegalArgumentException(
          "splitAt " + splitAt + " must fall inside the body's " + children.size() + " children");
    }
    for (int i = 0; i < splitAt; i++) {
      early.add(bodyPrefix + children.get(i).getKey() + "_");
    }
    Predicate<String> group0 = n -> early.stream().anyMatch(n::startsWith);
    return ParamGroups.split(model, List.of("body-early", "body-late", "head"),
        List.of(group0, n -> n.startsWith(bodyPrefix), head));
  }

  /**
   * Initializes the model's parameters for {@code batchShape}-shaped input (e.g. via
   * {@link ImageModel#inputShape}); parameters already initialized (a loaded TorchScript body) are kept.
   */
  public static void initialize(ImageModel model, NDManager manager) {
    Shape shape = model.inputShape(1);
    model.block().initialize(manager, DataType.FLOAT32, shape);
    logger.info("Initialized {} for input {}", model.config().arch(), shape);
  }
}
