package io.sparkfast.jobs.score;

import static org.apache.spark.sql.functions.col;

import io.sparkfast.common.artifact.ExportedModel;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.infer.ClassProb;
import io.sparkfast.common.infer.Prediction;
import io.sparkfast.common.infer.TtaConfig;
import io.sparkfast.jobs.SparkfastException;
import io.sparkfast.runtime.ModelCache;
import io.sparkfast.runtime.ModelRef;
import io.sparkfast.runtime.io.OutputCommitter;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch scoring. The driver checks the model and the inputs, Spark's {@code binaryFile} source lists and reads the
 * files (or {@link ParquetInput} reads and validates a Parquet table of keys and image bytes), and each partition
 * is scored by {@link ScorePartition} with the executor's cached model. The predictions are written with Spark's
 * file commit protocol into the job's temporary output, which {@link OutputCommitter} renames into place.
 *
 * <p><b>Exactly one row per image:</b> each output row is a deterministic function of one input file, and Spark's
 * commit protocol keeps the files of exactly one successful attempt per partition (failed, killed and speculative
 * attempts are discarded), so task retries and lost executors cannot duplicate or lose rows; a re-run replaces the
 * whole output. The job verifies it after writing: row count and distinct paths equal the number of input files.
 */
public final class ScoreJob {

  private static final Logger logger = LoggerFactory.getLogger(ScoreJob.class);

  /** The output schema. */
  public static final StructType SCHEMA = new StructType()
      .add("path", DataTypes.StringType, false)
      .add("label", DataTypes.StringType, true)
      .add("probability", DataTypes.FloatType, true)
      .add("top_k_labels", DataTypes.createArrayType(DataTypes.StringType), true)
      .add("top_k_probs", DataTypes.createArrayType(DataTypes.FloatType), true)
      .add("model_id", DataTypes.StringType, false)
      .add("error", DataTypes.StringType, true)
      .add("scored_at", DataTypes.TimestampType, false)
      .add("modification_time", DataTypes.TimestampType, true);

  /**
   * The output schema of a multi-label model: {@link #SCHEMA} plus {@code labels}, every label whose sigmoid
   * probability exceeds the model's threshold (possibly none), in vocabulary order. There {@code probability} and
   * {@code top_k_probs} are independent sigmoid probabilities, and {@code label} is the most probable label.
   */
  public static final StructType MULTI_LABEL_SCHEMA = SCHEMA
      .add("labels", DataTypes.createArrayType(DataTypes.StringType), true);

  /**
   * What to score and how. {@code inputFormat} is {@code files} (image files read with {@code binaryFile}) or
   * {@code parquet} (a table of {@code keyColumn} and the binary {@code imageColumn}; see {@link ParquetInput}).
   */
  public record Options(String model, List<String> inputs, int batchSize, int topK, boolean tta, String incremental,
      String pathFilter, int partitions, String inputFormat, String keyColumn, String imageColumn,
      io.sparkfast.common.infer.OneDnn.Mode oneDnn)
      implements Serializable {}

  private final SparkSession spark;
  private final Options o;
  private final ModelRef modelRef;

  /** A job scoring with {@code model} (a sparkfast folder, a TorchScript file or a model URL). */
  public ScoreJob(SparkSession spark, Options options, ModelRef model) {
    this.spark = spark;
    this.o = options;
    this.modelRef = model;
  }

