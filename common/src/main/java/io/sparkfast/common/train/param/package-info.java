/** Parameter groups (fastai's splitter), freezing and discriminative learning rates. */
package io.sparkfast.common.train.param;
