package io.sparkfast.common.train.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Loss values on tiny examples computed by hand from the fastai/PyTorch formulas. */
class LossTest {

  private static final double[][] LOGITS = {{1, 2, 3}, {0.5, -1, 0}};
  private static final int[] LABELS = {2, 0};

  private static double[] logSoftmax(double[] x) {
    double max = Math.max(x[0], Math.max(x[1], x[2]));
    double sum = 0;
    for (double v : x) {
      sum += Math.exp(v - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] - lse;
    }
    return out;
  }

  private static NDList preds(NDManager m) {
    return new NDList(m.create(new float[] {1, 2, 3, 0.5f, -1, 0}, new Shape(2, 3)));
  }

  private static NDList labels(NDManager m) {
    return new NDList(m.create(new float[] {2, 0}));
  }

  @Test
  void crossEntropyPlainAndWeighted() {
    try (NDManager m = NDManager.newBaseManager()) {
      double l0 = -logSoftmax(LOGITS[0])[2];
      double l1 = -logSoftmax(LOGITS[1])[0];
      assertEquals((l0 + l1) / 2, new CrossEntropy().evaluate(labels(m), preds(m)).getFloat(), 1e-6);
      float[] w = {2f, 1f, 0.5f};
      // PyTorch weighted mean: sum(w[y] * l) / sum(w[y])
      double expected = (0.5 * l0 + 2 * l1) / (0.5 + 2);
      assertEquals(expected, new CrossEntropy(w).evaluate(labels(m), preds(m)).getFloat(), 1e-6);
      assertArrayEquals(new float[] {(float) (0.5 * l0), (float) (2 * l1)},
          new CrossEntropy(w).perSample(labels(m), preds(m)).toFloatArray(), 1e-6f);
      assertThrows(IllegalArgumentException.class,
          () -> new CrossEntropy(new float[] {1, 1}).evaluate(labels(m), preds(m)));
    }
  }

  @Test
  void labelSmoothingMatchesFastaiFormula() {
    try (NDManager m = NDManager.newBaseManager()) {
      double eps = 0.1;
      double smoothSum = 0;
      double nll = 0;
      double[] perSample = new double[2];
      for (int i = 0; i < 2; i++) {
        double[] lp = logSoftmax(LOGITS[i]);
        double s = -(lp[0] + lp[1] + lp[2]);
        smoothSum += s;
        nll += -lp[LABELS[i]];
        perSample[i] = s * eps / 3 + (1 - eps) * -lp[LABELS[i]];
      }
      double expected = smoothSum / 2 * eps / 3 + (1 - eps) * nll / 2;
      assertEquals(expected, new LabelSmoothingCrossEntropy().evaluate(labels(m), preds(m)).getFloat(), 1e-6);
      assertArrayEquals(new float[] {(float) perSample[0], (float) perSample[1]},
          new LabelSmoothingCrossEntropy().perSample(labels(m), preds(m)).toFloatArray(), 1e-6f);
      // eps = 0 is plain cross-entropy
      assertEquals(new CrossEntropy().evaluate(labels(m), preds(m)).getFloat(),
          new LabelSmoothingCrossEntropy(0, null).evaluate(labels(m), preds(m)).getFloat(), 1e-6);
      // single-sample hand value: logits (1,2,3), label 2
      double[] lp = logSoftmax(LOGITS[0]);
      double single = 0.1 / 3 * -(lp[0] + lp[1] + lp[2]) + 0.9 * -lp[2];
      NDList one = new NDList(m.create(new float[] {1, 2, 3}, new Shape(1, 3)));
      assertEquals(single, new LabelSmoothingCrossEntropy().evaluate(new NDList(m.create(new float[] {2})), one)
          .getFloat(), 1e-6);
      assertEquals(0.5076, single, 1e-4);
    }
  }

  @Test
  void bceWithLogitsMatchesTheSigmoidFormula() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] x = {1, 2, -3, 0.5f, -1, 0, 30, -30};
      float[] y = {1, 0, 0, 1, 1, 0, 1, 0};
      double sum = 0;
      double[] row = new double[2];
      for (int i = 0; i < x.length; i++) {
        double p = 1 / (1 + Math.exp(-x[i]));
        // -(y log p + (1 - y) log(1 - p)); at |x| = 30 the naive form is fine in double precision
        double l = -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
        sum += l;
        row[i / 4] += l / 4;
      }
      NDList preds = new NDList(m.create(x, new Shape(2, 4)));
      NDList labels = new NDList(m.create(y, new Shape(2, 4)));
      assertEquals(sum / x.length, new BceWithLogits().evaluate(labels, preds).getFloat(), 1e-6);
      assertArrayEquals(new float[] {(float) row[0], (float) row[1]},
          new BceWithLogits().perSample(labels, preds).toFloatArray(), 1e-6f);
      // class indices instead of multi-hot targets: a clear error
      assertThrows(IllegalArgumentException.class,
          () -> new BceWithLogits().evaluate(new NDList(m.create(new float[] {1, 0})), preds));
    }
  }
}
