/**
 * The training loop: {@link io.sparkfast.common.train.Learner} (fit, fitOneCycle, fineTune, lrFind, checkpoint
 * and resume), its configuration and result records, after fastai's {@code Learner}.
 */
package io.sparkfast.common.train;
