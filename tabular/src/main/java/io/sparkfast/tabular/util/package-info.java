/** Schema checks shared by the tabular stages. */
package io.sparkfast.tabular.util;
