package io.sparkfast.common.train.callback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.LearnerConfig;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.optim.AdamW;
import io.sparkfast.common.train.optim.OptimizerFactory;
import io.sparkfast.common.train.optim.Sgd;
import io.sparkfast.common.train.param.LearningRates;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Batch 2b equals 2 micro-batches of b with GradientAccumulation(nAcc = 2b), for a model without BatchNorm, at a
 * constant learning rate (schedules advance per micro-batch, as in fastai, so a one-cycle fit differs).
 */
class GradientAccumulationTest {

  private static ArrayDataset data(NDManager m, int batch) {
    Random r = new Random(3);
    int n = 48;
    float[] x = new float[n * 4];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
      for (int f = 0; f < 4; f++) {
        x[i * 4 + f] = (float) r.nextGaussian() + (f == y[i] ? 1 : 0);
      }
    }
    return new ArrayDataset.Builder().setData(m.create(x, new Shape(n, 4))).optLabels(m.create(y, new Shape(n)))
        .setSampling(batch, false).build();
  }

  private static Block net(NDManager m) {
    SequentialBlock b = new SequentialBlock().add(Linear.builder().setUnits(8).build()).add(Activation::tanh)
        .add(Linear.builder().setUnits(3).build());
    Engine.getInstance().setRandomSeed(11);
    b.initialize(m, DataType.FLOAT32, new Shape(1, 4));
    return b;
  }

  private static float[] train(NDManager m, OptimizerFactory opt, int batch, Callback... cbs) {
    Block net = net(m);
    try (Learner learn = Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(data(m, batch))
        .optConfig(LearnerConfig.defaults().withOptimizer(opt)).optCallbacks(cbs).optManager(m).build()) {
      learn.fit(2, LearningRates.of(0.05));
      float[] all = new float[0];
      for (var p : net.getParameters()) {
        float[] v = p.getValue().getArray().toFloatArray();
        float[] joined = new float[all.length + v.length];
        System.arraycopy(all, 0, joined, 0, all.length);
        System.arraycopy(v, 0, joined, all.length, v.length);
        all = joined;
      }
      if (cbs.length > 0) {
        assertEquals(2 * 48 / batch, learn.recorder().rawLosses().size(), "every micro-batch loss is recorded");
      }
      return all;
    }
  }

  @Test
  void accumulatedMicroBatchesMatchTheLargeBatch() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (OptimizerFactory opt : new OptimizerFactory[] {Sgd.factory(0.9, 0.01), AdamW.factory()}) {
        float[] big = train(m, opt, 8);
        float[] acc = train(m, opt, 4, new GradientAccumulation(8));
        assertArrayEquals(big, acc, 2e-5f);
        float[] plainSmall = train(m, opt, 4);
        double diff = 0;
        for (int i = 0; i < big.length; i++) {
          diff = Math.max(diff, Math.abs(big[i] - plainSmall[i]));
        }
        assertTrue(diff > 1e-3, "without accumulation batch 4 must differ from batch 8; max diff " + diff);
      }
    }
  }
}
