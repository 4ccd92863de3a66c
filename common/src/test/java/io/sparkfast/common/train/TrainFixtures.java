package io.sparkfast.common.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.dataset.ArrayDataset;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.List;
import java.util.Random;

/** Small models and synthetic datasets for the training tests. */
final class TrainFixtures {

  private TrainFixtures() {}

  /**
   * A learnable 3-class task: each sample is a 1x4x4 "image" whose class decides which quadrant is bright,
   * plus Gaussian noise.
   */
  static ArrayDataset images(NDManager m, int n, int batch, boolean shuffle, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 16];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(3);
      y[i] = c;
      for (int p = 0; p < 16; p++) {
        int row = p / 4;
        int col = p % 4;
        boolean bright = (c == 0 && row < 2 && col < 2) || (c == 1 && row >= 2 && col >= 2) || (c == 2 && row < 2 && col >= 2);
        x[i * 16 + p] = (bright ? 1.0f : 0.0f) + (float) (0.5 * r.nextGaussian());
      }
    }
    NDArray data = m.create(x, new Shape(n, 1, 4, 4));
    NDArray labels = m.create(y, new Shape(n));
    return new ArrayDataset.Builder().setData(data).optLabels(labels).setSampling(batch, shuffle).build();
  }

  /** Flat 8-feature 3-class blobs. */
  static ArrayDataset blobs(NDManager m, int n, int batch, boolean shuffle, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 8];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(3);
      y[i] = c;
      for (int f = 0; f < 8; f++) {
        x[i * 8 + f] = (float) ((f % 3 == c ? 1.5 : 0) + r.nextGaussian());
      }
    }
    return new ArrayDataset.Builder().setData(m.create(x, new Shape(n, 8))).optLabels(m.create(y, new Shape(n)))
        .setSampling(batch, shuffle).build();
  }

  /** Linear(16) - ReLU - Linear(3), optionally with dropout, initialized with {@code seed}. */
  static Block mlp(NDManager m, int hidden, boolean dropout, int seed) {
    SequentialBlock b = new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::relu);
    if (dropout) {
      b.add(Dropout.builder().optRate(0.2f).build());
    }
    b.add(Linear.builder().setUnits(3).build());
    Engine.getInstance().setRandomSeed(seed);
    b.initialize(m, DataType.FLOAT32, new Shape(1, 8));
    return b;
  }

  /** A body (Linear + BatchNorm + ReLU) and a head (Linear), split in two groups by {@link #bodyHead}. */
  static SequentialBlock bnNet(NDManager m, int seed) {
    SequentialBlock body = new SequentialBlock()
        .add(Linear.builder().setUnits(16).build())
        .add(BatchNorm.builder().build())
        .add(Activation::relu);
    SequentialBlock net = new SequentialBlock().add(body).add(Linear.builder().setUnits(3).build());
    Engine.getInstance().setRandomSeed(seed);
    net.initialize(m, DataType.FLOAT32, new Shape(2, 8));
    return net;
  }

  /** Two groups: the first child ("body") and the rest ("head"). */
  static ParamGroups bodyHead(Block net) {
    String bodyPrefix = net.getChildren().get(0).getKey();
    return ParamGroups.split(net, List.of("body", "head"), List.of(n -> n.startsWith(bodyPrefix), n -> true));
  }

  /** A tiny conv net for 1x4x4 images: conv - BN - relu - flatten - linear. */
  static SequentialBlock convNet(NDManager m, int seed) {
    SequentialBlock body = new SequentialBlock()
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
        .add(BatchNorm.builder().build())
        .add(Activation::relu)
        .add(Blocks.batchFlattenBlock());
    SequentialBlock net = new SequentialBlock().add(body).add(Linear.builder().setUnits(3).build());
    Engine.getInstance().setRandomSeed(seed);
    net.initialize(m, DataType.FLOAT32, new Shape(2, 1, 4, 4));
    return net;
  }
}
