package io.sparkfast.common.artifact;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.sparkfast.common.data.AugConfig;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ItemCrop;
import io.sparkfast.common.data.NormStats;
import io.sparkfast.common.data.PadMode;
import io.sparkfast.common.data.ResizeMethod;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The metadata of an exported classifier: model configuration, preprocessing and labels, stored as
 * {@code preprocess.json} and {@code labels.txt} (also {@code synset.txt}, DJL's name) in the model directory.
 *
 * @param modelName prefix of the parameter file ({@code <modelName>-0000.params})
 * @param model architecture, classes, channels, size, multi-label flag
 * @param pipeline preprocessing (the validation path is used for inference; augmentations for TTA)
 * @param vocab class labels in output order
 * @param numFeatures body output channels (needed to rebuild TorchScript-bodied models)
 * @param threshold multi-label models: a label is predicted present when its sigmoid probability exceeds this
 *     (stored as {@code threshold}; exports without it read as {@link #DEFAULT_THRESHOLD})
 */
public record ExportInfo(String modelName, ModelConfig model, ImagePipelineConfig pipeline, Vocab vocab,
    long numFeatures, double threshold) {

  /** Metadata file name. */
  public static final String PREPROCESS_FILE = "preprocess.json";
  /** Label file name. */
  public static final String LABELS_FILE = "labels.txt";
  /** DJL's conventional label file name (same content). */
  public static final String SYNSET_FILE = "synset.txt";
  /** Format identifier written into the metadata. */
  public static final String FORMAT = "sparkfast-image-classifier";
  /** Metadata format version. */
  public static final int VERSION = 1;

  /** fastai's multi-label decision threshold. */
  public static final double DEFAULT_THRESHOLD = 0.5;

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  public ExportInfo {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(vocab, "vocab");
    if (!(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException("threshold must be in (0, 1); got " + threshold);
    }
  }

  /** Metadata with the default multi-label threshold (0.5). */
  public ExportInfo(String modelName, ModelConfig model, ImagePipelineConfig pipeline, Vocab vocab,
      long numFeatures) {
    this(modelName, model, pipeline, vocab, numFeatures, DEFAULT_THRESHOLD);
  }

  /** Writes {@code preprocess.json}, {@code labels.txt} and {@code synset.txt} into {@code dir}. */
  public void write(Path dir) throws IOException {
    JsonObject o = new JsonObject();
    o.addProperty("format", FORMAT);
    o.addProperty("version", VERSION);
    o.addProperty("modelName", modelName);
    o.addProperty("arch", model.arch());
    o.addProperty("nClasses", model.nClasses());
    o.addProperty("inChannels", model.inChannels());
    o.addProperty("imageSize", model.imageSize());
    o.addProperty("multiLabel", model.multiLabel());
    o.addProperty("threshold", threshold);
    o.addProperty("numFeatures", numFeatures);
    JsonObject p = new JsonObject();
    p.addProperty("size", pipeline.size());
    p.addProperty("presize", pipeline.presize());
    p.addProperty("itemCrop", pipeline.itemCrop().name());
    p.addProperty("resizeMethod", pipeline.resizeMethod().name());
    p.addProperty("resizePadMode", pipeline.resizePadMode().name());
    p.addProperty("rrcMinScale", pipeline.rrcMinScale());
    p.addProperty("channels", pipeline.channels());
    p.add("mean", floats(pipeline.norm().mean()));
    p.add("std", floats(pipeline.norm().std()));
    AugConfig a = pipeline.aug();
    JsonObject aug = new JsonObject();
    aug.addProperty("doFlip", a.doFlip());
    aug.addProperty("maxRotate", a.maxRotate());
    aug.addProperty("minZoom", a.minZoom());
    aug.addProperty("maxZoom", a.maxZoom());
    aug.addProperty("maxLighting", a.maxLighting());
    aug.addProperty("pAffine", a.pAffine());
    aug.addProperty("pLighting", a.pLighting());
    aug.addProperty("minScale", a.minScale());
    aug.addProperty("padMode", a.padMode().name());
    p.add("aug", aug);
    o.add("preprocess", p);
    Files.writeString(dir.resolve(PREPROCESS_FILE), GSON.toJson(o), StandardCharsets.UTF_8);
    vocab.write(dir.resolve(LABELS_FILE));
    vocab.write(dir.resolve(SYNSET_FILE));
  }

  /**
   * Reads the metadata of an exported model directory.
   *
   * @throws IllegalArgumentException naming the file and problem when the directory is not a complete,
   *     consistent sparkfast export (missing or corrupt metadata, missing labels, label-count mismatch)
   */
  public static ExportInfo read(Path dir) throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("Model directory not found: " + dir);
    }
    Path json = dir.resolve(PREPROCESS_FILE);
    if (!Files.isRegularFile(json)) {
      throw new IllegalArgumentException(
          "Model directory " + dir + " has no " + PREPROCESS_FILE + "; it is not a sparkfast model export");
    }
    Path labels = dir.resolve(LABELS_FILE);
    if (!Files.isRegularFile(labels)) {
      throw new IllegalArgumentException("Model directory " + dir + " is missing its labels (" + LABELS_FILE + ")");
    }
    try {
      JsonObject o = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8)).getAsJsonObject();
      String format = str(o, "format");
      if (!FORMAT.equals(format)) {
        throw new IllegalArgumentException(json + " has format '" + format + "'; expected '" + FORMAT + "'");
      }
      int version = o.get("version").getAsInt();
      if (version != VERSION) {
        throw new IllegalArgumentException(json + " has version " + version + "; this build reads version " + VERSION);
      }
      ModelConfig model = new ModelConfig(str(o, "arch"), o.get("nClasses").getAsInt(),
          o.get("inChannels").getAsInt(), o.get("imageSize").getAsInt(), o.get("multiLabel").getAsBoolean());
      JsonObject p = o.getAsJsonObject("preprocess");
      JsonObject a = p.getAsJsonObject("aug");
      AugConfig aug = new AugConfig(a.get("doFlip").getAsBoolean(), a.get("maxRotate").getAsDouble(),
          a.get("minZoom").getAsDouble(), a.get("maxZoom").getAsDouble(), a.get("maxLighting").getAsDouble(),
          a.get("pAffine").getAsDouble(), a.get("pLighting").getAsDouble(), a.get("minScale").getAsDouble(),
          PadMode.valueOf(str(a, "padMode")));
      ImagePipelineConfig pipeline = new ImagePipelineConfig(p.get("size").getAsInt(), p.get("presize").getAsInt(),
          ItemCrop.valueOf(str(p, "itemCrop")), ResizeMethod.valueOf(str(p, "resizeMethod")),
          PadMode.valueOf(str(p, "resizePadMode")), p.get("rrcMinScale").getAsDouble(), aug,
          new NormStats(toFloats(p.getAsJsonArray("mean")), toFloats(p.getAsJsonArray("std"))),
          p.get("channels").getAsInt());
      Vocab vocab = Vocab.read(labels);
      if (vocab.size() != model.nClasses()) {
        throw new IllegalArgumentException("label-count mismatch in " + dir + ": " + LABELS_FILE + " has "
            + vocab.size() + " labels but the model has " + model.nClasses() + " outputs");
      }
      JsonElement t = o.get("threshold");
      double threshold = t == null || t.isJsonNull() ? DEFAULT_THRESHOLD : t.getAsDouble();
      return new ExportInfo(str(o, "modelName"), model, pipeline, vocab, o.get("numFeatures").getAsLong(),
          threshold);
    } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
      throw new IllegalArgumentException("Corrupt model metadata " + json + ": " + e, e);
    }
  }

  private static String str(JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      throw new IllegalArgumentException("missing field '" + key + "'");
    }
    return e.getAsString();
  }

  private static JsonArray floats(float[] v) {
    JsonArray a = new JsonArray();
    for (float f : v) {
      a.add(f);
    }
    return a;
  }

  private static float[] toFloats(JsonArray a) {
    float[] v = new float[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).getAsFloat();
    }
    return v;
  }
}
