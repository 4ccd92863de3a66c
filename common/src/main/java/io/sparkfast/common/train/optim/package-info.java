/**
 * Optimizers with fastai's semantics on NDArray operations: per-parameter-group hyper-parameters (learning
 * rate, momentum) that schedules change every step, decoupled weight decay, and saveable state.
 */
package io.sparkfast.common.train.optim;
