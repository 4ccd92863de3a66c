package io.sparkfast.runtime;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.LearnerConfig;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.optim.Sgd;
import io.sparkfast.common.train.param.LearningRates;
import io.sparkfast.runtime.collective.AllReduceGradientSync;
import io.sparkfast.runtime.collective.WireFormat;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The data-parallel equivalence experiment, shared by {@code DataParallelTest} (local mode) and
 * {@code LocalClusterSubmitIT} (the standalone cluster, executors in other JVMs): 2 replicas x batch b for k steps of
 * plain SGD against 1 replica x batch 2b over the same data order. No JUnit here: the class runs on executors.
 */
public final class DataParallelEquivalence {

  static final int B = 4;
  static final int STEPS = 6;
  static final int FEATURES = 5;

  private DataParallelEquivalence() {}

  /**
   * What the experiment measured.
   *
   * @param maxDiff largest parameter difference between either replica and the single run
   * @param moved how far the single run moved the parameters
   * @param aloneDiff how far a replica training alone (no all-reduce) ends from the single run
   * @param broadcastEqual whether both replicas started from rank 0's parameters
   */
  public record Result(float maxDiff, float moved, float aloneDiff, boolean broadcastEqual) {}

  static final DataParallel.Settings SETTINGS = new DataParallel.Settings(Duration.ofSeconds(30),
      Duration.ofSeconds(30), WireFormat.FP32, 1 << 20, Duration.ofSeconds(5));

  /** The global data: STEPS batches of 2B rows. */
  static float[][] rows() {
    Random r = new Random(5);
    float[][] rows = new float[STEPS * 2 * B][FEATURES + 1];
    for (float[] row : rows) {
      int y = r.nextInt(3);
      row[FEATURES] = y;
      for (int f = 0; f < FEATURES; f++) {
        row[f] = (float) r.nextGaussian() + (f == y ? 1.5f : 0);
      }
    }
    return rows;
  }

  static Block net() {
    return new SequentialBlock().add(Linear.builder().setUnits(8).build()).add(Activation::tanh)
        .add(Linear.builder().setUnits(3).build());
  }

  /** Trains on {@code rows} in order with batch {@code batch}; returns [initial params..., final params...]. */
  static float[][] train(float[][] rows, int batch, float[] initial, DataParallel.Replica replica) {
    try (NDManager m = NDManager.newBaseManager()) {
      Block net = net();
      Engine.getInstance().setRandomSeed(11);
      net.initialize(m, DataType.FLOAT32, new Shape(1, FEATURES));
      if (initial != null) {
        set(net, initial);
      } else if (replica != null) {
        AllReduceGradientSync.broadcastParameters(net, replica.collective(), 0);
      }
      float[] start = flat(net);
      fitSgd(net, m, rows, batch, replica == null ? null : new AllReduceGradientSync(replica.collective()),
          replica == null ? 0 : replica.rank());
      return new float[][] {start, flat(net)};
    }
  }

  static float[] flat(Block net) {
    List<Float> all = new ArrayList<>();
    for (var p : net.getParameters()) {
      for (float v : p.getValue().getArray().toFloatArray()) {
        all.add(v);
      }
    }
    float[] out = new float[all.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = all.get(i);
    }
    return out;
  }

  static void set(Block net, float[] values) {
    int off = 0;
    for (var p : net.getParameters()) {
      var a = p.getValue().getArray();
      int n = Math.toIntExact(a.size());
      a.set(FloatBuffer.wrap(java.util.Arrays.copyOfRange(values, off, off + n)));
      off += n;
    }
  }

