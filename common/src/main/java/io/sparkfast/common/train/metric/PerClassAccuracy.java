package io.sparkfast.common.train.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-class accuracy (recall of each class: correct predictions among the samples of that class) from counts
 * over the whole pass, plus {@code balanced_accuracy}, their mean over classes that occurred. A class with no
 * samples has value NaN.
 */
final class PerClassAccuracy implements Metric {

  private final List<String> classNames;
  private final long[] correct;
  private final long[] total;

  PerClassAccuracy(List<String> classNames) {
    if (classNames.isEmpty()) {
      throw new IllegalArgumentException("perClassAccuracy needs at least one class name");
    }
    this.classNames = List.copyOf(classNames);
    this.correct = new long[classNames.size()];
    this.total = new long[classNames.size()];
  }

  /** {@inheritDoc} */
  @Override
  public String name() {
    return "per_class_accuracy";
  }

  /** {@inheritDoc} */
  @Override
  public void reset() {
    java.util.Arrays.fill(correct, 0);
    java.util.Arrays.fill(total, 0);
  }

  /** {@inheritDoc} */
  @Override
  public void accumulate(NDList predictions, NDList labels) {
    long[] predicted;
    long[] actual;
    try (NDArray p = Accuracy.classOf(predictions.head());
        NDArray l = labels.head().toType(DataType.INT64, false).reshape(-1)) {
      predicted = p.toLongArray();
      actual = l.toLongArray();
    }
    for (int i = 0; i < actual.length; i++) {
      int c = (int) actual[i];
      if (c < 0 || c >= total.length) {
        throw new IllegalArgumentException(
            "Label " + c + " is outside the " + total.length + " classes given to perClassAccuracy " + classNames);
      }
      total[c]++;
      if (predicted[i] == actual[i]) {
        correct[c]++;
      }
    }
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, Double> values() {
    Map<String, Double> out = new LinkedHashMap<>();
    double sum = 0;
    int n = 0;
    for (int c = 0; c < total.length; c++) {
      double acc = total[c] == 0 ? Double.NaN : (double) correct[c] / total[c];
      out.put("accuracy_" + classNames.get(c), acc);
      if (total[c] > 0) {
        sum += acc;
        n++;
      }
    }
    out.put("balanced_accuracy", n == 0 ? Double.NaN : sum / n);
    return out;
  }
}
