/**
 * Validation metrics that accumulate counts over a whole dataset (not per-batch averages): accuracy, error
 * rate and per-class accuracy.
 */
package io.sparkfast.common.train.metric;