  /**
   * {@code --incremental} carries rows only when they were scored as this run would score them: the same model
   * (by content), top-k, TTA and threshold, as the previous run's metrics.json records them. Anything else would mix
   * two models' scores in one output without a trace.
   */
  private void requireSameScoring(String previous, Map<String, Object> scoring) throws java.io.IOException {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(previous, "metrics.json");
    FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(file)) {
      throw SparkfastException.input("--incremental " + previous + " has no metrics.json; give the --out of an"
          + " earlier sparkfast score run");
    }
    com.fasterxml.jackson.databind.JsonNode prev;
    try (var in = fs.open(file)) {
      prev = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
    }
    List<String> differ = new ArrayList<>();
    for (Map.Entry<String, Object> e : scoring.entrySet()) {
      com.fasterxml.jackson.databind.JsonNode v = prev.get(e.getKey());
      String was = v == null || v.isNull() ? "(not recorded)" : v.asText();
      if (!was.equals(String.valueOf(e.getValue()))) {
        differ.add(e.getKey() + " " + was + " -> " + e.getValue());
      }
    }
    if (!differ.isEmpty()) {
      throw SparkfastException.config("--incremental " + previous + " was scored differently (" + String.join(", ",
          differ) + "); its rows cannot be carried: score without --incremental, or with the same model and options");
    }
  }

  /** Scores and returns the metrics. */
  public Map<String, Object> run(OutputCommitter out) throws Exception {
    long t0 = System.nanoTime();
    if (o.batchSize() < 1 || o.topK() < 1) {
      throw SparkfastException.config("--batch-size and --top-k must be >= 1");
    }
    String modelId;
    String modelSha;
    boolean multiLabel;
    double threshold;
    try (ExportedModel m = modelRef.open()) { // checked on the driver: a bad model fails before any task runs
      modelId = m.config().arch() + "@" + modelRef.uri();
      multiLabel = m.config().multiLabel();
      threshold = m.threshold();
      modelSha = modelRef.fingerprint();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw SparkfastException.input("--model " + o.model() + ": " + e.getMessage(), e);
    }
    Map<String, Object> scoring = new LinkedHashMap<>();
    scoring.put("model_sha256", modelSha);
    scoring.put("top_k", o.topK());
    scoring.put("tta", o.tta());
    scoring.put("multi_label", multiLabel);
    if (multiLabel) {
      scoring.put("threshold", threshold);
    }
    if (o.incremental() != null) {
      requireSameScoring(o.incremental(), scoring);
    }
    FileSystem fs;
    for (String in : o.inputs()) {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(in);
      fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileStatus[] st = fs.globStatus(p);
      if (st == null || st.length == 0) {
        throw SparkfastException.input("--input " + in + " does not exist");
      }
    }
    Dataset<Row> files;
    long listed;
    if (ParquetInput.isParquet(o)) {
      ParquetInput.Table table = ParquetInput.read(spark, o);
      files = table.rows();
      listed = table.count();
    } else {
      var reader = spark.read().format("binaryFile").option("recursiveFileLookup", "true");
      if (!o.pathFilter().isEmpty()) {
        reader = reader.option("pathGlobFilter", o.pathFilter());
      }
      files = reader.load(o.inputs().toArray(String[]::new));
      listed = files.select("path").count();
      if (listed == 0) {
        throw SparkfastException.input("no files under --input " + String.join(" ", o.inputs())
            + (o.pathFilter().isEmpty() ? "" : " matching " + o.pathFilter()));
      }
    }
    double listSeconds = (System.nanoTime() - t0) / 1e9;
    Dataset<Row> carried = null;
    if (o.incremental() != null) {
      Dataset<Row> prev = spark.read().parquet(new org.apache.hadoop.fs.Path(o.incremental(), "predictions").toString());
      Dataset<Row> keys = prev.filter(col("error").isNull()).select(col("path").as("p_path"),
          col("modification_time").as("p_mtime"));
      Dataset<Row> unchanged = files.join(keys, files.col("path").equalTo(keys.col("p_path"))
          .and(files.col("modificationTime").equalTo(keys.col("p_mtime"))), "left_semi");
      carried = prev.join(unchanged.select(col("path").as("u_path")), prev.col("path").equalTo(col("u_path")),
          "left_semi");
      files = files.join(keys, files.col("path").equalTo(keys.col("p_path"))
          .and(files.col("modificationTime").equalTo(keys.col("p_mtime"))), "left_anti");
    }
    long carriedCount = carried == null ? 0 : carried.count();
    Dataset<Row> input = files.select("path", "modificationTime", "content");
    if (o.partitions() > 0) {
      input = input.repartition(o.partitions());
    }
    org.apache.spark.util.LongAccumulator imageCount = spark.sparkContext().longAccumulator("sparkfast.scored_images");
    ScoreProgress progress = new ScoreProgress(imageCount.id(), listed - carriedCount, 10);
    JavaRDD<Row> scored = input.javaRDD().mapPartitions(new ScorePartition(modelRef, modelId, o, imageCount,
        multiLabel ? threshold : Double.NaN));
    Dataset<Row> predictions = spark.createDataFrame(scored, multiLabel ? MULTI_LABEL_SCHEMA : SCHEMA);
    if (carried != null) {
      predictions = predictions.unionByName(carried);
    }
    long tScore = System.nanoTime();
    String target = out.path("predictions");
    spark.sparkContext().setJobDescription("sparkfast score: " + listed + " files");
    spark.sparkContext().addSparkListener(progress);
    try {
      predictions.write().mode("overwrite").parquet(target);
    } finally {
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty(10_000); // the last task-end events
      } catch (java.util.concurrent.TimeoutException e) {
        logger.warn("listener events still pending; the throughput plot may miss the last tasks");
      }
      spark.sparkContext().removeSparkListener(progress);
    }
    double scoreSeconds = (System.nanoTime() - tScore) / 1e9;
    List<double[]> curve = progress.curve();
    if (curve.size() > 1) {
      out.writeBytes("plots/throughput.png", io.sparkfast.jobs.report.Charts.line(String.format(
          java.util.Locale.ROOT, "Scoring: %d images in %.0f s (%.1f images/s)", progress.done(), scoreSeconds,
          progress.done() / Math.max(1e-9, scoreSeconds)), "seconds", "images scored",
          curve.stream().mapToDouble(p -> p[0]).toArray(), curve.stream().mapToDouble(p -> p[1]).toArray()));
    }

    Dataset<Row> written = spark.read().parquet(target);
    Row counts = written.selectExpr("count(*) AS n", "count(DISTINCT path) AS d",
        "count_if(error IS NOT NULL) AS e").first();
    long rows = counts.getLong(0);
    long distinct = counts.getLong(1);
    long errors = counts.getLong(2);
    if (rows != listed || distinct != listed) {
      throw new SparkfastException(SparkfastException.Kind.RUNTIME, "exactly-once check failed: " + listed
          + " input files but " + rows + " rows (" + distinct + " distinct paths)", null);
    }
    long newlyScored = listed - carriedCount;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("images", rows);
    m.put("errors", errors);
    m.put("scored", newlyScored);
    m.put("carried_from_previous", rows - newlyScored);
    m.put("images_per_second", newlyScored / Math.max(1e-9, scoreSeconds));
    m.put("model_id", modelId);
    m.putAll(scoring); // model_sha256, top_k, tta, multi_label, threshold: what --incremental compares
    m.put("batch_size", o.batchSize());
    m.put("onednn", o.oneDnn().name().toLowerCase(java.util.Locale.ROOT));
    m.put("exactly_once", Map.of("input_files", listed, "rows", rows, "distinct_paths", distinct));
    m.put("seconds", Map.of("listing", listSeconds, "scoring_and_writing", scoreSeconds,
        "total", (System.nanoTime() - t0) / 1e9));
    return m;
  }

  /** A decoded batch and the modification times of its files. */
  record Batch(BatchPredictor.Decoded decoded, List<Timestamp> mtimes) {}

  /** Scores one partition in batches with the executor's cached model; one output row per input row. */
  static final class ScorePartition implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, Row> {
    private final ModelRef modelRef;
    private final String modelId;
    private final Options o;
    private final org.apache.spark.util.LongAccumulator imageCount;
    /** A multi-label model's threshold (rows get a labels column), or NaN for a single-label model. */
    private final double threshold;

    ScorePartition(ModelRef modelRef, String modelId, Options o, org.apache.spark.util.LongAccumulator imageCount,
        double threshold) {
      this.modelRef = modelRef;
      this.modelId = modelId;
      this.o = o;
      this.imageCount = imageCount;
      this.threshold = threshold;
    }

    /** One output row: the {@link #SCHEMA} columns, plus {@code labels} for a multi-label model. */
    private Row row(String[] labels, Object... values) {
      if (Double.isNaN(threshold)) {
        return RowFactory.create(values);
      }
      Object[] all = java.util.Arrays.copyOf(values, values.length + 1);
      all[values.length] = labels;
      return RowFactory.create(all);
    }

    /** The labels whose probability exceeds the threshold, in vocabulary order. */
    private String[] labelsAbove(float[] probs, io.sparkfast.common.data.Vocab vocab) {
      List<String> out = new ArrayList<>();
      for (int j = 0; j < probs.length; j++) {
        if (probs[j] > threshold) {
          out.add(vocab.get(j));
        }
      }
      return out.toArray(String[]::new);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      TaskContext tc = TaskContext.get();
      String device = io.sparkfast.runtime.DataParallel.device(
          tc == null ? null : scala.jdk.javaapi.CollectionConverters.asJava(tc.resources()));
      ExportedModel model = ModelCache.get(modelRef, device); // loads the engine on a fresh executor
      io.sparkfast.runtime.EngineThreads.configureForTask();
      ai.djl.pytorch.jni.JniUtils.setGradMode(false); // inference: task threads start with grad mode on
      BatchPredictor predictor = model.newPredictor(o.batchSize()).oneDnn(o.oneDnn());
      if (tc != null) {
        tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> predictor.close());
      }
      int partition = tc == null ? 0 : tc.partitionId();
      // Decoding runs one batch ahead on its own thread, overlapped with the inference of the current batch; the
      // Spark input iterator itself is only read on the task thread.
      java.util.concurrent.ExecutorService decoder = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkfast-decode-" + partition);
        t.setDaemon(true);
        return t;
      });
      if (tc != null) {
        tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> decoder.shutdownNow());
      }
      return new Iterator<>() {
        private final List<Row> ready = new ArrayList<>();
        private int next;
        private long images;
        private long errors;
        private long waitNanos;
        private long inferNanos;
        private final long start = System.nanoTime();

        private java.util.concurrent.Future<Batch> readAhead() {
          if (!rows.hasNext()) {
            return null;
          }
          List<ImageSource> sources = new ArrayList<>();
          List<Timestamp> mtimes = new ArrayList<>();
          while (rows.hasNext() && sources.size() < o.batchSize()) {
            Row r = rows.next();
            sources.add(ImageSource.of(r.getString(0), (byte[]) r.get(2)));
            mtimes.add(r.getTimestamp(1));
          }
          return decoder.submit(() -> new Batch(predictor.decode(sources), mtimes));
        }

        /** The batch decoding now; null once the partition is exhausted. */
        private java.util.concurrent.Future<Batch> pending = readAhead();

        @Override
        public boolean hasNext() {
          if (next < ready.size()) {
            return true;
          }
          ready.clear();
          next = 0;
          if (pending == null) {
            decoder.shutdown();
            logger.info("partition {}: {} images, {} errors, {} ms (inference {} ms, waiting for decoding {} ms)",
                partition, images, errors, (System.nanoTime() - start) / 1_000_000, inferNanos / 1_000_000,
                waitNanos / 1_000_000);
            return false;
          }
          long t0 = System.nanoTime();
          Batch batch;
          try {
            batch = pending.get();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while decoding images", e);
          } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("decoding failed: " + e.getCause(), e.getCause());
          }
          waitNanos += System.nanoTime() - t0;
          pending = readAhead(); // the next batch decodes while this one runs through the model
          long t1 = System.nanoTime();
          List<Prediction> preds = predictor.predict(batch.decoded(), o.topK(), o.tta() ? TtaConfig.defaults(0) : null);
          inferNanos += System.nanoTime() - t1;
          List<ImageSource> sources = batch.decoded().sources();
          List<Timestamp> mtimes = batch.mtimes();
          Timestamp now = new Timestamp(System.currentTimeMillis());
          if (imageCount != null) {
            imageCount.add(preds.size());
          }
          for (int i = 0; i < preds.size(); i++) {
            Prediction p = preds.get(i);
            images++;
            if (p.ok()) {
              List<ClassProb> top = p.topK();
              String[] labels = Double.isNaN(threshold) ? null : labelsAbove(p.probabilities(), predictor.vocab());
              ready.add(row(labels, sources.get(i).name(), top.get(0).label(), top.get(0).probability(),
                  top.stream().map(ClassProb::label).toArray(String[]::new),
                  top.stream().map(c -> c.probability()).toArray(Float[]::new), modelId, null, now, mtimes.get(i)));
            } else {
              errors++;
              ready.add(row(null, sources.get(i).name(), null, null, null, null, modelId, p.error(), now,
                  mtimes.get(i)));
            }
          }
          return true;
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return ready.get(next++);
        }
      };
    }
  }
}
