package io.sparkfast.common.artifact;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.util.Pair;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes and reads the inference model directory of an image classifier:
 *
 * <pre>
 * model-0000.params    DJL parameters (Model.save) of SequentialBlock[body, head]
 * labels.txt           class labels in output order (synset.txt: the same, DJL's name)
 * preprocess.json      architecture, classes, channels, image size, multi-label flag and threshold, resize method,
 *                      normalization, augmentations
 * serving.properties   engine=PyTorch, blockFactory and translatorFactory for DJL / DJL Serving
 * </pre>
 *
 * <p>The directory is written to a temporary sibling and renamed into place. DJL Serving can serve it when
 * the sparkfast-common jar is on its classpath (e.g. in the model directory's {@code libs/}): the block
 * factory rebuilds the network from {@code preprocess.json}, the translator factory applies the validation
 * preprocessing and returns {@code Classifications}.
 */
public final class ModelExport {

  private static final Logger logger = LoggerFactory.getLogger(ModelExport.class);

  /** DJL Serving / Criteria properties file. */
  public static final String SERVING_FILE = "serving.properties";
  /** Parameter file prefix. */
  public static final String MODEL_NAME = "model";

  private ModelExport() {}

  /**
   * Exports an initialized (trained) classifier block.
   *
   * @param dir the model directory to create
   * @param block the trained {@code SequentialBlock[body, head]}
   * @param config its configuration ({@code nClasses} must equal the vocabulary size)
   * @param vocab class labels in output order
   * @param pipeline the preprocessing it was trained with
   * @param numFeatures body output channels (needed for TorchScript bodies; informational otherwise)
   * @param overwrite replace an existing directory
   * @return {@code dir}
   */
  public static Path export(Path dir, Block block, ModelConfig config, Vocab vocab, ImagePipelineConfig pipeline,
      long numFeatures, boolean overwrite) {
    return export(dir, block, config, vocab, pipeline, numFeatures, ExportInfo.DEFAULT_THRESHOLD, overwrite);
  }

  /**
   * {@link #export(Path, Block, ModelConfig, Vocab, ImagePipelineConfig, long, boolean)} recording a multi-label
   * model's decision {@code threshold} (labels whose sigmoid probability exceeds it are predicted present).
   */
  public static Path export(Path dir, Block block, ModelConfig config, Vocab vocab, ImagePipelineConfig pipeline,
      long numFeatures, double threshold, boolean overwrite) {
    if (vocab.size() != config.nClasses()) {
      throw new IllegalArgumentException("label-count mismatch: the vocabulary has " + vocab.size()
          + " labels but the model config has nClasses=" + config.nClasses());
    }
    if (pipeline.channels() != config.inChannels() || pipeline.size() != config.imageSize()) {
      throw new IllegalArgumentException("Preprocessing (" + pipeline.channels() + " channels, size " + pipeline.size()
          + ") does not match the model (" + config.inChannels() + " channels, size " + config.imageSize() + ")");
    }
    if (!block.isInitialized()) {
      throw new IllegalStateException("Cannot export an uninitialized model; train or initialize it first");
    }
    int outputs = outputCount(block);
    if (outputs != vocab.size()) {
      throw new IllegalArgumentException("label-count mismatch: the model's last layer has " + outputs
          + " outputs but the vocabulary has " + vocab.size() + " labels");
    }
    try {
      Path parent = dir.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      if (Files.exists(dir) && !overwrite) {
        throw new IllegalArgumentException("Model directory " + dir + " already exists; remove it or set overwrite");
      }
      Path tmp = parent.resolve("." + dir.getFileName() + ".tmp-" + UUID.randomUUID());
      Files.createDirectories(tmp);
      try {
        try (Model m = Model.newInstance(MODEL_NAME, "PyTorch")) {
          m.setBlock(block);
          m.setProperty("Epoch", "0");
          m.save(tmp, MODEL_NAME);
        }
        new ExportInfo(MODEL_NAME, config, pipeline, vocab, numFeatures, threshold).write(tmp);
        Files.writeString(tmp.resolve(SERVING_FILE), servingProperties(config, pipeline), StandardCharsets.UTF_8);
        if (Files.exists(dir)) {
          deleteTree(dir);
        }
        try {
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, dir);
        }
      } finally {
        if (Files.exists(tmp)) {
          deleteTree(tmp);
        }
      }
      logger.info("Exported {} classifier with {} classes to {}", config.arch(), vocab.size(), dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write model directory " + dir, e);
    }
  }

  static String servingProperties(ModelConfig config, ImagePipelineConfig pipeline) {
    return String.join("\n",
        "# sparkfast image classifier (" + config.arch() + ", " + config.nClasses() + " classes)",
        "engine=PyTorch",
        "blockFactory=" + ExportedBlockFactory.class.getName(),
        "translatorFactory=" + ServingTranslatorFactory.class.getName(),
        "option.modelName=" + MODEL_NAME,
        "application=cv/image_classification",
        "width=" + pipeline.size(),
        "height=" + pipeline.size(),
        "") ;
  }

  /**
   * Loads a model directory written by {@link #export}.
   *
   * @throws IllegalArgumentException when the directory is missing, incomplete, corrupt or inconsistent
   *     (the message names the problem, e.g. "label-count mismatch")
   */
  public static ExportedModel load(Path dir) {
    return load(dir, null);
  }

  /** {@link #load(Path)} on {@code device} (null: the engine's default device). */
  public static ExportedModel load(Path dir, ai.djl.Device device) {
    ExportInfo info;
    try {
      info = ExportInfo.read(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read model directory " + dir, e);
    }
    Path params = dir.resolve(info.modelName() + "-0000.params");
    if (!Files.isRegularFile(params)) {
      try (Stream<Path> s = Files.list(dir)) {
        List<String> present = s.map(p -> p.getFileName().toString()).sorted().toList();
        throw new IllegalArgumentException("Model directory " + dir + " has no parameter file " + params.getFileName()
            + "; present: " + present);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Criteria<Image, Classifications> criteria = Criteria.builder()
        .setTypes(Image.class, Classifications.class)
        .optModelPath(dir)
        .optEngine("PyTorch")
        .optTranslatorFactory(new ServingTranslatorFactory())
        .optDevice(device)
        .build();
    ZooModel<Image, Classifications> model;
    try {
      model = criteria.loadModel();
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      throw new IllegalArgumentException("Corrupt or incompatible model directory " + dir + ": "
          + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName() + " reading "
          + params.getFileName()), e);
    }
    int outputs;
    try {
      outputs = outputCount(model.getBlock());
    } catch (IllegalArgumentException e) {
      model.close();
      throw new IllegalArgumentException("Corrupt or incompatible model directory " + dir + ": "
          + params.getFileName() + " gave the model no weights (not a parameter file of this architecture?)", e);
    }
    if (outputs != info.vocab().size()) {
      model.close();
      throw new IllegalArgumentException("label-count mismatch in " + dir + ": the parameters have " + outputs
          + " outputs but " + ExportInfo.LABELS_FILE + " has " + info.vocab().size() + " labels");
    }
    logger.info("Loaded {} classifier with {} classes from {}", info.model().arch(), outputs, dir);
    return new ExportedModel(dir, info, model);
  }

  /** Output units of the last weight parameter of the block (the final Linear of the head). */
  static int outputCount(Block block) {
    Parameter last = null;
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (p.getValue().getType() == Parameter.Type.WEIGHT) {
        last = p.getValue();
      }
    }
    if (last == null || !last.isInitialized()) {
      throw new IllegalArgumentException("Model has no initialized output layer");
    }
    NDArray w = last.getArray();
    return (int) w.getShape().get(0);
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
