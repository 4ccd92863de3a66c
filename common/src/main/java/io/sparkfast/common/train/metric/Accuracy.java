package io.sparkfast.common.train.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.Map;

/** Accuracy (or its complement, the error rate) from correct and total counts over the whole pass. */
final class Accuracy implements Metric {

  private final boolean errorRate;
  private long correct;
  private long total;

  Accuracy(boolean errorRate) {
    this.errorRate = errorRate;
  }

  /** {@inheritDoc} */
  @Override
  public String name() {
    return errorRate ? "error_rate" : "accuracy";
  }

  /** {@inheritDoc} */
  @Override
  public void reset() {
    correct = 0;
    total = 0;
  }

  /** {@inheritDoc} */
  @Override
  public void accumulate(NDList predictions, NDList labels) {
    NDArray pred = predictions.head();
    NDArray label = labels.head();
    try (NDArray hits = classOf(pred).eq(label.toType(DataType.INT64, false).reshape(-1))) {
      correct += hits.toType(DataType.INT64, false).sum().getLong();
      total += hits.size();
    }
  }

  static NDArray classOf(NDArray pred) {
    if (pred.getShape().dimension() != 2) {
      throw new IllegalArgumentException(
          "Accuracy expects predictions of shape (batch, classes); got " + pred.getShape());
    }
    return pred.argMax(1).toType(DataType.INT64, false);
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, Double> values() {
    double acc = total == 0 ? Double.NaN : (double) correct / total;
    return Map.of(name(), errorRate ? 1 - acc : acc);
  }
}
