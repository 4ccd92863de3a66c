package io.sparkfast.jobs.finetune;

import com.typesafe.config.Config;
import io.sparkfast.jobs.vision.VisionJobCommand;
import io.sparkfast.runtime.io.OutputCommitter;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparkfast finetune}: data-parallel training across executors with a synchronous ring all-reduce. */
@Command(
    name = "finetune",
    description = {
      "Fine-tunes (or trains) an image classifier with N identical replicas, one per Spark task, in a barrier stage:",
      "gradients are averaged over the replicas after every backward pass (synchronous data-parallel SGD, as",
      "PyTorch DDP) through an authenticated TCP ring all-reduce. Rank 0 checkpoints every epoch to shared storage;",
      "a failed stage is retried from the latest checkpoint. Writes model/, checkpoints/, plots/, metrics.json.",
      "With --lr-find it runs fastai's lr_find on one executor instead."
    })
public final class FinetuneCommand extends VisionJobCommand {

  @Option(names = "--replicas", paramLabel = "N", description = "Replicas (overrides distributed.replicas).")
  Integer replicas;

  @Option(names = "--lr-find", description = "Run lr_find on one replica and write its suggestions instead.")
  boolean lrFind;

  @Override
  protected Map<String, Object> runJob(SparkSession spark, Config config, OutputCommitter out) throws Exception {
    FinetuneJob job = new FinetuneJob(spark, config, replicas);
    return lrFind ? job.lrFind(out) : job.run(out);
  }
}
