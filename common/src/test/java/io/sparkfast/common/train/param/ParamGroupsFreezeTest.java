package io.sparkfast.common.train.param;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Freezing by group with BatchNorm parameters detected by block type. */
class ParamGroupsFreezeTest {

  private static SequentialBlock net(NDManager m) {
    SequentialBlock body = new SequentialBlock().add(Linear.builder().setUnits(4).build())
        .add(BatchNorm.builder().build()).add(Activation::relu);
    SequentialBlock net = new SequentialBlock().add(body).add(Linear.builder().setUnits(2).build());
    net.initialize(m, DataType.FLOAT32, new Shape(2, 3));
    return net;
  }

  private static ParamGroups groups(SequentialBlock net) {
    String body = net.getChildren().get(0).getKey();
    return ParamGroups.split(net, List.of("body", "head"), List.of(n -> n.startsWith(body), n -> true));
  }

  @Test
  void freezeKeepsBatchNormTrainableAndNeverTouchesRunningStats() {
    try (NDManager m = NDManager.newBaseManager()) {
      SequentialBlock net = net(m);
      ParamGroups g = groups(net);
      g.freeze(true);
      assertEquals(1, g.frozenIndex());
      int norm = 0;
      for (Pair<String, Parameter> p : net.getParameters()) {
        Parameter.Type t = p.getValue().getType();
        boolean isNorm = g.isNormParameter(p.getValue().getId());
        boolean body = g.groupOf(p.getValue().getId()) == 0;
        if (t == Parameter.Type.RUNNING_MEAN || t == Parameter.Type.RUNNING_VAR) {
          assertTrue(isNorm);
          assertFalse(p.getValue().requiresGradient(), p.getKey());
        } else if (t == Parameter.Type.GAMMA || t == Parameter.Type.BETA) {
          assertTrue(isNorm, p.getKey());
          assertTrue(p.getValue().requiresGradient(), p.getKey() + " must stay trainable (train_bn)");
          norm++;
        } else {
          assertFalse(isNorm, p.getKey());
          assertEquals(!body, p.getValue().requiresGradient(), p.getKey());
        }
      }
      assertEquals(2, norm);
      assertEquals(4, g.trainableParameters().size(), "BN gamma, beta and the head's weight and bias");
      g.freezeTo(1, false);
      assertEquals(2, g.trainableParameters().size(), "without trainBn only the head trains");
      g.unfreeze();
      assertEquals(6, g.trainableParameters().size());
      for (Pair<String, Parameter> p : net.getParameters()) {
        Parameter.Type t = p.getValue().getType();
        if (t == Parameter.Type.RUNNING_MEAN || t == Parameter.Type.RUNNING_VAR) {
          assertFalse(p.getValue().requiresGradient(), "unfreeze must not make " + p.getKey() + " trainable");
        }
      }
      g.freezeTo(-2, true);
      assertEquals(0, g.frozenIndex());
      assertThrows(IllegalArgumentException.class, () -> g.freezeTo(-3, true));
      assertThrows(IllegalStateException.class, () -> ParamGroups.single(net).freeze(true));
    }
  }
}
