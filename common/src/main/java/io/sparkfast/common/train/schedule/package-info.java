/**
 * Hyper-parameter schedules as in fastai's {@code callback/schedule.py}: linear, cosine, constant, exponential and
 * polynomial annealers, their combination over training-progress fractions, and the one-cycle policy.
 */
package io.sparkfast.common.train.schedule;
