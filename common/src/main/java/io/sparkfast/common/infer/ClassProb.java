package io.sparkfast.common.infer;

/**
 * One class and its predicted probability.
 *
 * @param label class label
 * @param index class index in the vocabulary
 * @param probability softmax (single-label) or sigmoid (multi-label) probability
 */
public record ClassProb(String label, int index, float probability) {}
