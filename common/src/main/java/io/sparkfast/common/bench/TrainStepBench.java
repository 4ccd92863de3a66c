package io.sparkfast.common.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import io.sparkfast.common.model.ImageModel;
import io.sparkfast.common.model.ImageModels;
import io.sparkfast.common.model.ModelConfig;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.LearnerConfig;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.param.LearningRates;
import java.util.Locale;

/**
 * Times training steps of the vision core: {@code arch} with fastai's head, AdamW, cross-entropy, on random images
 * of {@code size} px in batches of {@code batch}; prints milliseconds per step after a warm-up. The PyTorch side of
 * {@code scripts/bench/train_step_vs_pytorch} builds the same network and times the same loop.
 *
 * <p>Usage: {@code TrainStepBench ARCH SIZE BATCH STEPS [CHANNELS]} (channels default 3). {@code scripts/bench/scaling}
 * also runs it, one copy alone and two at once on separate CPUs, to measure what two CPUs of the machine give
 * against one when nothing is exchanged.
 */
public final class TrainStepBench {

  private TrainStepBench() {}

  /** Runs the benchmark. */
  public static void main(String[] args) {
    String arch = args.length > 0 ? args[0] : "resnet18";
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int steps = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    int channels = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    int warmup = 3;
    Engine.getInstance().setRandomSeed(1);
    try (NDManager m = NDManager.newBaseManager()) {
      int n = batch * (steps + warmup);
      ArrayDataset data = new ArrayDataset.Builder()
          .setData(m.randomNormal(new Shape(n, channels, size, size)))
          .optLabels(m.randomInteger(0, 10, new Shape(n), ai.djl.ndarray.types.DataType.INT64)
              .toType(ai.djl.ndarray.types.DataType.FLOAT32, false))
          .setSampling(batch, false).build();
      ImageModel im = ImageModels.create(new ModelConfig(arch, 10, channels, size, false));
      ImageModels.initialize(im, m);
      StepTimer timer = new StepTimer(warmup);
      try (Learner learn = Learner.builder().setBlock(im.block()).optParamGroups(im.paramGroups())
          .setLoss(new CrossEntropy()).setTrainData(data).optConfig(LearnerConfig.defaults()).optCallbacks(timer)
          .optManager(m).build()) {
        learn.fit(1, LearningRates.of(1e-3));
      }
      System.out.printf(Locale.ROOT, "{\"side\": \"djl\", \"arch\": \"%s\", \"size\": %d, \"batch\": %d, \"steps\": %d,"
          + " \"ms_per_step\": %.2f, \"optimizer_ms_per_step\": %.2f, \"intra_op_threads\": %s}%n", arch, size, batch,
          timer.timed, timer.nanos / 1e6 / timer.timed, timer.stepNanos / 1e6 / timer.timed,
          System.getProperty("ai.djl.pytorch.num_threads", "default"));
    }
  }

  /** Times every training batch after the first {@code warmup}, and its optimizer step (gradient sync included). */
  static final class StepTimer implements io.sparkfast.common.train.callback.Callback {
    private final int warmup;
    private long start;
    private long stepStart;
    long nanos;
    long stepNanos;
    int timed;
    private int seen;

    StepTimer(int warmup) {
      this.warmup = warmup;
    }

    @Override
    public void beforeBatch(Learner learn) {
      start = System.nanoTime();
    }

    @Override
    public void beforeStep(Learner learn) {
      stepStart = System.nanoTime();
    }

    @Override
    public void afterStep(Learner learn) {
      if (seen >= warmup) {
        stepNanos += System.nanoTime() - stepStart;
      }
    }

    @Override
    public void afterBatch(Learner learn) {
      if (learn.isTraining() && ++seen > warmup) {
        nanos += System.nanoTime() - start;
        timed++;
      }
    }
  }
}
