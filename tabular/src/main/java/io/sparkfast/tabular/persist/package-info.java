/** Save/load support for fitted tabular stages (Params metadata plus Parquet data). */
package io.sparkfast.tabular.persist;
