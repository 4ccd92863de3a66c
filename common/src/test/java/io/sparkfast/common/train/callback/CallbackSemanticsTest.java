package io.sparkfast.common.train.callback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.param.LearningRates;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** The event order, cancel exceptions with their after_cancel events, callback order and error wrapping. */
class CallbackSemanticsTest {

  /** Logs every event (training batch events prefixed with t:, validation with v:) and runs an action. */
  static final class Log implements Callback {
    final List<String> events = new ArrayList<>();
    final BiConsumer<Event, Learner> action;
    final int order;

    Log(int order, BiConsumer<Event, Learner> action) {
      this.order = order;
      this.action = action;
    }

    @Override
    public int order() {
      return order;
    }

    @Override
    public void handle(Event event, Learner learn) {
      events.add((event.isInnerLoop() ? (learn.isTraining() ? "t:" : "v:") : "") + event.fastaiName());
      action.accept(event, learn);
    }
  }

  private static ArrayDataset data(NDManager m, int n, int batch) {
    float[] x = new float[n * 2];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = i % 2;
      x[2 * i + 1] = 1 - i % 2;
      y[i] = i % 2;
    }
    return new ArrayDataset.Builder().setData(m.create(x, new Shape(n, 2))).optLabels(m.create(y, new Shape(n)))
        .setSampling(batch, false).build();
  }

  private static Block net(NDManager m) {
    Block b = Linear.builder().setUnits(2).build();
    Engine.getInstance().setRandomSeed(1);
    b.initialize(m, DataType.FLOAT32, new Shape(1, 2));
    return b;
  }

  private static Learner learner(NDManager m, Callback... cbs) {
    return Learner.builder().setBlock(net(m)).setLoss(new CrossEntropy()).setTrainData(data(m, 4, 2))
        .optValidData(data(m, 2, 2)).optCallbacks(cbs).optManager(m).build();
  }

  @Test
  void fullEventSequenceOfOneEpoch() {
    try (NDManager m = NDManager.newBaseManager()) {
      Log log = new Log(0, (e, l) -> {});
      try (Learner learn = learner(m, log)) {
        learn.fit(1, LearningRates.of(0.1));
      }
      List<String> trainBatch = List.of("t:before_batch", "t:after_pred", "t:after_loss", "t:before_backward",
          "t:after_backward", "t:before_step", "t:after_step", "t:after_batch");
      List<String> expected = new ArrayList<>(List.of("before_fit", "before_epoch", "before_train"));
      expected.addAll(trainBatch);
      expected.addAll(trainBatch);
      expected.addAll(List.of("after_train", "before_validate", "v:before_batch", "v:after_pred", "v:after_loss",
          "v:after_batch", "after_validate", "after_epoch", "after_fit"));
      assertEquals(expected, log.events);
    }
  }

  @Test
  void cancelBatchSkipsTheRestOfTheBatch() {
    try (NDManager m = NDManager.newBaseManager()) {
      Log log = new Log(0, (e, l) -> {
        if (e == Event.AFTER_PRED && l.isTraining() && l.iter() == 0) {
          throw new CancelBatchException();
        }
      });
      try (Learner learn = learner(m, log)) {
        learn.fit(1, LearningRates.of(0.1));
        assertEquals(1, learn.recorder().rawLosses().size(), "the cancelled batch computed no loss");
      }
      int i = log.events.indexOf("t:after_pred");
      assertEquals(List.of("t:after_pred", "t:after_cancel_batch", "t:after_batch", "t:before_batch"),
          log.events.subList(i, i + 4));
    }
  }

  @Test
  void cancelStepKeepsWeightsAndRunsAfterStep() {
    try (NDManager m = NDManager.newBaseManager()) {
      Log log = new Log(0, (e, l) -> {
        if (e == Event.BEFORE_STEP) {
          throw new CancelStepException();
        }
      });
      try (Learner learn = learner(m, log)) {
        float[] before = learn.block().getParameters().get(0).getValue().getArray().toFloatArray();
        learn.fit(1, LearningRates.of(0.1));
        float[] after = learn.block().getParameters().get(0).getValue().getArray().toFloatArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, after, 0f);
      }
      int i = log.events.indexOf("t:before_step");
      assertEquals(List.of("t:before_step", "t:after_cancel_step", "t:after_step", "t:after_batch"),
          log.events.subList(i, i + 4));
    }
  }

  @Test
  void cancelTrainAndValidAndEpochAndFit() {
    try (NDManager m = NDManager.newBaseManager()) {
      Log log = new Log(0, (e, l) -> {
        if (e == Event.BEFORE_TRAIN && l.epoch() == 0) {
          throw new CancelTrainException();
        }
        if (e == Event.BEFORE_VALIDATE && l.epoch() == 0) {
          throw new CancelValidException();
        }
        if (e == Event.AFTER_TRAIN && l.epoch() == 1) {
          throw new CancelEpochException();
        }
        if (e == Event.BEFORE_EPOCH && l.epoch() == 2) {
          throw new CancelFitException();
        }
      });
      try (Learner learn = learner(m, log)) {
        learn.fit(5, LearningRates.of(0.1));
        assertEquals(2, learn.recorder().values().size(), "epochs 0 and 1 logged, fit cancelled in epoch 2");
        assertTrue(Double.isNaN(learn.recorder().values().get(0).trainLoss()));
        assertTrue(Double.isNaN(learn.recorder().values().get(0).validLoss()));
      }
      assertEquals(List.of("before_fit", "before_epoch", "before_train", "after_cancel_train", "after_train",
          "before_validate", "after_cancel_validate", "after_validate", "after_epoch"), log.events.subList(0, 9));
      int e1 = log.events.lastIndexOf("after_train");
      assertEquals(List.of("after_train", "after_cancel_epoch", "after_epoch", "before_epoch", "after_cancel_fit",
          "after_fit"), log.events.subList(e1, log.events.size()));
    }
  }

  @Test
  void callbacksRunInOrder() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<String> seen = new ArrayList<>();
      Log late = new Log(100, (e, l) -> seen.add("late"));
      Log early = new Log(-20, (e, l) -> seen.add("early"));
      try (Learner learn = learner(m, late, early)) {
        learn.fit(1, LearningRates.of(0.1));
        List<String> names = learn.callbacks().stream().map(Callback::name).toList();
        assertEquals(List.of("Log", "TrainEvalCallback", "Recorder", "Log"), names);
      }
      assertEquals("early", seen.get(0));
      assertEquals("late", seen.get(1));
    }
  }

  @Test
  void failingCallbackIsRethrownWithNames() {
    try (NDManager m = NDManager.newBaseManager()) {
      Callback bad = new Callback() {
        @Override
        public String name() {
          return "BadCallback";
        }

        @Override
        public void afterLoss(Learner learn) {
          throw new IllegalStateException("boom");
        }
      };
      try (Learner learn = learner(m, bad)) {
        CallbackException e = assertThrows(CallbackException.class, () -> learn.fit(1, LearningRates.of(0.1)));
        assertTrue(e.getMessage().contains("BadCallback"), e.getMessage());
        assertTrue(e.getMessage().contains("after_loss"), e.getMessage());
        assertEquals("boom", e.getCause().getMessage());
        assertEquals(Event.AFTER_LOSS, e.event());
        assertFalse(learn.isFitting());
        // the Learner is usable again after the failure
        learn.removeCallback(bad);
        learn.fit(1, LearningRates.of(0.1));
      }
    }
  }
}
