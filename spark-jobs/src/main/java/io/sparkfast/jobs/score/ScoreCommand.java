package io.sparkfast.jobs.score;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.NormStats;
import io.sparkfast.common.data.ResizeMethod;
import io.sparkfast.common.infer.OneDnn;
import io.sparkfast.jobs.JobCommand;
import io.sparkfast.jobs.SparkfastException;
import io.sparkfast.runtime.ModelRef;
import io.sparkfast.runtime.io.OutputCommitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparkfast score}: batch image scoring on executors with an exported model, one row per image. */
@Command(
    name = "score",
    description = {
      "Scores image files (PNG, JPEG, BMP, GIF) under one or more paths or globs on the Spark executors with a model",
      "exported by `sparkfast train` / `finetune` (its model/ folder). Writes predictions/ (Parquet: path, label,",
      "probability, top-k labels and probabilities, model_id, error, scored_at, modification_time), metrics.json and",
      "_SUCCESS, atomically; exactly one row per input image. Undecodable files get an error row.",
      "A multi-label model (model.multi_label) gives sigmoid probabilities and a labels column: every label whose",
      "probability exceeds the threshold recorded in the model (eval.threshold when it was trained).",
      "With --input-format parquet the input is a Parquet table of unique keys (--key-column, written as path) and",
      "encoded image bytes (--image-column, binary)."
    })
public final class ScoreCommand extends JobCommand {

  @Option(names = "--model", required = true, paramLabel = "DIR|FILE|URL",
      description = "A sparkfast model folder (train/finetune's model/), a TorchScript file (or a folder holding one)"
          + " or a model URL (djl://, file://, https://); TorchScript models take score.model.* preprocessing.")
  String model;

  @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
      description = "Image files, folders (recursive) or globs; Parquet tables with --input-format parquet;"
          + " repeatable.")
  List<String> input = new ArrayList<>();

  @Option(names = "--input-format", paramLabel = "FORMAT",
      description = "files (image files, the default) or parquet (a table of keys and image bytes).")
  String inputFormat;

  @Option(names = "--key-column", paramLabel = "COL",
      description = "Parquet: the unique key column, written as path (default path).")
  String keyColumn;

  @Option(names = "--image-column", paramLabel = "COL",
      description = "Parquet: the binary column of encoded image bytes (default content).")
  String imageColumn;

  @Option(names = "--batch-size", paramLabel = "N", description = "Images per inference batch (default 64).")
  Integer batchSize;

  @Option(names = "--top-k", paramLabel = "K", description = "Classes reported per image (default 3).")
  Integer topK;

  @Option(names = "--tta", description = "fastai test-time augmentation (4 augmented passes blended with the plain one).")
  boolean tta;

  @Option(names = "--incremental", paramLabel = "PREV_OUT",
      description = "Skip images already scored in a previous output (same path and modification time); carry them.")
  String incremental;

  @Override
  protected String referenceResource() {
    return "score-reference.conf";
  }

  @Override
  protected String defaultResource() {
    return "score-reference.conf";
  }

  @Override
  protected List<String> inputs(Config config) {
    return input;
  }

  @Override
  protected Map<String, Object> runJob(SparkSession spark, Config config, OutputCommitter out) throws Exception {
    ScoreJob.Options o = new ScoreJob.Options(model, input,
        batchSize != null ? batchSize : config.getInt("score.batch_size"),
        topK != null ? topK : config.getInt("score.top_k"), tta || config.getBoolean("score.tta"),
        incremental, config.getString("score.path_filter"), config.getInt("score.partitions"),
        inputFormat != null ? inputFormat : config.getString("score.input_format"),
        keyColumn != null ? keyColumn : config.getString("score.key_column"),
        imageColumn != null ? imageColumn : config.getString("score.image_column"),
        oneDnn(config));
    return new ScoreJob(spark, o, ModelRef.resolve(model, torchScriptPipeline(config),
        config.getString("score.model.labels"))).run(out);
  }

  /** {@code score.onednn}, checked. */
  static OneDnn.Mode oneDnn(Config config) {
    try {
      return OneDnn.Mode.parse(config.getString("score.onednn"));
    } catch (IllegalArgumentException e) {
      throw SparkfastException.config("score." + e.getMessage());
    }
  }

  /** The preprocessing of a TorchScript {@code --model}, from {@code score.model.*}. */
  static ImagePipelineConfig torchScriptPipeline(Config config) {
    int size = config.getInt("score.model.size");
    int channels = config.getInt("score.model.channels");
    if (size < 8 || (channels != 1 && channels != 3)) {
      throw SparkfastException.config("score.model.size must be >= 8 and score.model.channels 1 or 3;"
          + " got " + size + " and " + channels);
    }
    NormStats norm;
    ConfigValue nv = config.getValue("score.model.norm");
    if (nv.valueType() == ConfigValueType.LIST) {
      List<Double> v = config.getDoubleList("score.model.norm");
      if (v.size() != 2 * channels) {
        throw SparkfastException.config("score.model.norm needs " + channels + " means then "
            + channels + " stds; got " + v.size() + " numbers");
      }
      float[] mean = new float[channels];
      float[] std = new float[channels];
      for (int c = 0; c < channels; c++) {
        mean[c] = v.get(c).floatValue();
        std[c] = v.get(channels + c).floatValue();
      }
      norm = new NormStats(mean, std);
    } else {
      String n = config.getString("score.model.norm");
      norm = switch (n) {
        case "imagenet" -> NormStats.imagenet().forChannels(channels);
        case "none" -> NormStats.identity(channels);
        default -> throw SparkfastException.config(
            "score.model.norm must be imagenet, none or a list of means and stds; got '" + n + "'");
      };
    }
    ResizeMethod resize;
    try {
      resize = ResizeMethod.valueOf(
          config.getString("score.model.resize").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw SparkfastException.config("score.model.resize must be crop, squish or pad; got '"
          + config.getString("score.model.resize") + "'");
    }
    return ImagePipelineConfig.defaults(size).withChannels(channels).withNorm(norm)
        .withResizeMethod(resize);
  }
}
