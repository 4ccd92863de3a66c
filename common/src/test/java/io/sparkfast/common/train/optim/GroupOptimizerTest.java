package io.sparkfast.common.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Single optimizer steps against hand-computed fastai updates. */
class GroupOptimizerTest {

  /** A Linear(1) on 2 inputs: weight (1, 2) and bias (1). */
  private static Block linear(NDManager m, float[] w, float b) {
    Block block = Linear.builder().setUnits(1).build();
    block.initialize(m, DataType.FLOAT32, new Shape(1, 2));
    block.getParameters().get("weight").getArray().set(w);
    block.getParameters().get("bias").getArray().set(new float[] {b});
    return block;
  }

  /** Sets the gradients to d(sum(c_w * w) + c_b * b) = (c_w, c_b). */
  private static void grads(Block block, float[] cw, float cb) {
    Parameter w = block.getParameters().get("weight");
    Parameter b = block.getParameters().get("bias");
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray cwArr = w.getArray().getManager().create(cw, new Shape(1, 2));
      NDArray loss = w.getArray().mul(cwArr).sum().add(b.getArray().mul(cb).sum());
      gc.backward(loss);
    }
  }

  private static float[] weight(Block block) {
    return block.getParameters().get("weight").getArray().toFloatArray();
  }

  private static float bias(Block block) {
    return block.getParameters().get("bias").getArray().toFloatArray()[0];
  }

  /**
   * One step of fastai's {@code Adam(decouple_wd=True)} on one value in double precision, the reference the tests
   * check against: updates {@code avg[i]} and {@code sqr[i]} and returns the new value of {@code p}.
   */
  private static double fastaiAdamW(double p, double g, double[] avg, double[] sqr, int i, int step, double lr,
      double mom, double sqrMom, double eps, double wd) {
    double d1 = 1 - Math.pow(mom, step);
    double d2 = 1 - Math.pow(sqrMom, step);
    avg[i] = mom * avg[i] + (1 - mom) * g;
    sqr[i] = sqrMom * sqr[i] + (1 - sqrMom) * g * g;
    return p * (1 - lr * wd) - lr / d1 * avg[i] / (Math.sqrt(sqr[i] / d2) + eps);
  }

  @Test
  void adamWTwoStepsMatchFastai() {
    try (NDManager m = NDManager.newBaseManager()) {
      Block block = linear(m, new float[] {1f, -2f}, 0.5f);
      ParamGroups groups = ParamGroups.single(block);
      String biasId = block.getParameters().get("bias").getId();
      GroupOptimizer opt = AdamW.factory().create(groups, Set.of(biasId), m);
      double lr = 0.1;
      double mom = 0.9;
      double sqrMom = 0.99;
      double eps = 1e-5;
      double wd = 0.01;
      opt.setHyper(GroupOptimizer.LR, lr);
      double[] p = {1, -2};
      double pb = 0.5;
      double[][] g = {{0.5, -1.5}, {-0.25, 2.0}};
      double[] gb = {0.3, 0.6};
      double[] avg = new double[2];
      double[] sqr = new double[2];
      double[] avgB = new double[1];
      double[] sqrB = new double[1];
      for (int step = 1; step <= 2; step++) {
        grads(block, new float[] {(float) g[step - 1][0], (float) g[step - 1][1]}, (float) gb[step - 1]);
        opt.step();
        opt.zeroGrad();
        for (int i = 0; i < 2; i++) {
          p[i] = fastaiAdamW(p[i], g[step - 1][i], avg, sqr, i, step, lr, mom, sqrMom, eps, wd);
        }
        // bias: no weight decay
        pb = fastaiAdamW(pb, gb[step - 1], avgB, sqrB, 0, step, lr, mom, sqrMom, eps, 0);
        float[] actual = weight(block);
        assertEquals(p[0], actual[0], 1e-6, "weight[0] after step " + step);
        assertEquals(p[1], actual[1], 1e-6, "weight[1] after step " + step);
        assertEquals(pb, bias(block), 1e-6, "bias after step " + step);
      }
      assertEquals(2, opt.state(block.getParameters().get("weight").getId()).step());
      opt.close();
    }
  }

  @Test
  void adamWMatchesFastaiWithScheduledMomentumAndGradientsNearEps() {
    // gradients of the order of eps, so eps's place in the denominator matters, and a momentum and learning rate that
    // change every step as one-cycle's do: the debiasing uses each step's momentum, as fastai's does
    try (NDManager m = NDManager.newBaseManager()) {
      Block block = linear(m, new float[] {1f, -2f}, 0.5f);
      GroupOptimizer opt = AdamW.factory().create(ParamGroups.single(block), Set.of(), m);
      double sqrMom = 0.99;
      double eps = 1e-5;
      double wd = 0.01;
      double[] p = {1, -2};
      double[] avg = new double[2];
      double[] sqr = new double[2];
      for (int step = 1; step <= 5; step++) {
        double lr = 0.01 * step;
        double mom = 0.95 - 0.02 * step;
        double[] g = {1e-5 * step, -3e-6 * (6 - step)};
        opt.setHyper(GroupOptimizer.LR, lr);
        opt.setHyper(GroupOptimizer.MOM, mom);
        grads(block, new float[] {(float) g[0], (float) g[1]}, 0f);
        opt.step();
        opt.zeroGrad();
        float[] actual = weight(block);
        for (int i = 0; i < 2; i++) {
          p[i] = fastaiAdamW(p[i], (float) g[i], avg, sqr, i, step, lr, mom, sqrMom, eps, wd);
          assertEquals(p[i], actual[i], 1e-6, "weight[" + i + "] after step " + step);
        }
      }
      opt.close();
    }
  }

  @Test
  void adamWFirstStepIsSignTimesLr() {
    // With zero state, step 1 moves each weight by about lr * sign(g) (plus weight decay).
    try (NDManager m = NDManager.newBaseManager()) {
      Block block = linear(m, new float[] {1f, 1f}, 0f);
      GroupOptimizer opt = AdamW.factory(0.9, 0.99, 1e-5, 0).create(ParamGroups.single(block), Set.of(), m);
      opt.setHyper(GroupOptimizer.LR, 0.01);
      grads(block, new float[] {3f, -0.5f}, 1f);
      opt.step();
      assertArrayEquals(new float[] {0.99f, 1.01f}, weight(block), 1e-6f);
      opt.close();
    }
  }

  @Test
  void sgdPlainAndWithMomentum() {
    try (NDManager m = NDManager.newBaseManager()) {
      Block block = linear(m, new float[] {1f, -2f}, 0.5f);
      GroupOptimizer opt = Sgd.factory().create(ParamGroups.single(block), Set.of(), m);
      opt.setHyper(GroupOptimizer.LR, 0.5);
      grads(block, new float[] {0.2f, -0.4f}, 1f);
      opt.step();
      opt.zeroGrad();
      assertArrayEquals(new float[] {0.9f, -1.8f}, weight(block), 1e-6f);
      assertEquals(0f, bias(block), 1e-6f);
      opt.close();

      Block b2 = linear(m, new float[] {1f, -2f}, 0.5f);
      GroupOptimizer mom = Sgd.factory(0.9, 0.1).create(ParamGroups.single(b2), Set.of(), m);
      mom.setHyper(GroupOptimizer.LR, 0.5);
      double w = 1;
      double avg = 0;
      double[] g = {0.2, 0.6};
      for (double gi : g) {
        grads(b2, new float[] {(float) gi, 0f}, 0f);
        mom.step();
        mom.zeroGrad();
        w *= 1 - 0.5 * 0.1;
        avg = 0.9 * avg + gi;
        w -= 0.5 * avg;
      }
      assertEquals(w, weight(b2)[0], 1e-6);
      mom.close();
    }
  }

  @Test
  void perGroupHypersAndFrozenParametersAreSkipped() {
    try (NDManager m = NDManager.newBaseManager()) {
      Block block = linear(m, new float[] {1f, 1f}, 1f);
      ParamGroups groups = ParamGroups.split(block, java.util.List.of("w", "b"),
          java.util.List.of(n -> n.contains("weight"), n -> true));
      GroupOptimizer opt = Sgd.factory().create(groups, Set.of(), m);
      opt.setHyper(GroupOptimizer.LR, new double[] {0.1, 1.0});
      assertEquals(0.1, opt.hyper(GroupOptimizer.LR, 0), 0);
      assertEquals(1.0, opt.hyper(GroupOptimizer.LR, 1), 0);
      grads(block, new float[] {1f, 1f}, 1f);
      opt.step();
      opt.zeroGrad();
      assertArrayEquals(new float[] {0.9f, 0.9f}, weight(block), 1e-6f);
      assertEquals(0f, bias(block), 1e-6f);
      groups.freezeTo(1, true);
      grads(block, new float[] {1f, 1f}, 1f);
      opt.step();
      opt.zeroGrad();
      assertArrayEquals(new float[] {0.9f, 0.9f}, weight(block), 1e-6f, "frozen weight must not move");
      assertEquals(-1f, bias(block), 1e-6f);
      opt.close();
    }
  }
}
