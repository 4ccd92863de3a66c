package io.sparkfast.common.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.util.Pair;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.metric.Metric;
import io.sparkfast.common.train.param.LearningRates;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The vision core's training loop on a GPU: the first thing to run on a GPU machine, before the cluster. Excluded
 * from {@code mvn verify} (tag {@code gpu}); run it with the CUDA build of libtorch that the {@code gpu} profile
 * expects (README, "GPU clusters"):
 *
 * <pre>mvn -B -Pgpu test -pl common -Dgroups=gpu</pre>
 *
 * <p>The device is {@code gpu:0} unless {@code -Dsparkfast.test.device=cpu} (how the test itself is checked on
 * machines without a GPU).
 */
@Tag("gpu")
class GpuTrainingTest {

  private static Device device() {
    String name = System.getProperty("sparkfast.test.device", "gpu:0");
    if (name.startsWith("gpu")) {
      int gpus = Engine.getInstance().getGpuCount();
      assertTrue(gpus > 0, "no GPU visible to " + Engine.getInstance().getEngineName() + " "
          + Engine.getInstance().getVersion() + " (is the CUDA build of libtorch installed? README, GPU clusters)");
      return Device.gpu(name.contains(":") ? Integer.parseInt(name.substring(name.indexOf(':') + 1)) : 0);
    }
    return Device.cpu();
  }

  @Test
  void convNetTrainsOnTheDeviceWellAboveChance() {
    Device device = device();
    try (NDManager m = NDManager.newBaseManager(device)) {
      ArrayDataset train = TrainFixtures.images(m, 240, 16, true, 1);
      ArrayDataset valid = TrainFixtures.images(m, 90, 32, false, 2);
      SequentialBlock net = TrainFixtures.convNet(m, 3);
      try (Learner learn = Learner.builder().setBlock(net).optParamGroups(TrainFixtures.bodyHead(net))
          .setLoss(new CrossEntropy()).setTrainData(train).optValidData(valid)
          .optMetrics(Metric.accuracy()).optManager(m).build()) {
        learn.fitOneCycle(4, LearningRates.of(1e-2));
        double accuracy = learn.recorder().values().get(3).metrics().get("accuracy");
        assertTrue(accuracy > 0.85, "accuracy " + accuracy + " on " + device);
      }
      for (Pair<String, Parameter> p : net.getParameters()) {
        assertEquals(device, p.getValue().getArray().getDevice(), p.getKey() + " left the device");
      }
    }
  }

  /** The fused AdamW step and the schedules give the CPU's parameters on the device, to float rounding. */
  @Test
  void oneCycleOnTheDeviceMatchesTheCpu() {
    Device device = device();
    try (NDManager cpu = NDManager.newBaseManager(Device.cpu()); NDManager dev = NDManager.newBaseManager(device)) {
      Block onCpu = TrainFixtures.mlp(cpu, 16, false, 7);
      Block onDev = TrainFixtures.mlp(dev, 16, false, 99);
      ParameterList a = onCpu.getParameters();
      ParameterList b = onDev.getParameters();
      // the same starting weights on both, copied in place as VisionTraining copies a pretrained body
      for (int i = 0; i < a.size(); i++) {
        b.valueAt(i).getArray().set(a.valueAt(i).getArray().toFloatArray());
      }
      fit(onCpu, TrainFixtures.blobs(cpu, 96, 16, false, 1), cpu);
      fit(onDev, TrainFixtures.blobs(dev, 96, 16, false, 1), dev);
      for (int i = 0; i < a.size(); i++) {
        NDArray x = a.get(i).getValue().getArray();
        NDArray y = b.get(i).getValue().getArray();
        assertEquals(device, y.getDevice());
        float[] want = x.toFloatArray();
        float[] got = y.toDevice(Device.cpu(), false).toFloatArray();
        for (int j = 0; j < want.length; j++) {
          assertEquals(want[j], got[j], 1e-4 + 1e-4 * Math.abs(want[j]), a.get(i).getKey() + "[" + j + "]");
        }
      }
    }
  }

  private static void fit(Block net, ArrayDataset data, NDManager m) {
    try (Learner learn = Learner.builder().setBlock(net).setLoss(new CrossEntropy())
        .setTrainData(data).optManager(m).build()) {
      learn.fitOneCycle(2, LearningRates.of(1e-2));
    }
  }
}
