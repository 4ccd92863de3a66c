package io.sparkfast.common.interpret;

/**
 * One of the highest-loss validation items.
 *
 * @param index position in the validation set
 * @param name the item's source name (path)
 * @param predicted predicted label (arg-max)
 * @param actual true label
 * @param loss cross-entropy of the item ({@code -log p(actual)})
 * @param probability probability of the predicted label
 */
public record TopLoss(int index, String name, String predicted, String actual, float loss, float probability) {

  /** fastai's caption: {@code predicted/actual / loss / probability}. */
  public String caption() {
    return String.format(java.util.Locale.ROOT, "%s/%s / %.2f / %.2f", predicted, actual, loss, probability);
  }
}
