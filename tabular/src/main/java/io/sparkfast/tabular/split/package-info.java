/** Training/validation splits made before any statistics are learned. */
package io.sparkfast.tabular.split;
