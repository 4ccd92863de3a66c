package io.sparkfast.common.train;

/**
 * One learning-rate suggestion of {@code lr_find}.
 *
 * @param method {@code minimum}, {@code steep}, {@code valley} or {@code slide}
 * @param lr the suggested learning rate (NaN when the curve is too short for the method)
 * @param pointLr x of the point fastai marks on the plot
 * @param pointLoss y of that point
 */
public record LrSuggestion(String method, double lr, double pointLr, double pointLoss) {}
