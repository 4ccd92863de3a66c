package io.sparkfast.common.train.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
