package io.sparkfast.jobs.tabular;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.sparkfast.jobs.SparkfastException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;

/**
 * Builds Spark ML stages from configuration, generically: a stage is named by a short name (ours or Spark's) or a
 * fully qualified class, and each of its params is set from the config value decoded by the Param itself
 * ({@link Param#jsonDecode}). Any Params-based stage works, so the config can use our tabular stages, Spark's
 * feature transformers, or a user's own class on the classpath.
 *
 * <pre>
 * pipeline = [
 *   { stage = DateParts, params { inputCol = date, dateFormat = "yyyy/MM/dd HH:mm", time = true } }
 *   { stage = SQLTransformer, params { statement = "SELECT *, distance / 100 AS d100 FROM __THIS__" } }
 * ]
 * </pre>
 */
public final class StageFactory {

  private static final List<String> SHORT_NAME_PACKAGES =
      List.of("io.sparkfast.tabular.feature.", "org.apache.spark.ml.feature.");

  private StageFactory() {}

  /** Builds the stages listed under {@code key} (a list of {@code {stage, params}} objects). */
  public static List<PipelineStage> fromConfig(Config config, String key) {
    List<PipelineStage> stages = new ArrayList<>();
    List<? extends ConfigObject> entries;
    try {
      entries = config.getObjectList(key);
    } catch (com.typesafe.config.ConfigException e) {
      throw SparkfastException.config("config key '" + key + "' must be a list of {stage = ..., params {...}}: "
          + e.getMessage());
    }
    for (int i = 0; i < entries.size(); i++) {
      Config entry = entries.get(i).toConfig();
      String where = key + "[" + i + "]";
      for (String k : entries.get(i).keySet()) {
        if (!k.equals("stage") && !k.equals("params")) {
          throw SparkfastException.config("unknown config key '" + where + "." + k + "'; valid keys: stage, params");
        }
      }
      if (!entry.hasPath("stage")) {
        throw SparkfastException.config(where + " has no 'stage' (a stage name such as DateParts or SQLTransformer)");
      }
      PipelineStage stage = instantiate(entry.getString("stage"), where);
      if (entry.hasPath("params")) {
        for (Map.Entry<String, ConfigValue> p : entry.getObject("params").entrySet()) {
          setParam(stage, p.getKey(), p.getValue(), where);
        }
      }
      stages.add(stage);
    }
    return stages;
  }

  static PipelineStage instantiate(String name, String where) {
    List<String> candidates = new ArrayList<>();
    if (name.contains(".")) {
      candidates.add(name);
    } else {
      for (String pkg : SHORT_NAME_PACKAGES) {
        candidates.add(pkg + name);
      }
    }
    for (String cls : candidates) {
      Class<?> c;
      try {
        c = Class.forName(cls);
      } catch (ClassNotFoundException e) {
        continue;
      }
      if (!PipelineStage.class.isAssignableFrom(c)) {
        throw SparkfastException.config(where + ": " + cls + " is not a Spark ML PipelineStage");
      }
      try {
        return (PipelineStage) c.getConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw SparkfastException.config(where + ": cannot create " + cls + " (needs a public no-arg constructor): " + e);
      }
    }
    throw SparkfastException.config(where + ": unknown stage '" + name + "'; looked for " + String.join(", ", candidates)
        + " (use a short name from io.sparkfast.tabular.feature or org.apache.spark.ml.feature, or a class name)");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void setParam(PipelineStage stage, String name, ConfigValue value, String where) {
    if (!stage.hasParam(name)) {
      TreeSet<String> valid = new TreeSet<>();
      for (Param<?> p : stage.params()) {
        valid.add(p.name());
      }
      throw SparkfastException.config(where + ": stage " + stage.getClass().getSimpleName() + " has no param '" + name
          + "'; valid params: " + String.join(", ", valid));
    }
    Param param = stage.getParam(name);
    String json = value.render(ConfigRenderOptions.concise());
    boolean floating = param instanceof org.apache.spark.ml.param.DoubleParam
        || param instanceof org.apache.spark.ml.param.FloatParam;
    if (floating && value.unwrapped() instanceof Number n) {
      json = Double.toString(n.doubleValue()); // HOCON's 0 is a JSON int, which DoubleParam does not decode
    }
    Object decoded;
    try {
      decoded = param.jsonDecode(json);
    } catch (RuntimeException e) {
      throw SparkfastException.config(where + ": cannot read param " + name + " = " + json + " for "
          + stage.getClass().getSimpleName() + ": " + e.getMessage());
    }
    try {
      stage.set(param, decoded);
    } catch (IllegalArgumentException e) {
      throw SparkfastException.config(where + ": invalid value for " + stage.getClass().getSimpleName() + "." + name
          + ": " + e.getMessage());
    }
  }
}
