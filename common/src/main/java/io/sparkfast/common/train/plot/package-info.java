/** PNG charts (XChart) of training runs: losses and metrics per epoch, and the lr_find curve. */
package io.sparkfast.common.train.plot;
