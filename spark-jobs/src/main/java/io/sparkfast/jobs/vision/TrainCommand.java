package io.sparkfast.jobs.vision;

import com.typesafe.config.Config;
import io.sparkfast.common.vision.VisionSpec;
import io.sparkfast.common.vision.VisionTraining;
import io.sparkfast.jobs.SparkfastException;
import io.sparkfast.runtime.io.OutputCommitter;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/** {@code sparkfast train}: single-process training (from scratch or fine-tuning) with the vision core. */
@Command(
    name = "train",
    description = {
      "Trains an image classifier in one process (the driver): fine_tune, fit_one_cycle or fit per the config,",
      "with checkpoints, evaluation (accuracy, TTA, confusion matrix, top losses) and an exported model.",
      "Writes model/ (for sparkfast score and DJL Serving), checkpoints/, plots/, metrics.json and _SUCCESS."
    })
public final class TrainCommand extends VisionJobCommand {

  @Override
  protected Map<String, Object> runJob(SparkSession spark, Config config, OutputCommitter out) throws Exception {
    VisionSpec spec = VisionConfig.spec(config);
    String resume = VisionConfig.str(config, "train.resume_from");
    if (resume != null && java.util.Arrays.stream(VisionTraining.CHECKPOINTS)
        .noneMatch(name -> java.nio.file.Files.isRegularFile(Path.of(resume).resolve(name)))) {
      // as finetune: a missing or misspelled folder must not quietly train from scratch
      throw SparkfastException.input("train.resume_from " + resume + " holds no checkpoint ("
          + String.join(", ", VisionTraining.CHECKPOINTS) + ")");
    }
    Path local = out.localWorkDir();
    try {
      return VisionTraining.train(spec, local, resume == null ? null : Path.of(resume));
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      // the resumed checkpoints are read from their copy in the run's temporary output: name the user's folder,
      // and a checkpoint that cannot be read (truncated, not a checkpoint) is bad input like one that does not fit
      String copy = local.resolve("checkpoints").toString();
      String msg = String.valueOf(e.getMessage());
      if (resume != null && msg.contains(copy)
          && (msg.contains("Could not read checkpoint") || msg.contains("not a sparkfast checkpoint")
              || msg.contains("does not match the model") || msg.contains("format version"))) {
        throw SparkfastException.input("train.resume_from " + resume + " does not fit this model or cannot be read: "
            + io.sparkfast.jobs.JobCommand.oneLine(msg.replace(copy, Path.of(resume).toString())), e);
      }
      throw e;
    }
  }
}
