/**
 * Batched image classification inference: DJL translators that apply the validation preprocessing of an
 * {@link io.sparkfast.common.data.ImagePipeline}, a batched predictor returning top-k labels (decode errors
 * become error results, so a scoring job can write error rows), and fastai's test-time augmentation.
 */
package io.sparkfast.common.infer;
