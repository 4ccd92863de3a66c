/**
 * Training artifacts on disk: checkpoints that hold everything needed to resume a fit exactly (weights,
 * optimizer state, schedule position, seed, Recorder history), written atomically.
 */
package io.sparkfast.common.artifact;
