package io.sparkfast.tabular.feature;

import io.sparkfast.tabular.util.SchemaChecks;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Params and the shared schema check of {@link GroupStats} and {@link GroupStatsModel}. */
interface GroupStatsParams extends Params {

  static StringArrayParam specsParam(Params owner) {
    return new StringArrayParam(owner, "specs", "group statistics, each " + GroupStatSpec.GRAMMAR);
  }

  static Param<String> modeParam(Params owner) {
    return new Param<>(owner, "mode", "within (computed on the transformed data) or fitted (learned on train)",
        org.apache.spark.ml.param.ParamValidators.inArray(new String[] {"within", "fitted"}));
  }

  static DoubleParam defaultValueParam(Params owner) {
    return new DoubleParam(owner, "defaultValue", "value for groups unseen in training (fitted mode)");
  }

  StringArrayParam specs();

  Param<String> mode();

  DoubleParam defaultValue();

  default String getMode() {
    return $(mode());
  }

  /** The parsed specs; fails on bad syntax, duplicate outputs, or rank in fitted mode. */
  default List<GroupStatSpec> parsedSpecs() {
    if (!isDefined(specs()) || $(specs()).length == 0) {
      throw new IllegalArgumentException("GroupStats needs specs, each " + GroupStatSpec.GRAMMAR);
    }
    List<GroupStatSpec> out = new ArrayList<>();
    for (String s : $(specs())) {
      GroupStatSpec spec = GroupStatSpec.parse(s);
      if (spec.stat().equals("rank") && getMode().equals("fitted")) {
        throw new IllegalArgumentException("GroupStats spec '" + s + "': rank exists only in mode=within");
      }
      out.add(spec);
    }
    SchemaChecks.requireDistinct("GroupStats outputs", out.stream().map(GroupStatSpec::output).toArray(String[]::new));
    return out;
  }

  /** Checks columns and returns the schema with one new column per spec. */
  default StructType validateAndTransformSchema(StructType schema) {
    StructType out = schema;
    for (GroupStatSpec s : parsedSpecs()) {
      GroupStats.requireColumns(schema, s);
      DataType type = switch (s.stat()) {
        case "count", "nunique" -> DataTypes.LongType;
        case "min", "max" -> schema.apply(s.value()).dataType();
        default -> DataTypes.DoubleType;
      };
      SchemaChecks.requireAbsent(schema, s.output());
      out = out.add(s.output(), type, true);
    }
    return out;
  }
}
