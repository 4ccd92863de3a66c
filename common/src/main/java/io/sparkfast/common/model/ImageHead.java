package io.sparkfast.common.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.XavierInitializer;

/**
 * fastai's {@code create_head(nf, n_out)} with its defaults ({@code lin_ftrs=[512]}, {@code ps=0.5},
 * {@code concat_pool=True}, {@code first_bn=True}, {@code lin_first=False}):
 *
 * <pre>
 * AdaptiveConcatPool2d (max, avg) -> Flatten -> BatchNorm1d(2nf) -> Dropout(0.25) -> Linear(2nf, 512, bias=False)
 *   -> ReLU -> BatchNorm1d(512) -> Dropout(0.5) -> Linear(512, n_out, bias=False)
 * </pre>
 *
 * <p>Linear weights get kaiming-normal initialization (fan-in, ReLU gain: fastai's
 * {@code apply_init(head, nn.init.kaiming_normal_)}); batch-norm weights 1 and biases 1e-3 (fastai's
 * {@code BatchNorm} init).
 */
public final class ImageHead {

  /** Hidden width of the head. */
  public static final int HIDDEN = 512;

  private ImageHead() {}

  /**
   * fastai's {@code AdaptiveConcatPool2d}: global max pool and global average pool concatenated (max first). A body
   * output in oneDNN's layout ({@link io.sparkfast.common.infer.OneDnn}, CPU inference) is made dense first: libtorch
   * has no adaptive max pool for it, and the head is cheap next to the body.
   */
  public static Block adaptiveConcatPool2d() {
    return new LambdaBlock(list -> {
      NDArray x = io.sparkfast.common.infer.OneDnn.toDense(list.singletonOrThrow());
      NDArray max = Pool.globalMaxPool2d(x);
      NDArray avg = Pool.globalAvgPool2d(x);
      return new NDList(max.reshape(max.getShape().get(0), -1).concat(avg.reshape(avg.getShape().get(0), -1), 1));
    }, "AdaptiveConcatPool2d");
  }

  /**
   * Builds the head.
   *
   * @param numFeatures channels of the body output ({@code nf})
   * @param numOut number of outputs
   */
  public static SequentialBlock create(long numFeatures, int numOut) {
    if (numFeatures < 1 || numOut < 1) {
      throw new IllegalArgumentException(
          "Head needs numFeatures >= 1 and numOut >= 1; got " + numFeatures + " and " + numOut);
    }
    Block lin1 = Linear.builder().setUnits(HIDDEN).optBias(false).build();
    Block lin2 = Linear.builder().setUnits(numOut).optBias(false).build();
    XavierInitializer kaiming = new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
        XavierInitializer.FactorType.IN, 2);
    lin1.setInitializer(kaiming, Parameter.Type.WEIGHT);
    lin2.setInitializer(kaiming, Parameter.Type.WEIGHT);
    Block bn1 = bn1d();
    Block bn2 = bn1d();
    SequentialBlock head = new SequentialBlock();
    head.add(adaptiveConcatPool2d())
        .add(Blocks.batchFlattenBlock())
        .add(bn1)
        .add(Dropout.builder().optRate(0.25f).build())
        .add(lin1)
        .add(Activation.reluBlock())
        .add(bn2)
        .add(Dropout.builder().optRate(0.5f).build())
        .add(lin2);
    return head;
  }

  private static Block bn1d() {
    Block bn = BatchNorm.builder().optEpsilon(1e-5f).optMomentum(0.9f).build();
    bn.setInitializer(new ConstantInitializer(1e-3f), Parameter.Type.BETA);
    return bn;
  }
}
