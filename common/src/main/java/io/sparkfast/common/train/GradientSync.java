package io.sparkfast.common.train;

import ai.djl.nn.Parameter;
import java.util.List;

/**
 * Synchronizes gradients across data-parallel replicas before the optimizer applies them, e.g. an all-reduce
 * that averages each parameter's gradient over replicas.
 *
 * <p>The Learner calls it once per optimizer step: after {@code after_backward} and the {@code before_step}
 * callbacks (so gradient accumulation can skip the step, and the exchange, for intermediate micro-batches) and
 * immediately before the optimizer step. Implementations read and replace gradients in place through
 * {@code parameter.getArray().getGradient()} (close the returned wrapper; it shares the gradient's storage).
 */
@FunctionalInterface
public interface GradientSync {

  /**
   * Synchronizes the gradients of {@code parameters} in place.
   *
   * @param parameters the parameters the optimizer is about to update (trainable, not frozen), in group order
   * @param learner the learner, for its position (epoch, iteration) and replica rank
   */
  void sync(List<Parameter> parameters, Learner learner);

  /** No synchronization: a single replica. */
  static GradientSync none() {
    return (parameters, learner) -> {};
  }
}
