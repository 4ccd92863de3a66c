package io.sparkfast.common.artifact;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.repository.zoo.ZooModel;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.model.ModelConfig;
import java.nio.file.Path;

/**
 * A loaded inference model directory: the DJL model (with DJL's {@code Image -> Classifications}
 * translator) plus its metadata. Create {@link BatchPredictor}s from it; close it when done.
 */
public final class ExportedModel implements AutoCloseable {

  private final Path dir;
  private final ExportInfo info;
  private final ZooModel<Image, Classifications> model;

  ExportedModel(Path dir, ExportInfo info, ZooModel<Image, Classifications> model) {
    this.dir = dir;
    this.info = info;
    this.model = model;
  }

  /** The model directory. */
  public Path dir() {
    return dir;
  }

  /** Architecture and output configuration. */
  public ModelConfig config() {
    return info.model();
  }

  /** Preprocessing configuration. */
  public ImagePipelineConfig pipeline() {
    return info.pipeline();
  }

  /** Class labels in output order. */
  public Vocab vocab() {
    return info.vocab();
  }

  /**
   * The multi-label decision threshold: a label is predicted present when its sigmoid probability exceeds it
   * (0.5 unless the export recorded another; unused by single-label models).
   */
  public double threshold() {
    return info.threshold();
  }

  /** The DJL model; its default translator maps {@link Image} to {@link Classifications}. */
  public ZooModel<Image, Classifications> model() {
    return model;
  }

  /** A batched predictor with the exported preprocessing; close it before this model. */
  public BatchPredictor newPredictor(int batchSize) {
    return new BatchPredictor(model, info.vocab(), info.pipeline(), info.model().multiLabel(), batchSize);
  }

  /** Releases the model's native memory. */
  @Override
  public void close() {
    model.close();
  }
}
