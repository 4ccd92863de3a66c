package io.sparkfast.common.artifact;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.translator.ImageServingTranslator;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import io.sparkfast.common.data.ImagePipeline;
import io.sparkfast.common.infer.ClassifierTranslator;
import io.sparkfast.common.data.Vocab;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DJL {@link TranslatorFactory} for exported sparkfast classifiers (named in their
 * {@code serving.properties}): {@code Image -> Classifications} for DJL's {@code Criteria} API and
 * {@code Input -> Output} for DJL Serving. The preprocessing and labels come from the model directory
 * ({@code preprocess.json}, {@code labels.txt}).
 */
public final class ServingTranslatorFactory implements TranslatorFactory {

  /** {@inheritDoc} */
  @Override
  public Set<Pair<Type, Type>> getSupportedTypes() {
    return Set.of(new Pair<>(Image.class, Classifications.class), new Pair<>(Input.class, Output.class));
  }

  /** {@inheritDoc} */
  @Override
  @SuppressWarnings("unchecked")
  public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
      throws TranslateException {
    Path dir = model.getModelPath();
    ExportInfo info;
    try {
      info = ExportInfo.read(dir);
    } catch (IOException | IllegalArgumentException e) {
      throw new TranslateException("Cannot read the sparkfast export metadata in " + dir, e);
    }
    Translator<Image, Classifications> base = new ImageTranslator(new ImagePipeline(info.pipeline()),
        info.vocab(), info.model().multiLabel());
    if (input == Image.class && output == Classifications.class) {
      return (Translator<I, O>) base;
    }
    if (input == Input.class && output == Output.class) {
      return (Translator<I, O>) new ImageServingTranslator(base);
    }
    throw new IllegalArgumentException("Unsupported input/output types " + input + " -> " + output);
  }

  /** Image in (validation preprocessing), {@link Classifications} over the vocabulary out. */
  static final class ImageTranslator implements Translator<Image, Classifications> {
    private final ImagePipeline pipeline;
    private final List<String> labels;
    private final boolean multiLabel;

    ImageTranslator(ImagePipeline pipeline, Vocab vocab, boolean multiLabel) {
      this.pipeline = pipeline;
      this.labels = vocab.labels();
      this.multiLabel = multiLabel;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
      return new NDList(pipeline.valid(input, ctx.getNDManager()));
    }

    @Override
    public Classifications processOutput(TranslatorContext ctx, NDList list) {
      return new Classifications(labels, ClassifierTranslator.activate(list.singletonOrThrow(), multiLabel));
    }

    @Override
    public Batchifier getBatchifier() {
      return Batchifier.STACK;
    }
  }
}
