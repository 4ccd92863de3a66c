/**
 * Model artifacts: the inference model directory ({@link io.sparkfast.common.artifact.ModelExport}) with
 * DJL parameters, labels, preprocessing metadata and a DJL Serving {@code serving.properties}.
 */
package io.sparkfast.common.artifact;
