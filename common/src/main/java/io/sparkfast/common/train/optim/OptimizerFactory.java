package io.sparkfast.common.train.optim;

import ai.djl.ndarray.NDManager;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.Set;

/** Creates a {@link GroupOptimizer} for a model's parameter groups, fastai's {@code opt_func}. */
@FunctionalInterface
public interface OptimizerFactory {

  /**
   * Creates the optimizer.
   *
   * @param groups the parameter groups to update
   * @param noWeightDecay ids of parameters that get no weight decay
   * @param parent manager under which the optimizer keeps its state
   */
  GroupOptimizer create(ParamGroups groups, Set<String> noWeightDecay, NDManager parent);
}
