package io.sparkfast.jobs.vision;

import com.typesafe.config.Config;
import io.sparkfast.common.vision.VisionTraining;
import io.sparkfast.runtime.io.OutputCommitter;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/** {@code sparkfast lr-find}: fastai's learning-rate finder on the configured model and data. */
@Command(
    name = "lr-find",
    description = {
      "Runs fastai's lr_find (exponential learning rate 1e-7 -> 10 over 100 batches, stopping when the smoothed",
      "loss diverges; the weights are restored) and writes the suggestions (valley, slide, minimum, steep) to",
      "metrics.json and the curve to plots/lr_find.png."
    })
public final class LrFindCommand extends VisionJobCommand {

  @Override
  protected Map<String, Object> runJob(SparkSession spark, Config config, OutputCommitter out) throws Exception {
    return VisionTraining.lrFind(VisionConfig.spec(config), out.localWorkDir());
  }
}
