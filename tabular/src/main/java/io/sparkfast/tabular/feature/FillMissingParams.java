package io.sparkfast.tabular.feature;

import static org.apache.spark.sql.functions.isnan;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;

/** Params shared by {@link FillMissing} and {@link FillMissingModel}. */
interface FillMissingParams extends Params {

  StringArrayParam inputCols();

  Param<String> handleInvalid();

  default String[] getInputCols() {
    if (!isDefined(inputCols())) {
      throw new IllegalArgumentException("FillMissing needs inputCols (the continuous columns to fill)");
    }
    return $(inputCols());
  }

  default String getHandleInvalid() {
    return $(handleInvalid());
  }

  /** Null, or NaN for floating-point columns. */
  static Column missing(Column c) {
    return c.isNull().or(isnan(c.cast(DataTypes.DoubleType)));
  }
}
