package io.sparkfast.common.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TorchScript module used as a classifier body, with fastai's head on top (fastai's
 * {@code vision_learner} on a custom body). The module must map (N, C, H, W) images to a (N, F, h, w)
 * feature map (a body without pooling or classifier).
 *
 * <p>Loaded through DJL's {@link Criteria} with the PyTorch engine from a local file or directory, or a
 * {@code file://}, {@code http(s)://}, {@code jar://} or {@code djl://} (model zoo) URL. With
 * {@code trainable} the module's parameters get gradients (DJL option {@code trainParam=true}); otherwise
 * they are frozen. The loaded model owns the module's native memory: keep this object open while the
 * classifier is in use and close it afterwards.
 */
public final class TorchScriptBackbone implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(TorchScriptBackbone.class);

  /** The {@link ModelConfig#arch()} of classifiers with a TorchScript body. */
  public static final String ARCH = "torchscript";

  private final ZooModel<NDList, NDList> zooModel;
  private final String location;
  private final long numFeatures;

  private TorchScriptBackbone(ZooModel<NDList, NDList> zooModel, String location, long numFeatures) {
    this.zooModel = zooModel;
    this.location = location;
    this.numFeatures = numFeatures;
  }

  /**
   * Loads a TorchScript body and checks it on a dummy batch.
   *
   * @param location a path to a {@code .pt} file or a folder holding one, or a URL (file, http(s), jar, djl)
   * @param trainable whether the body's parameters are trained (fine-tuning) or frozen
   * @param inChannels input channels of the dummy check batch
   * @param imageSize input size of the dummy check batch
   * @throws IllegalArgumentException when the location cannot be loaded (with the reason) or the module does
   *     not output a 4-D feature map
   */
  public static TorchScriptBackbone load(String location, boolean trainable, int inChannels, int imageSize) {
    Objects.requireNonNull(location, "location");
    Criteria.Builder<NDList, NDList> b = Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optEngine("PyTorch")
        .optTranslator(new NoopTranslator())
        .optOption("trainParam", String.valueOf(trainable));
    String scheme = scheme(location);
    if (scheme == null) {
      Path p = Path.of(location);
      if (!Files.exists(p)) {
        throw new IllegalArgumentException("TorchScript body not found: " + p + " (expected a .pt file, a folder"
            + " holding one, or a file://, http(s)://, jar:// or djl:// URL)");
      }
      b.optModelPath(p);
    }
    ZooModel<NDList, NDList> model;
    try {
      if (scheme != null) {
        b.optModelUrls(location); // resolves the repository (djl:// needs its model zoo)
      }
      model = b.build().loadModel();
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      String hint = "djl".equals(scheme)
          ? " djl:// URLs resolve through a DJL model zoo: the zoo's jar (e.g. ai.djl.pytorch:pytorch-model-zoo)"
              + " must be on the classpath and its metadata is downloaded, which offline mode"
              + " (-Dai.djl.offline=true) forbids; download the TorchScript file once and pass its path or a"
              + " file:// URL instead."
          : "";
      throw new IllegalArgumentException("Cannot load TorchScript body from " + location + ": " + e.getMessage() + "."
          + hint, e);
    }
    try {
      Block block = model.getBlock();
      Shape[] out = block.getOutputShapes(new Shape[] {new Shape(1, inChannels, imageSize, imageSize)});
      if (out.length != 1 || out[0].dimension() != 4) {
        throw new IllegalArgumentException("TorchScript body " + location + " must output one (N, C, H, W) feature map"
            + " for (1, " + inChannels + ", " + imageSize + ", " + imageSize + ") input; got "
            + java.util.Arrays.toString(out));
      }
      long nf = out[0].get(1);
      logger.info("Loaded TorchScript body {} ({} output channels, trainable={})", location, nf, trainable);
      return new TorchScriptBackbone(model, location, nf);
    } catch (RuntimeException e) {
      model.close();
      if (e instanceof IllegalArgumentException) {
        throw e;
      }
      throw new IllegalArgumentException("TorchScript body " + location + " failed on a (1, " + inChannels + ", "
          + imageSize + ", " + imageSize + ") input: " + e.getMessage(), e);
    }
  }

  private static String scheme(String location) {
    int colon = location.indexOf("://");
    if (colon <= 1) {
      return null;
    }
    try {
      String s = URI.create(location).getScheme();
      return s == null ? null : s.toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Malformed TorchScript URL '" + location + "': " + e.getMessage(), e);
    }
  }

  /** The TorchScript module as a DJL block. */
  public Block body() {
    return zooModel.getBlock();
  }

  /** Output channels of the body's feature map. */
  public long numFeatures() {
    return numFeatures;
  }

  /** Where the body was loaded from. */
  public String location() {
    return location;
  }

  /**
   * The classifier {@code SequentialBlock[body, head]} with two parameter groups (body, head). The config's
   * {@code arch} is replaced by {@link #ARCH}.
   */
  public ImageModel classifier(int nClasses, int inChannels, int imageSize, boolean multiLabel) {
    ModelConfig config = new ModelConfig(ARCH, nClasses, inChannels, imageSize, multiLabel);
    return ImageModels.assemble(config, body(), numFeatures, -1);
  }

  /**
   * An empty classifier block for loading saved parameters: an unloaded TorchScript module (its saved
   * parameters carry the module itself) and a fresh head.
   */
  public static Block emptyModelBlock(Model model, ModelConfig config, long numFeatures) {
    if (!(model.getNDManager() instanceof PtNDManager pt)) {
      throw new IllegalArgumentException("TorchScript-bodied models need the PyTorch engine; got "
          + model.getNDManager().getEngine().getEngineName());
    }
    SequentialBlock block = new SequentialBlock();
    block.add(new PtSymbolBlock(pt)).add(ImageHead.create(numFeatures, config.nClasses()));
    return block;
  }

  /** Releases the TorchScript module. */
  @Override
  public void close() {
    zooModel.close();
  }
}
