package io.sparkfast.common.train.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Metrics accumulate counts, so uneven batches give the whole-set value. */
class MetricTest {

  /** One-hot-ish logits predicting {@code classes}. */
  private static NDList preds(NDManager m, int... classes) {
    float[] x = new float[classes.length * 3];
    for (int i = 0; i < classes.length; i++) {
      x[i * 3 + classes[i]] = 1;
    }
    return new NDList(m.create(x, new Shape(classes.length, 3)));
  }

  private static NDList labels(NDManager m, float... y) {
    return new NDList(m.create(y));
  }

  @Test
  void unevenBatchesGiveWholeSetValues() {
    try (NDManager m = NDManager.newBaseManager()) {
      Metric acc = Metric.accuracy();
      Metric err = Metric.errorRate();
      Metric per = Metric.perClassAccuracy(List.of("cat", "dog", "eel"));
      for (Metric mt : List.of(acc, err, per)) {
        mt.reset();
        // batch 1: 1 sample, correct. batch 2: 4 samples, 1 correct.
        mt.accumulate(preds(m, 0), labels(m, 0));
        mt.accumulate(preds(m, 1, 1, 2, 0), labels(m, 1, 0, 0, 2));
      }
      // whole set: 2 of 5 correct (a per-batch mean would give (1 + 0.25) / 2 = 0.625)
      assertEquals(0.4, acc.values().get("accuracy"), 1e-12);
      assertEquals(0.6, err.values().get("error_rate"), 1e-12);
      Map<String, Double> v = per.values();
      assertEquals(1.0 / 3, v.get("accuracy_cat"), 1e-12);
      assertEquals(1.0, v.get("accuracy_dog"), 1e-12);
      assertEquals(0.0, v.get("accuracy_eel"), 1e-12);
      assertEquals((1.0 / 3 + 1 + 0) / 3, v.get("balanced_accuracy"), 1e-12);
      acc.reset();
      assertTrue(Double.isNaN(acc.values().get("accuracy")));
    }
  }

  @Test
  void accuracyMultiAndSampleF1ByHand() {
    try (NDManager m = NDManager.newBaseManager()) {
      // 4 labels, threshold 0.5 on sigmoid(logit): positive logits are "present".
      // item 0: predicted {0, 1},  true {0}      -> 3 of 4 decisions right, F1 = 2*1 / (2 + 1) = 2/3
      // item 1: predicted {},      true {2, 3}   -> 2 of 4 right,            F1 = 0
      // item 2: predicted {},      true {}       -> 4 of 4 right,            F1 = 1 (nothing to find, nothing found)
      // item 3: predicted {1,2,3}, true {1, 3}   -> 3 of 4 right,            F1 = 2*2 / (3 + 2) = 4/5
      float[] logits = {
        2, 0.1f, -1, -4,
        -2, -3, -0.1f, -5,
        -1, -1, -1, -1,
        -3, 4, 0.2f, 1};
      float[] target = {
        1, 0, 0, 0,
        0, 0, 1, 1,
        0, 0, 0, 0,
        0, 1, 0, 1};
      Metric metric = Metric.accuracyMulti(0.5);
      metric.reset();
      // uneven batches: 1 item, then 3
      metric.accumulate(new NDList(m.create(java.util.Arrays.copyOfRange(logits, 0, 4), new Shape(1, 4))),
          new NDList(m.create(java.util.Arrays.copyOfRange(target, 0, 4), new Shape(1, 4))));
      metric.accumulate(new NDList(m.create(java.util.Arrays.copyOfRange(logits, 4, 16), new Shape(3, 4))),
          new NDList(m.create(java.util.Arrays.copyOfRange(target, 4, 16), new Shape(3, 4))));
      Map<String, Double> v = metric.values();
      assertEquals(12.0 / 16, v.get("accuracy_multi"), 1e-12);
      assertEquals((2.0 / 3 + 0 + 1 + 4.0 / 5) / 4, v.get("f1_samples"), 1e-12);

      // a higher threshold (0.6 = logit 0.405) drops item 0's label 1 (0.1), item 3's label 2 (0.2)
      MultiLabelMetrics strict = new MultiLabelMetrics(0.6);
      strict.accumulate(new NDList(m.create(logits, new Shape(4, 4))), new NDList(m.create(target, new Shape(4, 4))));
      assertEquals(14.0 / 16, strict.values().get("accuracy_multi"), 1e-12);
      assertEquals((1 + 0 + 1 + 1) / 4.0, strict.values().get("f1_samples"), 1e-12);

      // decisions made elsewhere (e.g. a baseline) go through add()
      MultiLabelMetrics direct = new MultiLabelMetrics(0.5);
      direct.add(new boolean[] {true, false}, new boolean[] {true, true});
      direct.addProbabilities(new float[] {0.5f, 0.51f}, new boolean[] {false, true});
      assertEquals(3.0 / 4, direct.values().get("accuracy_multi"), 1e-12);
      assertEquals((2.0 / 3 + 1) / 2, direct.values().get("f1_samples"), 1e-12);

      // targets that are class indices, not multi-hot: a clear error
      assertThrows(IllegalArgumentException.class, () -> metric.accumulate(
          new NDList(m.create(logits, new Shape(4, 4))), new NDList(m.create(new float[] {0, 1, 2, 3}))));
      assertThrows(IllegalArgumentException.class, () -> new MultiLabelMetrics(1.0));
      metric.reset();
      assertTrue(Double.isNaN(metric.values().get("f1_samples")));
    }
  }
}
