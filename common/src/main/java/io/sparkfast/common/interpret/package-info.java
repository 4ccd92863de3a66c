/**
 * Interpreting a single-label image classifier on its validation set, as fastai's
 * {@code ClassificationInterpretation}: top losses (with a PNG grid of thumbnails), the confusion matrix
 * (CSV and PNG heatmap) and the most confused class pairs. Plots are drawn with Java2D and work headless.
 */
package io.sparkfast.common.interpret;