  /**
   * BatchNorm running statistics across 2 replicas: a net with a BatchNorm layer trains for STEPS steps, each replica
   * on its own shard (the second shard shifted, so the replicas' batch statistics differ), gradients averaged and
   * running statistics as {@code mode} says. Returns each replica's final parameters, running statistics included.
   */
  public static List<float[]> batchNormReplicas(JavaSparkContext sc, AllReduceGradientSync.BatchNormStats mode) {
    float[][] rows = rows();
    List<float[][]> shards = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      float[][] shard = new float[STEPS * B][];
      for (int i = 0; i < shard.length; i++) {
        shard[i] = rows[r * shard.length + i].clone();
        for (int f = 0; f < FEATURES; f++) {
          shard[i][f] += 2f * r;
        }
      }
      shards.add(shard);
    }
    return DataParallel.run(sc, shards, SETTINGS, (shard, replica) -> {
      try (NDManager m = NDManager.newBaseManager()) {
        Block net = new SequentialBlock().add(Linear.builder().setUnits(8).build())
            .add(ai.djl.nn.norm.BatchNorm.builder().build()).add(Activation::tanh)
            .add(Linear.builder().setUnits(3).build());
        net.initialize(m, DataType.FLOAT32, new Shape(1, FEATURES));
        // the same weights in both runs (task threads share libtorch's generator, so a seed alone is not enough)
        Random init = new Random(3);
        for (var p : net.getParameters()) {
          if (p.getValue().getType() == ai.djl.nn.Parameter.Type.WEIGHT) {
            var a = p.getValue().getArray();
            float[] w = new float[Math.toIntExact(a.size())];
            for (int i = 0; i < w.length; i++) {
              w[i] = (float) init.nextGaussian() * 0.5f;
            }
            a.set(FloatBuffer.wrap(w));
          }
        }
        fitSgd(net, m, shard, B, new AllReduceGradientSync(replica.collective(), mode), replica.rank());
        return flat(net);
      }
    });
  }

  /**
   * One epoch of plain SGD (lr 0.5, no weight decay) over {@code rows} in order; as replica {@code rank} of
   * {@code sync} when it is not null.
   */
  static void fitSgd(Block net, NDManager m, float[][] rows, int batch, AllReduceGradientSync sync, int rank) {
    Learner.Builder b = Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(dataset(m, rows, batch))
        .optConfig(LearnerConfig.defaults().withOptimizer(Sgd.factory()).withWd(0)).optManager(m);
    if (sync != null) {
      b.optGradientSync(sync).optReplica(rank, 0);
    }
    try (Learner learn = b.build()) {
      learn.fit(1, LearningRates.of(0.5));
    }
  }

  static ArrayDataset dataset(NDManager m, float[][] rows, int batch) {
    float[] x = new float[rows.length * FEATURES];
    float[] y = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, x, i * FEATURES, FEATURES);
      y[i] = rows[i][FEATURES];
    }
    return new ArrayDataset.Builder().setData(m.create(x, new Shape(rows.length, FEATURES)))
        .optLabels(m.create(y, new Shape(rows.length))).setSampling(batch, false).build();
  }

  /** Runs the experiment on {@code sc}'s cluster (2 task slots needed). */
  public static Result run(JavaSparkContext sc) {
    float[][] rows = rows();
    // replica r takes rows [s*2B + r*B, s*2B + (r+1)*B) of every step s: the same order as one batch of 2B
    List<float[][]> shards = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      float[][] shard = new float[STEPS * B][];
      for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < B; i++) {
          shard[s * B + i] = rows[s * 2 * B + r * B + i];
        }
      }
      shards.add(shard);
    }
    List<float[][]> results = DataParallel.run(sc, shards, SETTINGS, (shard, replica) -> train(shard, B, null, replica));
    float[] initial = results.get(0)[0];
    boolean broadcast = java.util.Arrays.equals(initial, results.get(1)[0]);
    float[] single = train(rows, 2 * B, initial, null)[1];
    float maxDiff = 0;
    float moved = 0;
    for (int i = 0; i < single.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(single[i] - results.get(0)[1][i]));
      maxDiff = Math.max(maxDiff, Math.abs(single[i] - results.get(1)[1][i]));
      moved = Math.max(moved, Math.abs(single[i] - initial[i]));
    }
    float[] alone = train(shards.get(0), B, initial, null)[1];
    float diff = 0;
    for (int i = 0; i < single.length; i++) {
      diff = Math.max(diff, Math.abs(single[i] - alone[i]));
    }
    return new Result(maxDiff, moved, diff, broadcast);
  }
}
