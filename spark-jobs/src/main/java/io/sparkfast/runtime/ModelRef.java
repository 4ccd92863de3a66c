package io.sparkfast.runtime;

import io.sparkfast.common.artifact.ExportInfo;
import io.sparkfast.common.artifact.ExportedModel;
import io.sparkfast.common.artifact.ModelExport;
import io.sparkfast.common.artifact.TorchScriptClassifier;
import io.sparkfast.common.data.ImagePipelineConfig;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code --model} names, resolved on the driver and opened on every executor: a sparkfast model folder (its
 * {@code preprocess.json} carries the preprocessing), or a TorchScript file / folder / model URL, with the
 * preprocessing and labels given in the job's config.
 *
 * @param uri absolute local path, or a URL
 * @param torchScript true for a TorchScript file or URL
 * @param pipeline the preprocessing of a TorchScript model (null for a sparkfast folder)
 * @param labels the label file of a TorchScript model, or null for labels.txt / synset.txt next to it
 */
public record ModelRef(String uri, boolean torchScript, ImagePipelineConfig pipeline, String labels)
    implements Serializable {

  /**
   * Resolves {@code model}: a folder with {@code preprocess.json} is a sparkfast export; anything else (a
   * {@code .pt} file, a folder without it, a URL) is TorchScript, preprocessed with {@code torchScriptPipeline}.
   */
  public static ModelRef resolve(String model, ImagePipelineConfig torchScriptPipeline, String labels) {
    if (labels != null && !labels.isEmpty() && !TorchScriptClassifier.isUrl(labels)) {
      // resolved on the driver: an executor's working directory is not the one the user gave the path from
      labels = Path.of(labels).toAbsolutePath().normalize().toString();
    }
    if (TorchScriptClassifier.isUrl(model)) {
      return new ModelRef(model, true, torchScriptPipeline, labels);
    }
    Path p = Path.of(model).toAbsolutePath().normalize();
    if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(ExportInfo.PREPROCESS_FILE))) {
      return new ModelRef(p.toString(), false, null, null);
    }
    return new ModelRef(p.toString(), true, torchScriptPipeline, labels);
  }

  /** Loads the model (on the caller's thread; executors go through {@link ModelCache}). */
  public ExportedModel open() {
    return open(null);
  }

  /** Loads the model on {@code device} (null: the engine's default device). */
  public ExportedModel open(ai.djl.Device device) {
    return torchScript
        ? TorchScriptClassifier.load(uri, pipeline, labels == null || labels.isEmpty() ? null : Path.of(labels),
            device)
        : ModelExport.load(Path.of(uri), device);
  }

  /** The cache key: the model and, for TorchScript, the preprocessing and labels it is used with. */
  String key() {
    return torchScript ? uri + "|" + pipeline + "|" + labels : uri;
  }
}
