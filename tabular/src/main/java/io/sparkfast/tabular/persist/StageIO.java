package io.sparkfast.tabular.persist;

import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * Two-tier persistence for fitted stages, as Spark's own models do it: Params metadata as JSON under
 * {@code path/metadata} (readable by {@code Pipeline}/{@code PipelineModel} loaders), and the fitted state as
 * Parquet under {@code path/data}.
 */
public final class StageIO {

  private StageIO() {}

  /** Writes {@code stage}'s params metadata under {@code path/metadata}. */
  public static void saveMetadata(Params stage, String path, SparkSession spark) {
    DefaultParamsWriter$.MODULE$.saveMetadata(stage, path, spark);
  }

  /** Writes the fitted state {@code data} (small, one partition) as Parquet under {@code path/data}. */
  public static void saveData(Dataset<Row> data, String path) {
    data.coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(path + "/data");
  }

  /** Reads the metadata of a stage of class {@code className} saved under {@code path}. */
  public static DefaultParamsReader.Metadata loadMetadata(String path, SparkSession spark, String className) {
    return DefaultParamsReader$.MODULE$.loadMetadata(path, spark, className);
  }

  /** Restores the params saved in {@code metadata} onto {@code stage}; returns it. */
  public static <T extends Params> T restoreParams(T stage, DefaultParamsReader.Metadata metadata) {
    metadata.getAndSetParams(stage, Option.empty());
    return stage;
  }

  /** Reads the fitted state saved by {@link #saveData}. */
  public static Dataset<Row> loadData(SparkSession spark, String path) {
    return spark.read().parquet(path + "/data");
  }
}
