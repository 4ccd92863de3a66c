package io.sparkfast.common.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.Blocks;
import ai.djl.training.dataset.ArrayDataset;
import io.sparkfast.common.data.ImageDataset;
import io.sparkfast.common.data.ImageFolders;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSplits;
import io.sparkfast.common.testing.TestImages;
import io.sparkfast.common.train.EpochMetrics;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.callback.CancelFitException;
import io.sparkfast.common.train.callback.Callback;
import io.sparkfast.common.train.callback.MixUp;
import io.sparkfast.common.train.callback.SaveCheckpointCallback;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.metric.Metric;
import io.sparkfast.common.train.param.LearningRates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint round trip: resuming gives the same losses as an uninterrupted run; mismatches are clear errors. */
class CheckpointTest {

  @TempDir Path tmp;

  private static ArrayDataset blobs(NDManager m, int n, int batch, boolean shuffle, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 8];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(3);
      y[i] = c;
      for (int f = 0; f < 8; f++) {
        x[i * 8 + f] = (float) ((f % 3 == c ? 1.5 : 0) + r.nextGaussian());
      }
    }
    return new ArrayDataset.Builder().setData(m.create(x, new Shape(n, 8))).optLabels(m.create(y, new Shape(n)))
        .setSampling(batch, shuffle).build();
  }

  /** Linear - BatchNorm - ReLU - Dropout - Linear: BN statistics and dropout randomness must resume too. */
  private static Block net(NDManager m, int hidden, int seed) {
    SequentialBlock b = new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(BatchNorm.builder().build())
        .add(Activation::relu)
        .add(Dropout.builder().optRate(0.3f).build())
        .add(Linear.builder().setUnits(3).build());
    Engine.getInstance().setRandomSeed(seed);
    b.initialize(m, DataType.FLOAT32, new Shape(2, 8));
    return b;
  }

  private Learner learner(NDManager m, Block net, Callback... cbs) {
    return Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(blobs(m, 96, 16, true, 1))
        .optValidData(blobs(m, 48, 16, false, 2)).optMetrics(Metric.accuracy()).optCallbacks(cbs).optManager(m)
        .build();
  }

  /** Saves a checkpoint after {@code atIter} training batches and stops the fit. */
  private static Callback stopAfter(int atIter, Path file) {
    return new Callback() {
      @Override
      public int order() {
        return 100;
      }

      @Override
      public boolean runValid() {
        return false;
      }

      @Override
      public void afterBatch(Learner learn) {
        if (learn.trainIter() == atIter) {
          learn.saveCheckpoint(file);
          throw new CancelFitException("stop for the test");
        }
      }
    };
  }

  private void checkResume(int stopAt) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      List<Double> straight;
      List<EpochMetrics> straightEpochs;
      try (Learner a = learner(m, net(m, 16, 7), new MixUp())) {
        a.fitOneCycle(3, LearningRates.of(1e-2));
        straight = a.recorder().rawLosses();
        straightEpochs = a.recorder().values();
        assertEquals(18, straight.size());
      }
      Path file = tmp.resolve("run/ckpt-" + stopAt + ".bin");
      try (Learner b = learner(m, net(m, 16, 7), new MixUp())) {
        b.addCallback(stopAfter(stopAt, file));
        b.fitOneCycle(3, LearningRates.of(1e-2));
        assertEquals(stopAt, b.recorder().rawLosses().size());
      }
      assertTrue(Files.isRegularFile(file));
      try (Stream<Path> files = Files.list(file.getParent())) {
        assertEquals(1, files.count(), "no temporary files left next to the checkpoint");
      }
      // a new Learner over a differently initialized model: the checkpoint restores everything
      try (Learner c = learner(m, net(m, 16, 99))) {
        c.resume(file, new MixUp());
        List<Double> resumed = c.recorder().rawLosses();
        assertEquals(straight.size(), resumed.size());
        for (int i = 0; i < straight.size(); i++) {
          assertEquals(straight.get(i), resumed.get(i), 1e-6, "loss of batch " + i + " (stopped after " + stopAt + ")");
        }
        List<EpochMetrics> epochs = c.recorder().values();
        assertEquals(straightEpochs.size(), epochs.size());
        for (int e = 0; e < epochs.size(); e++) {
          assertEquals(straightEpochs.get(e).validLoss(), epochs.get(e).validLoss(), 1e-6);
          assertEquals(straightEpochs.get(e).trainLoss(), epochs.get(e).trainLoss(), 1e-6);
        }
      }
    }
  }

  @Test
  void aReplacedEpochRowIsWhatTheCheckpointHolds() throws Exception {
    Path file = tmp.resolve("gathered.ckpt");
    // order 60: between the Recorder (50) and the checkpoint writer (70), as data-parallel metric gathering runs
    Callback gather = new Callback() {
      @Override
      public int order() {
        return 60;
      }

      @Override
      public void afterEpoch(Learner learn) {
        List<EpochMetrics> rows = learn.recorder().values();
        EpochMetrics last = rows.get(rows.size() - 1);
        learn.recorder().replaceLast(new EpochMetrics(last.epoch(), last.trainLoss(), 40 + last.epoch(),
            Map.of("accuracy", 0.5), last.seconds()));
      }
    };
    try (NDManager m = NDManager.newBaseManager();
        Learner a = learner(m, net(m, 16, 7), gather,
            new SaveCheckpointCallback(file, 1, 0))) {
      a.fitOneCycle(2, LearningRates.of(1e-2));
      List<EpochMetrics> rows = Checkpoint.history(file);
      assertEquals(a.recorder().values(), rows);
      assertEquals(2, rows.size());
      assertEquals(41.0, rows.get(1).validLoss());
      assertEquals(0.5, rows.get(1).metrics().get("accuracy"));
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> a.recorder().replaceLast(new EpochMetrics(0, 1, 1, Map.of(), 0)));
      assertTrue(e.getMessage().contains("latest recorded epoch 1"), e.getMessage());
    }
    IllegalArgumentException notOne = assertThrows(IllegalArgumentException.class,
        () -> Checkpoint.history(Files.writeString(tmp.resolve("x.ckpt"), "hello")));
    assertTrue(notOne.getMessage().contains("not a sparkfast checkpoint"), notOne.getMessage());
  }

  @Test
  void resumeMidEpochGivesIdenticalLosses() throws Exception {
    checkResume(8);
  }

  @Test
  void resumeAtEpochBoundaryGivesIdenticalLosses() throws Exception {
    checkResume(6);
  }

  /**
   * An augmented ImageDataset is rebuilt when a run restarts: the resumed epochs must see the augmentations the
   * uninterrupted run saw, not the first epoch's again.
   */
  @Test
  void resumeWithAFreshAugmentedImageDatasetGivesIdenticalLosses() throws Exception {
    Path root = tmp.resolve("img");
    TestImages.writeFolderTree(root, new String[] {"train", "valid"}, new String[] {"a", "b"}, 4, 12);
    ImageSplits splits = ImageFolders.fromSplitFolders(root, "train", "valid");
    Path file = tmp.resolve("img.ckpt");
    try (NDManager m = NDManager.newBaseManager()) {
      List<Double> straight;
      try (Learner a = imageLearner(m, splits, 7)) {
        a.fit(3, LearningRates.of(1e-2));
        straight = a.recorder().rawLosses();
        assertEquals(6, straight.size());
      }
      try (Learner b = imageLearner(m, splits, 7)) {
        b.addCallback(stopAfter(3, file));
        b.fit(3, LearningRates.of(1e-2));
      }
      try (Learner c = imageLearner(m, splits, 99)) {
        c.resume(file);
        List<Double> resumed = c.recorder().rawLosses();
        assertEquals(straight.size(), resumed.size());
        for (int i = 0; i < straight.size(); i++) {
          assertEquals(straight.get(i), resumed.get(i), 1e-6, "loss of batch " + i);
        }
      }
    }
  }

  /** A Learner over new (augmenting) ImageDatasets of {@code splits}, as a restarted process builds them. */
  private static Learner imageLearner(NDManager m, ImageSplits splits, int initSeed) {
    ImageDataset[] ds = ImageDataset.of(splits, ImagePipelineConfig.defaults(8), 4, 5);
    SequentialBlock net = new SequentialBlock().add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(2).build());
    Engine.getInstance().setRandomSeed(initSeed);
    net.initialize(m, DataType.FLOAT32, new Shape(4, 3, 8, 8));
    return Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(ds[0]).optValidData(ds[1])
        .optManager(m).build();
  }

  @Test
  void mismatchedArchitectureNamesTheFirstParameter() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Path file = tmp.resolve("wide.ckpt");
      try (Learner wide = learner(m, net(m, 16, 1))) {
        wide.fit(1, LearningRates.of(1e-2));
        assertTrue(wide.saveCheckpoint(file));
      }
      try (Learner narrow = learner(m, net(m, 8, 1))) {
        float[] before = narrow.block().getParameters().get(0).getValue().getArray().toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> narrow.loadCheckpoint(file));
        String first = narrow.block().getParameters().get(0).getKey();
        assertTrue(e.getMessage().contains("'" + first + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("(16, 8)") && e.getMessage().contains("(8, 8)"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertArrayEquals(before,
            narrow.block().getParameters().get(0).getValue().getArray().toFloatArray(), 0f, "model must be untouched");
      }
      Path junk = tmp.resolve("junk.ckpt");
      Files.writeString(junk, "not a checkpoint");
      try (Learner any = learner(m, net(m, 8, 1))) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> any.loadCheckpoint(junk));
        assertTrue(e.getMessage().contains("not a sparkfast checkpoint"), e.getMessage());
      }
    }
  }

  @Test
  void saveCheckpointCallbackWritesOnTheWriterRankOnly() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Path writer = tmp.resolve("writer.ckpt");
      Path other = tmp.resolve("other.ckpt");
      try (Learner a = learner(m, net(m, 8, 1), new SaveCheckpointCallback(writer, 1, 0));
          Learner b = Learner.builder().setBlock(net(m, 8, 1)).setLoss(new CrossEntropy())
              .setTrainData(blobs(m, 96, 16, true, 1)).optReplica(1, 0)
              .optCallbacks(new SaveCheckpointCallback(other, 1, 2)).optManager(m)
              .build()) {
        a.fit(2, LearningRates.of(1e-2));
        b.fit(1, LearningRates.of(1e-2));
        assertTrue(Files.isRegularFile(writer));
        assertTrue(Files.notExists(other));
        Checkpoint.Contents c = a.loadCheckpoint(writer);
        assertEquals(2, c.position().epoch());
        assertEquals(0, c.position().batchesDone());
        assertEquals(12, c.position().trainIter());
        assertEquals(2, c.plan().nEpoch());
      }
    }
  }
}
