/**
 * Artifacts on disk: training checkpoints that hold everything needed to resume a fit exactly (weights,
 * optimizer state, schedule position, seed, Recorder history), written atomically; and the inference model
 * directory ({@link io.sparkfast.common.artifact.ModelExport}) with DJL parameters, labels, preprocessing
 * metadata and a DJL Serving {@code serving.properties}.
 */
package io.sparkfast.common.artifact;
