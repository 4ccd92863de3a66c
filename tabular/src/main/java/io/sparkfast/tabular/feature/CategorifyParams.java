package io.sparkfast.tabular.feature;

import io.sparkfast.tabular.util.SchemaChecks;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Params and the shared schema check of {@link Categorify} and {@link CategorifyModel}. */
interface CategorifyParams extends Params {

  static StringArrayParam inputColsParam(Params owner) {
    return new StringArrayParam(owner, "inputCols", "categorical columns (string, integral or boolean)");
  }

  static StringArrayParam outputColsParam(Params owner) {
    return new StringArrayParam(owner, "outputCols", "output columns; default: replace the inputs in place");
  }

  static Param<String> handleInvalidParam(Params owner) {
    return new Param<>(owner, "handleInvalid", "unseen values at transform: keep (code 0) or error",
        org.apache.spark.ml.param.ParamValidators.inArray(new String[] {"keep", "error"}));
  }

  StringArrayParam inputCols();

  StringArrayParam outputCols();

  Param<String> handleInvalid();

  default String[] getInputCols() {
    if (!isDefined(inputCols())) {
      throw new IllegalArgumentException("Categorify needs inputCols (the categorical columns)");
    }
    return $(inputCols());
  }

  /** Output names; the input names when outputCols is not set (replace in place). */
  default String[] getOutputCols() {
    return isDefined(outputCols()) ? $(outputCols()) : getInputCols();
  }

  default String getHandleInvalid() {
    return $(handleInvalid());
  }

  /** Checks the columns and returns the schema with integer code columns. */
  default StructType validateAndTransformSchema(StructType schema) {
    String[] in = getInputCols();
    String[] out = getOutputCols();
    SchemaChecks.requireSameLength("inputCols", in, "outputCols", out);
    SchemaChecks.requireDistinct("outputCols", out);
    StructType result = schema;
    for (int i = 0; i < in.length; i++) {
      SchemaChecks.requireColumn(schema, in[i]);
      if (!out[i].equals(in[i])) {
        SchemaChecks.requireAbsent(schema, out[i]);
        result = result.add(out[i], DataTypes.IntegerType, false);
      } else {
        StructField[] fields = result.fields().clone();
        for (int j = 0; j < fields.length; j++) {
          if (fields[j].name().equals(in[i])) {
            fields[j] = new StructField(in[i], DataTypes.IntegerType, false, fields[j].metadata());
          }
        }
        result = new StructType(fields);
      }
    }
    return result;
  }
}
