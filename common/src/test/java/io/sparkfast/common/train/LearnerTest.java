package io.sparkfast.common.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.util.Pair;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.metric.Metric;
import io.sparkfast.common.train.optim.GroupOptimizer;
import io.sparkfast.common.train.param.LearningRates;
import io.sparkfast.common.train.schedule.OneCycle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end behaviour of the Learner: training, schedules, Recorder, freezing, lr_find, memory. */
class LearnerTest {

  @TempDir Path tmp;

  private static Map<String, float[]> params(Block b) {
    Map<String, float[]> out = new HashMap<>();
    for (Pair<String, Parameter> p : b.getParameters()) {
      out.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  @Test
  void tinyConvNetLearnsWellAboveChance() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset train = TrainFixtures.images(m, 240, 16, true, 1);
      ArrayDataset valid = TrainFixtures.images(m, 90, 32, false, 2);
      SequentialBlock net = TrainFixtures.convNet(m, 3);
      try (Learner learn = Learner.builder().setBlock(net).optParamGroups(TrainFixtures.bodyHead(net))
          .setLoss(new CrossEntropy()).setTrainData(train).optValidData(valid)
          .optMetrics(Metric.accuracy(), Metric.errorRate(), Metric.perClassAccuracy(List.of("a", "b", "c")))
          .optManager(m).build()) {
        double before = learn.validate().get("accuracy");
        learn.fitOneCycle(4, LearningRates.of(1e-2));
        List<EpochMetrics> rows = learn.recorder().values();
        assertEquals(4, rows.size());
        EpochMetrics last = rows.get(3);
        assertTrue(last.metrics().get("accuracy") > 0.85, "accuracy " + last.metrics() + " (before " + before + ")");
        assertEquals(1 - last.metrics().get("accuracy"), last.metrics().get("error_rate"), 1e-12);
        assertTrue(last.validLoss() < rows.get(0).validLoss() || rows.get(0).validLoss() < 0.5);
        // the Recorder's last validation equals a fresh validation pass with the final weights
        Map<String, Double> again = learn.validate();
        assertEquals(last.validLoss(), again.get("valid_loss"), 1e-6);
        assertEquals(last.metrics().get("accuracy"), again.get("accuracy"), 1e-12);
        assertEquals(last.metrics().get("balanced_accuracy"), again.get("balanced_accuracy"), 1e-12);
        Path png = learn.recorder().plot(tmp.resolve("loss.png"));
        assertTrue(Files.size(png) > 1000);
        assertTrue(Files.size(tmp.resolve("loss-metrics.png")) > 1000);
      }
    }
  }

