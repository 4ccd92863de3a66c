/** Schema checks and DataFrame helpers shared by the tabular stages. */
package io.sparkfast.tabular.util;
