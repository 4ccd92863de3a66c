package io.sparkfast.common.train.callback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.param.LearningRates;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** MixUp mixes inputs with lambda >= 0.5 and interpolates per-sample losses, as fastai's MixUp. */
class MixUpTest {

  @Test
  void betaSamplerHasTheRightMoments() {
    Random r = new Random(5);
    int n = 200_000;
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double b = MixUp.sampleBeta(r, 0.4);
      assertTrue(b >= 0 && b <= 1);
      sum += b;
      sq += b * b;
    }
    double mean = sum / n;
    double var = sq / n - mean * mean;
    assertEquals(0.5, mean, 0.005);
    // Beta(a, a) variance = 1 / (4 (2a + 1))
    assertEquals(1 / (4 * 1.8), var, 0.003);
  }

  @Test
  void inputsAndLossAreMixed() {
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 8;
      Random r = new Random(1);
      float[] x = new float[n * 3];
      float[] y = new float[n];
      for (int i = 0; i < n; i++) {
        y[i] = i % 3;
        for (int f = 0; f < 3; f++) {
          x[i * 3 + f] = (float) r.nextGaussian();
        }
      }
      ArrayDataset data = new ArrayDataset.Builder().setData(m.create(x, new Shape(n, 3)))
          .optLabels(m.create(y, new Shape(n))).setSampling(n, false).build();
      Block net = Linear.builder().setUnits(3).build();
      Engine.getInstance().setRandomSeed(2);
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3));
      MixUp mix = new MixUp();
      float[][] seen = new float[2][];
      double[] loss = new double[1];
      Callback probe = new Callback() {
        @Override
        public int order() {
          return 1;
        }

        @Override
        public void afterPred(Learner learn) {
          if (learn.isTraining()) {
            seen[0] = learn.xb().head().toFloatArray();
            seen[1] = learn.pred().head().toFloatArray();
          }
        }

        @Override
        public void afterLoss(Learner learn) {
          if (learn.isTraining()) {
            loss[0] = learn.lossValue();
          }
        }
      };
      try (Learner learn = Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(data)
          .optCallbacks(mix, probe).optManager(m).build()) {
        Loss original = learn.lossFunction();
        learn.fit(1, LearningRates.of(1e-3));
        assertEquals(original, learn.lossFunction(), "the original loss is back after training");
      }
      float[] lams = mix.lastLambdas();
      long[] perm = mix.lastPermutation();
      long[] sorted = perm.clone();
      Arrays.sort(sorted);
      assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, sorted);
      double expectedLoss = 0;
      for (int i = 0; i < n; i++) {
        assertTrue(lams[i] >= 0.5f && lams[i] <= 1f, "lambda " + lams[i]);
        int j = (int) perm[i];
        for (int f = 0; f < 3; f++) {
          float mixed = x[j * 3 + f] + lams[i] * (x[i * 3 + f] - x[j * 3 + f]);
          assertEquals(mixed, seen[0][i * 3 + f], 1e-5f);
        }
        double[] logits = {seen[1][i * 3], seen[1][i * 3 + 1], seen[1][i * 3 + 2]};
        double lse = Math.log(Math.exp(logits[0]) + Math.exp(logits[1]) + Math.exp(logits[2]));
        double lOwn = lse - logits[(int) y[i]];
        double lPartner = lse - logits[(int) y[j]];
        expectedLoss += lPartner + lams[i] * (lOwn - lPartner);
      }
      assertEquals(expectedLoss / n, loss[0], 1e-5);
    }
  }

  @Test
  void needsAPerSampleLoss() {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset data = new ArrayDataset.Builder().setData(m.ones(new Shape(4, 3)))
          .optLabels(m.zeros(new Shape(4))).setSampling(4, false).build();
      Block net = Linear.builder().setUnits(3).build();
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3));
      try (Learner learn = Learner.builder().setBlock(net).setLoss(Loss.softmaxCrossEntropyLoss())
          .setTrainData(data).optCallbacks(new MixUp()).optManager(m).build()) {
        CallbackException e = assertThrows(CallbackException.class, () -> learn.fit(1, LearningRates.of(1e-3)));
        assertTrue(e.getMessage().contains("SampleLoss"), e.getMessage());
      }
    }
  }
}
