/** sparkfast common: model definitions and training primitives on DJL, with no Spark dependency. */
package io.sparkfast.common;
