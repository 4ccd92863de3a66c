package io.sparkfast.tabular.feature;

import io.sparkfast.tabular.util.Frames;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.Column;

/** Params shared by {@link FillMissing} and {@link FillMissingModel}. */
interface FillMissingParams extends Params {

  static StringArrayParam inputColsParam(Params owner) {
    return new StringArrayParam(owner, "inputCols", "numeric columns to fill");
  }

  static Param<String> handleInvalidParam(Params owner) {
    return new Param<>(owner, "handleInvalid",
        "missing values in a column that had none in training: error or keep (fill without an indicator)",
        org.apache.spark.ml.param.ParamValidators.inArray(new String[] {"error", "keep"}));
  }

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
    return Frames.nanAsNull(c).isNull();
  }
}
