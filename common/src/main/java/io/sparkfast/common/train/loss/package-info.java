/**
 * Classification losses with fastai/PyTorch semantics that also expose per-sample values (needed by MixUp):
 * cross-entropy with optional class weights, label-smoothing cross-entropy, and binary cross-entropy on
 * logits for multi-label models.
 */
package io.sparkfast.common.train.loss;
