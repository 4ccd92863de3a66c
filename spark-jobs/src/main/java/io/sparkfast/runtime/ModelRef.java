package io.sparkfast.runtime;

import io.sparkfast.common.artifact.ExportInfo;
import io.sparkfast.common.artifact.ExportedModel;
import io.sparkfast.common.artifact.ModelExport;
import io.sparkfast.common.artifact.TorchScriptClassifier;
import io.sparkfast.common.data.ImagePipelineConfig;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

  /**
   * A SHA-256 of what the model is: the URL of a remote model; else the names and bytes of the local files (the
   * whole folder of a sparkfast model or TorchScript folder, the file itself) and of the labels file. A model
   * re-exported to the same path gets a new fingerprint; a copy of it elsewhere keeps it.
   */
  public String fingerprint() {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      if (torchScript && TorchScriptClassifier.isUrl(uri)) {
        sha.update(uri.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } else {
        digestTree(sha, Path.of(uri));
      }
      if (labels != null && !labels.isEmpty()) {
        digestTree(sha, Path.of(labels));
      }
      sha.update(String.valueOf(pipeline).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(sha.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the model " + uri + " to fingerprint it", e);
    }
  }

  private static void digestTree(java.security.MessageDigest sha, Path root) throws java.io.IOException {
    List<Path> files;
    try (var walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      sha.update(root.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sha.update((byte) 0);
      try (var in = new java.security.DigestInputStream(Files.newInputStream(f), sha)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
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
