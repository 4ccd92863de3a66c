package io.sparkfast.common.infer;

import java.util.List;

/**
 * The prediction for one image: its top-k classes by probability (descending) and all class probabilities,
 * or an error message when the image could not be decoded.
 *
 * @param id the image's identifier (its source name)
 * @param topK the k most probable classes, most probable first; empty on error
 * @param probabilities one probability per class in vocabulary order; null on error
 * @param error null on success, otherwise what went wrong (names the image)
 */
public record Prediction(String id, List<ClassProb> topK, float[] probabilities, String error) {
  public Prediction {
    topK = List.copyOf(topK);
    probabilities = probabilities == null ? null : probabilities.clone();
  }

  /** A failed prediction. */
  public static Prediction failure(String id, String error) {
    return new Prediction(id, List.of(), null, error);
  }

  /** Whether the prediction succeeded. */
  public boolean ok() {
    return error == null;
  }

  /** The most probable class. */
  public ClassProb best() {
    if (!ok()) {
      throw new IllegalStateException("Prediction for " + id + " failed: " + error);
    }
    return topK.get(0);
  }

  @Override
  public float[] probabilities() {
    return probabilities == null ? null : probabilities.clone();
  }
}
