/**
 * Classification losses with fastai/PyTorch semantics that also expose per-sample values (needed by MixUp):
 * cross-entropy with optional class weights and label-smoothing cross-entropy.
 */
package io.sparkfast.common.train.loss;
