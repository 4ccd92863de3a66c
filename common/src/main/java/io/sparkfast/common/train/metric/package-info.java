/**
 * Validation metrics that accumulate counts over a whole dataset (not per-batch averages): accuracy, error
 * rate, per-class accuracy and the multi-label accuracy_multi and sample-averaged F1.
 */
package io.sparkfast.common.train.metric;
