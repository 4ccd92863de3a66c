/**
 * Image data: labelled image-folder and CSV datasets (fastai layouts), image decoding from files or bytes,
 * seeded training augmentations and validation preprocessing on NDArrays, normalization statistics, and IDX
 * (MNIST/Fashion-MNIST) reading and conversion to PNG class folders.
 *
 * <p>Everything here is configured by immutable records and holds no global state, so the same classes run
 * unchanged inside Spark tasks (which hand over images as {@code byte[]}).
 */
package io.sparkfast.common.data;
