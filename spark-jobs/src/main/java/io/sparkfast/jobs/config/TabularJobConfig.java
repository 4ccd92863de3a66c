package io.sparkfast.jobs.config;

import static io.sparkfast.jobs.config.ConfigLoader.read;

import com.typesafe.config.Config;
import io.sparkfast.jobs.SparkfastException;
import java.util.List;
import java.util.Set;

/**
 * The validated settings of {@code sparkfast tabular} (keys and defaults: {@code tabular-reference.conf}). The
 * feature pipeline itself ({@code pipeline = [...]}) is read by {@code StageFactory}.
 */
public record TabularJobConfig(
    String inputPath,
    String inputFormat,
    boolean csvHeader,
    boolean csvInferSchema,
    String csvDelimiter,
    String target,
    String task,
    List<String> features,
    List<String> exclude,
    List<String> keyColumns,
    String splitType,
    String splitColumn,
    String splitDateFormat,
    double validFraction,
    long splitSeed,
    String modelType,
    int numTrees,
    String featureSubsetStrategy,
    int minInstancesPerNode,
    int maxDepth,
    int maxBins,
    long maxSamples,
    double subsamplingRate,
    int maxIter,
    double stepSize,
    long modelSeed,
    double dropThreshold,
    boolean outOfDomain,
    List<String> partialDependence,
    int pdSampleSize,
    int pdGridSize,
    int maxMemoryInMB,
    boolean cacheNodeIds,
    int slices) {

  /** Validates ranges and choices; every message names the key and the accepted values. */
  public TabularJobConfig {
    features = List.copyOf(features);
    exclude = List.copyOf(exclude);
    keyColumns = List.copyOf(keyColumns);
    partialDependence = List.copyOf(partialDependence);
    oneOf("task", task, Set.of("regression", "classification"));
    oneOf("split.type", splitType, Set.of("time", "random"));
    oneOf("model.type", modelType, Set.of("rf", "gbt"));
    if (!(validFraction > 0 && validFraction < 1)) {
      throw SparkfastException.config("split.validFraction must be in (0, 1) but is " + validFraction);
    }
    if (numTrees < 1 || minInstancesPerNode < 1 || maxDepth < 1 || maxDepth > 30 || maxBins < 2 || maxIter < 1) {
      throw SparkfastException.config("model settings out of range: numTrees >= 1, minInstancesPerNode >= 1, "
          + "1 <= maxDepth <= 30, maxBins >= 2, maxIter >= 1 (got numTrees=" + numTrees + ", minInstancesPerNode="
          + minInstancesPerNode + ", maxDepth=" + maxDepth + ", maxBins=" + maxBins + ", maxIter=" + maxIter + ")");
    }
    if (slices < 0) {
      throw SparkfastException.config("model.slices must be >= 0 (0 = auto) but is " + slices);
    }
    if (maxMemoryInMB < 16) {
      throw SparkfastException.config("model.maxMemoryInMB must be >= 16 but is " + maxMemoryInMB);
    }
    if (!(subsamplingRate > 0 && subsamplingRate <= 1)) {
      throw SparkfastException.config("model.subsamplingRate must be in (0, 1] but is " + subsamplingRate);
    }
    if (target.isEmpty()) {
      throw SparkfastException.config("target is empty; set it to the column to predict");
    }
    if (pdSampleSize < 10 || pdGridSize < 2) {
      throw SparkfastException.config("plots.pdSampleSize must be >= 10 and plots.pdGridSize >= 2");
    }
  }

  private static void oneOf(String key, String value, Set<String> allowed) {
    if (!allowed.contains(value)) {
      throw SparkfastException.config(key + " must be one of " + new java.util.TreeSet<>(allowed) + " but is '"
          + value + "'");
    }
  }

  /**
   * How many random slices of {@code trainRows} training rows a random forest is trained on: {@code model.slices}
   * when set, else (0, auto) one slice per 3 x maxSamples rows (rounded), so that each tree still draws maxSamples
   * rows from a pool about three times larger; never more slices than trees; 1 without maxSamples and for GBT.
   */
  public int forestSlices(long trainRows) {
    if (!modelType.equals("rf")) {
      return 1;
    }
    if (slices > 0) {
      return Math.min(slices, numTrees);
    }
    if (maxSamples <= 0) {
      return 1;
    }
    return (int) Math.max(1, Math.min(numTrees, Math.round(trainRows / (3.0 * maxSamples))));
  }

  /** Whether the task is classification. */
  public boolean isClassification() {
    return task.equals("classification");
  }

  /** Reads the record from a loaded configuration. */
  public static TabularJobConfig from(Config c) {
    Object features = read(c, "features", (cc, k) -> cc.getValue(k).unwrapped());
    List<String> featureList;
    if (features instanceof String s && s.equals("auto")) {
      featureList = List.of();
    } else if (features instanceof List<?>) {
      featureList = read(c, "features", Config::getStringList);
    } else {
      throw SparkfastException.config("features must be \"auto\" or a list of column names but is " + features);
    }
    return new TabularJobConfig(
        read(c, "input.path", Config::getString),
        read(c, "input.format", Config::getString),
        read(c, "input.csv.header", Config::getBoolean),
        read(c, "input.csv.inferSchema", Config::getBoolean),
        read(c, "input.csv.delimiter", Config::getString),
        read(c, "target", Config::getString),
        read(c, "task", Config::getString),
        featureList,
        read(c, "exclude", Config::getStringList),
        read(c, "keyColumns", Config::getStringList),
        read(c, "split.type", Config::getString),
        read(c, "split.column", Config::getString),
        read(c, "split.dateFormat", Config::getString),
        read(c, "split.validFraction", Config::getDouble),
        read(c, "split.seed", Config::getLong),
        read(c, "model.type", Config::getString),
        read(c, "model.numTrees", Config::getInt),
        read(c, "model.featureSubsetStrategy", Config::getString),
        read(c, "model.minInstancesPerNode", Config::getInt),
        read(c, "model.maxDepth", Config::getInt),
        read(c, "model.maxBins", Config::getInt),
        read(c, "model.maxSamples", Config::getLong),
        read(c, "model.subsamplingRate", Config::getDouble),
        read(c, "model.maxIter", Config::getInt),
        read(c, "model.stepSize", Config::getDouble),
        read(c, "model.seed", Config::getLong),
        read(c, "importance.dropThreshold", Config::getDouble),
        read(c, "outOfDomain", Config::getBoolean),
        read(c, "plots.partialDependence", Config::getStringList),
        read(c, "plots.pdSampleSize", Config::getInt),
        read(c, "plots.pdGridSize", Config::getInt),
        read(c, "model.maxMemoryInMB", Config::getInt),
        read(c, "model.cacheNodeIds", Config::getBoolean),
        read(c, "model.slices", Config::getInt));
  }
}
