package io.sparkfast.common.artifact;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image classifier that is not a sparkfast export: a TorchScript file (a model saved with
 * {@code torch.jit.save}, logits out) or a DJL model URL ({@code djl://...}, {@code file://...}, {@code https://...},
 * {@code jar://...}; resolved by DJL's {@link Criteria}, so {@code djl://} needs DJL's model zoo reachable or already
 * in the DJL cache). Its preprocessing is given by the caller (it is not stored in a TorchScript file), and its
 * labels come from a file: the given one, else {@code labels.txt} or {@code synset.txt} next to the model.
 *
 * <p>The loaded model is an {@link ExportedModel}, so scoring, TTA and the executor cache treat it exactly like a
 * sparkfast export.
 */
public final class TorchScriptClassifier {

  private static final Logger logger = LoggerFactory.getLogger(TorchScriptClassifier.class);

  private TorchScriptClassifier() {}

  /** True when {@code model} names a URL (has a scheme) rather than a local path. */
  public static boolean isUrl(String model) {
    return model.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  }

  /**
   * Loads a TorchScript classifier.
   *
   * @param model a TorchScript file, a folder holding one, or a model URL
   * @param pipeline the preprocessing the model expects (size, channels, normalization, resize)
   * @param labels the label file (one per line, in output order), or null for labels.txt / synset.txt next to it
   * @throws IllegalArgumentException naming the problem: not found, not loadable, no labels, label-count mismatch
   */
  public static ExportedModel load(String model, ImagePipelineConfig pipeline, Path labels) {
    return load(model, pipeline, labels, null);
  }

  /** {@link #load(String, ImagePipelineConfig, Path)} on {@code device} (null: the engine's default device). */
  public static ExportedModel load(String model, ImagePipelineConfig pipeline, Path labels, ai.djl.Device device) {
    Criteria.Builder<Image, Classifications> b = Criteria.builder()
        .setTypes(Image.class, Classifications.class)
        .optEngine("PyTorch")
        .optDevice(device)
        // a placeholder: BatchPredictor runs its own translator with `pipeline`
        .optTranslator(new Unused());
    String name;
    if (isUrl(model)) {
      b.optModelUrls(model);
      name = model;
    } else {
      Path p = Path.of(model).toAbsolutePath().normalize();
      if (!Files.exists(p)) {
        throw new IllegalArgumentException("model not found: " + p);
      }
      b.optModelPath(p).optOption("mapLocation", "true"); // a file, or a folder DJL searches for a .pt
      name = p.toString();
    }
    ZooModel<Image, Classifications> zoo;
    try {
      zoo = b.build().loadModel();
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load TorchScript model " + model + ": " + e.getMessage(), e);
    }
    try {
      Path local = isUrl(model) ? zoo.getModelPath() : Path.of(model).toAbsolutePath().normalize();
      Path labelFile = labels != null ? labels : findLabels(Files.isRegularFile(local) ? local.getParent() : local, model);
      Vocab vocab;
      try {
        vocab = Vocab.read(labelFile);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read labels " + labelFile + ": " + e.getMessage(), e);
      }
      int outputs = outputs(zoo, pipeline);
      if (outputs != vocab.size()) {
        throw new IllegalArgumentException("label-count mismatch: " + model + " has " + outputs + " outputs but "
            + labelFile + " has " + vocab.size() + " labels");
      }
      ModelConfig config = new ModelConfig("torchscript", outputs, pipeline.channels(), pipeline.size(), false);
      logger.info("Loaded TorchScript classifier {} ({} classes, input {}x{}x{})", name, outputs, pipeline.channels(),
          pipeline.size(), pipeline.size());
      return new ExportedModel(zoo.getModelPath(), new ExportInfo("torchscript", config, pipeline, vocab, 0), zoo);
    } catch (RuntimeException e) {
      zoo.close();
      throw e;
    }
  }

  /** The model's nominal translator; never called (predictors are created with their own translators). */
  private static final class Unused implements ai.djl.translate.Translator<Image, Classifications> {
    @Override
    public NDList processInput(ai.djl.translate.TranslatorContext ctx, Image input) {
      throw new UnsupportedOperationException("use ExportedModel.newPredictor");
    }

    @Override
    public Classifications processOutput(ai.djl.translate.TranslatorContext ctx, NDList list) {
      throw new UnsupportedOperationException("use ExportedModel.newPredictor");
    }
  }

  private static Path findLabels(Path modelDir, String model) {
    for (String f : new String[] {ExportInfo.LABELS_FILE, ExportInfo.SYNSET_FILE}) {
      Path p = modelDir.resolve(f);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException("no labels for " + model + ": put " + ExportInfo.LABELS_FILE + " or "
        + ExportInfo.SYNSET_FILE + " next to it (one label per line, in output order) or give a label file");
  }

  /** The number of outputs, from one forward pass on a zero image of the configured shape. */
  private static int outputs(ZooModel<Image, Classifications> zoo, ImagePipelineConfig pipeline) {
    String input = "(1, " + pipeline.channels() + ", " + pipeline.size() + ", " + pipeline.size() + ")";
    Shape s;
    try (Predictor<NDList, NDList> p = zoo.newPredictor(new NoopTranslator());
        NDManager m = zoo.getNDManager().newSubManager()) { // the model's device
      NDArray x = m.zeros(new Shape(1, pipeline.channels(), pipeline.size(), pipeline.size()));
      s = p.predict(new NDList(x)).singletonOrThrow().getShape();
    } catch (ai.djl.translate.TranslateException | RuntimeException e) {
      throw new IllegalArgumentException("the model does not accept " + input + " images: " + e.getMessage(), e);
    }
    if (s.dimension() != 2 || s.get(0) != 1) {
      throw new IllegalArgumentException("the model maps a " + input + " image to shape " + s
          + "; a classifier must return (N, classes) logits");
    }
    return Math.toIntExact(s.get(1));
  }
}
