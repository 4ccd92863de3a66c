/** fastai-style tabular feature stages as Spark ML Transformers and Estimators. */
package io.sparkfast.tabular.feature;
