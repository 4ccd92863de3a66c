/**
 * The training loop's extension points, after fastai's {@code callback/core.py}: the fixed, ordered
 * {@link io.sparkfast.common.train.callback.Event} list, {@link io.sparkfast.common.train.callback.Callback}s
 * ordered by {@code order()}, the cancel exceptions that steer the loop, and the standard callbacks
 * (Recorder, ParamScheduler, LrFinder, GradientAccumulation, MixUp, checkpointing).
 */
package io.sparkfast.common.train.callback;