  @Test
  void recorderAndSchedulerFollowOneCyclePerBatch() {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset train = TrainFixtures.blobs(m, 64, 16, true, 1);
      Block net = TrainFixtures.mlp(m, 16, false, 1);
      try (Learner learn = Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(train)
          .optManager(m).build()) {
        learn.fitOneCycle(2, LearningRates.of(1e-2));
        OneCycle c = new OneCycle(new double[] {1e-2}, 25, 1e5, 0.25, 0.95, 0.85, 0.95);
        List<Double> lrs = learn.recorder().lrs();
        List<Double> moms = learn.recorder().moms();
        assertEquals(8, lrs.size());
        assertEquals(8, learn.recorder().losses().size());
        assertEquals(8, learn.recorder().rawLosses().size());
        double pct = 0;
        for (int i = 0; i < 8; i++) {
          if (i % 4 == 0) {
            pct = (i / 4) / 2.0;
          }
          assertEquals(c.lrSchedule(0).at(pct), lrs.get(i), 1e-12, "lr at batch " + i);
          assertEquals(c.momSchedule().at(pct), moms.get(i), 1e-12, "mom at batch " + i);
          pct += 1.0 / 8;
        }
        // smoothed loss: debiased EMA of the raw losses
        double val = 0;
        for (int i = 0; i < 8; i++) {
          val = 0.98 * val + 0.02 * learn.recorder().rawLosses().get(i);
          assertEquals(val / (1 - Math.pow(0.98, i + 1)), learn.recorder().losses().get(i), 1e-9);
        }
        assertEquals(List.of(4, 8), learn.recorder().iters());
        assertEquals(learn.recorder().losses().get(3), learn.recorder().values().get(0).trainLoss(), 1e-12);
        assertTrue(Double.isNaN(learn.recorder().values().get(0).validLoss()));
      }
    }
  }

  @Test
  void freezingStopsBodyUpdatesButNotBatchNorm() {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset train = TrainFixtures.blobs(m, 64, 16, true, 1);
      SequentialBlock net = TrainFixtures.bnNet(m, 5);
      try (Learner learn = Learner.builder().setBlock(net).optParamGroups(TrainFixtures.bodyHead(net))
          .setLoss(new CrossEntropy()).setTrainData(train).optManager(m).build()) {
        learn.freeze();
        Map<String, float[]> before = params(net);
        learn.fit(1, LearningRates.of(1e-2));
        Map<String, float[]> after = params(net);
        int checked = 0;
        for (Pair<String, Parameter> p : net.getParameters()) {
          String name = p.getKey();
          Parameter.Type type = p.getValue().getType();
          boolean body = learn.paramGroups().groupOf(p.getValue().getId()) == 0;
          boolean bn = learn.paramGroups().isNormParameter(p.getValue().getId());
          if (body && !bn) {
            assertArrayEquals(before.get(name), after.get(name), 0f, "frozen body parameter " + name + " moved");
            assertFalse(p.getValue().requiresGradient(), name);
            checked++;
          } else {
            assertFalse(java.util.Arrays.equals(before.get(name), after.get(name)), name + " (" + type + ") did not move");
          }
        }
        assertEquals(2, checked, "body linear weight and bias");
        learn.unfreeze();
        Map<String, float[]> frozenEnd = params(net);
        learn.fit(1, LearningRates.of(1e-2));
        String bodyWeight = net.getParameters().keys().get(0);
        assertFalse(java.util.Arrays.equals(frozenEnd.get(bodyWeight), params(net).get(bodyWeight)),
            "unfrozen body must train");
      }
    }
  }

  @Test
  void fineTuneRunsFrozenThenDiscriminative() {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset train = TrainFixtures.blobs(m, 64, 16, true, 1);
      SequentialBlock net = TrainFixtures.bnNet(m, 5);
      try (Learner learn = Learner.builder().setBlock(net).optParamGroups(TrainFixtures.bodyHead(net))
          .setLoss(new CrossEntropy()).setTrainData(train).optManager(m).build()) {
        List<Double> firstLrs = new java.util.ArrayList<>();
        io.sparkfast.common.train.callback.Callback spy = new io.sparkfast.common.train.callback.Callback() {
          @Override
          public int order() {
            return 70;
          }

          @Override
          public boolean runValid() {
            return false;
          }

          @Override
          public void afterBatch(Learner l) {
            if (l.paramGroups().frozenIndex() == 1 && firstLrs.isEmpty()) {
              firstLrs.add(l.optimizer().hyper(GroupOptimizer.LR, 0));
              firstLrs.add(l.optimizer().hyper(GroupOptimizer.LR, 1));
            }
          }
        };
        learn.fineTune(1, spy);
        // frozen phase: one-cycle over slice(2e-3) with fastai's default div 25
        assertEquals(2e-4 / 25, firstLrs.get(0), 1e-15);
        assertEquals(2e-3 / 25, firstLrs.get(1), 1e-15);
        // after fine_tune: the second fit is one-cycle over slice(1e-3/100, 1e-3) with div 5, pct 0.3
        FitPlan plan = learn.plan();
        assertEquals(FitPlan.ONE_CYCLE, plan.kind());
        assertArrayEquals(new double[] {1e-5, 1e-3}, plan.lrs(), 1e-15);
        assertEquals(5.0, plan.oneCycle().div(), 0);
        assertEquals(0.3, plan.oneCycle().pctStart(), 0);
        assertEquals(1e-3 / 5, learn.recorder().lrs().get(0), 1e-15);
        assertEquals(0, learn.paramGroups().frozenIndex());
        assertTrue(learn.optimizer().hyper(GroupOptimizer.LR, 0) < learn.optimizer().hyper(GroupOptimizer.LR, 1));
      }
    }
  }

  @Test
  void lrFindRestoresModelAndSuggests() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset train = TrainFixtures.blobs(m, 320, 16, true, 1);
      Block net = TrainFixtures.mlp(m, 16, false, 1);
      try (Learner learn = Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(train)
          .optManager(m).build()) {
        learn.fit(1, LearningRates.of(1e-3));
        Map<String, float[]> before = params(net);
        String someId = net.getParameters().get(0).getValue().getId();
        int stepBefore = learn.optimizer().state(someId).step();
        LrFindResult r = learn.lrFind();
        Map<String, float[]> after = params(net);
        for (String k : before.keySet()) {
          assertArrayEquals(before.get(k), after.get(k), 0f, k + " not restored");
        }
        assertEquals(stepBefore, learn.optimizer().state(someId).step());
        assertTrue(r.lrs().size() > 20 && r.lrs().size() <= 100, "batches run: " + r.lrs().size());
        assertEquals(1e-7, r.lrs().get(0), 1e-20);
        assertEquals(1e-7 * Math.pow(1e8, 1 / 100.0), r.lrs().get(1), 1e-18);
        for (LrSuggestion s : List.of(r.valley(), r.minimum(), r.steep())) {
          assertTrue(s.lr() > 1e-7 && s.lr() < 10, s.toString());
        }
        Path png = r.plot(tmp.resolve("lr_find.png"));
        assertTrue(Files.size(png) > 1000);
      }
    }
  }

  @Test
  void memoryDoesNotGrowAcrossEpochs() {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset train = TrainFixtures.blobs(m, 64, 8, true, 1);
      ArrayDataset valid = TrainFixtures.blobs(m, 32, 8, false, 2);
      Block net = TrainFixtures.mlp(m, 16, true, 1);
      try (Learner learn = Learner.builder().setBlock(net).setLoss(new CrossEntropy()).setTrainData(train)
          .optValidData(valid).optMetrics(Metric.accuracy()).optManager(m).build()) {
        learn.fitOneCycle(1, LearningRates.of(1e-2));
        int afterOne = count(m);
        learn.fitOneCycle(3, LearningRates.of(1e-2));
        assertEquals(afterOne, count(m), "arrays leaked by the training loop");
      }
    }
  }

  private static int count(NDManager m) {
    return ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size();
  }

  @Test
  void gradientSyncRunsBeforeEachStep() {
    try (NDManager m = NDManager.newBaseManager()) {
      ArrayDataset train = TrainFixtures.blobs(m, 64, 16, false, 1);
      // a fake all-reduce that doubles every gradient is the same as doubling the SGD learning rate
      Block a = TrainFixtures.mlp(m, 16, false, 9);
      Block b = TrainFixtures.mlp(m, 16, false, 9);
      LearnerConfig sgd = LearnerConfig.defaults().withOptimizer(io.sparkfast.common.train.optim.Sgd.factory())
          .withWd(0);
      int[] calls = {0};
      try (Learner la = Learner.builder().setBlock(a).setLoss(new CrossEntropy()).setTrainData(train)
              .optConfig(sgd).optManager(m).optGradientSync((params, learner) -> {
                calls[0]++;
                for (Parameter p : params) {
                  try (ai.djl.ndarray.NDArray g = p.getArray().getGradient()) {
                    g.muli(2);
                  }
                }
              }).build();
          Learner lb = Learner.builder().setBlock(b).setLoss(new CrossEntropy()).setTrainData(train)
              .optConfig(sgd).optManager(m).optReplica(1, 0).build()) {
        la.fit(2, LearningRates.of(0.05));
        lb.fit(2, LearningRates.of(0.1));
        assertEquals(8, calls[0]);
        Map<String, float[]> pa = params(a);
        Map<String, float[]> pb = params(b);
        for (String k : pa.keySet()) {
          assertArrayEquals(pb.get(k), pa.get(k), 1e-5f, k);
        }
        assertTrue(la.isCheckpointWriter());
        assertFalse(lb.isCheckpointWriter());
        assertFalse(lb.saveCheckpoint(tmp.resolve("rank1.ckpt")));
        assertFalse(Files.exists(tmp.resolve("rank1.ckpt")));
        assertNotEquals(0, pa.size());
      }
    }
  }
}
