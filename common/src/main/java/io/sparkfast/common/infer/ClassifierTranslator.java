package io.sparkfast.common.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.sparkfast.common.data.ImagePipeline;
import java.util.Objects;

/**
 * Translator from a {@link PreparedImage} to class probabilities: the pipeline's validation (or seeded
 * training) preprocessing in, softmax (or sigmoid for multi-label) out. Batches are stacked.
 */
public final class ClassifierTranslator implements Translator<PreparedImage, float[]> {

  private final ImagePipeline pipeline;
  private final boolean multiLabel;

  /** A translator applying {@code pipeline}; {@code multiLabel} selects sigmoid instead of softmax. */
  public ClassifierTranslator(ImagePipeline pipeline, boolean multiLabel) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.multiLabel = multiLabel;
  }

  /** {@inheritDoc} */
  @Override
  public NDList processInput(TranslatorContext ctx, PreparedImage input) {
    NDArray x = input.augment()
        ? pipeline.train(input.image(), ctx.getNDManager(), input.seed())
        : pipeline.valid(input.image(), ctx.getNDManager());
    return new NDList(x);
  }

  /** {@inheritDoc} */
  @Override
  public float[] processOutput(TranslatorContext ctx, NDList list) {
    return activate(list.singletonOrThrow(), multiLabel).toFloatArray();
  }

  /** Softmax over the last axis, or sigmoid for multi-label outputs. */
  public static NDArray activate(NDArray logits, boolean multiLabel) {
    return multiLabel ? Activation.sigmoid(logits) : logits.softmax(-1);
  }

  /** {@inheritDoc} */
  @Override
  public Batchifier getBatchifier() {
    return Batchifier.STACK;
  }
}
