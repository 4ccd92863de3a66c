package io.sparkfast.common.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import io.sparkfast.common.artifact.ModelExport;
import io.sparkfast.common.data.AugConfig;
import io.sparkfast.common.data.ImageFolders;
import io.sparkfast.common.data.ImageItem;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSplits;
import io.sparkfast.common.data.MnistJsonToPng;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reusable steps of {@link VisionTraining}: data formats, transfer of body weights, seeded limits. */
class VisionTrainingTest {

  static VisionSpec spec(Path data, String format, String pretrained, VisionSpec.Norm norm) {
    return new VisionSpec(
        new VisionSpec.Data(format, data.toString(), null, "train", "valid", 0, 3, 0, 0, 1),
        new VisionSpec.ModelSpec("resnet-tiny", pretrained, null, false),
        ImagePipelineConfig.defaults(16).withAug(AugConfig.none()), norm,
        new VisionSpec.Fit(VisionSpec.Schedule.ONE_CYCLE, 1, 1e-3, 0, 100, 0.25, 25, 4, 0.01, 0, 0, 0, 1, 1),
        new VisionSpec.LrFind(1e-7, 10, 10), new VisionSpec.Eval(false, 2, 0));
  }

  @Test
  void pretrainedBodyWeightsAreCopiedAndTheHeadIsNew(@TempDir Path dir) {
    TestImages.writeFolderTree(dir.resolve("img"), new String[] {"train", "valid"}, new String[] {"a", "b"}, 4, 16);
    VisionSpec fresh = spec(dir.resolve("img"), "folders", null, VisionSpec.Norm.IMAGENET);
    ImageSplits splits = VisionTraining.loadSplits(fresh.data());
    try (NDManager m = NDManager.newBaseManager()) {
      VisionTraining.Prepared a = VisionTraining.prepare(fresh, splits.vocab(), splits.train(), m);
      ModelExport.export(dir.resolve("model"), a.model().block(), a.model().config(), splits.vocab(), a.pipeline(),
          a.numFeatures(), false);
      // a 3-class target: the body transfers, the head is rebuilt for 3 outputs
      VisionSpec transfer = spec(dir.resolve("img"), "folders", dir.resolve("model").toString(),
          VisionSpec.Norm.PRETRAINED);
      VisionTraining.Prepared b = VisionTraining.prepare(transfer, Vocab.of(List.of("x", "y", "z")), splits.train(), m);
      List<Pair<String, Parameter>> pa = body(a.model().block());
      List<Pair<String, Parameter>> pb = body(b.model().block());
      assertEquals(pa.size(), pb.size());
      for (int i = 0; i < pa.size(); i++) {
        assertArrayEquals(pa.get(i).getValue().getArray().toFloatArray(), pb.get(i).getValue().getArray().toFloatArray(),
            pa.get(i).getKey());
      }
      assertArrayEquals(a.pipeline().norm().mean(), b.pipeline().norm().mean());
      // a fresh model starts from the weights its seed gives, whatever the engine's generator did before (as
      // fastai's set_seed: the same config, the same run) ...
      ai.djl.engine.Engine.getInstance().setRandomSeed(12345);
      VisionTraining.Prepared again = VisionTraining.prepare(fresh, splits.vocab(), splits.train(), m);
      List<Pair<String, Parameter>> pAgain = again.model().block().getParameters().stream().toList();
      List<Pair<String, Parameter>> pFirst = a.model().block().getParameters().stream().toList();
      for (int i = 0; i < pFirst.size(); i++) {
        assertArrayEquals(pFirst.get(i).getValue().getArray().toFloatArray(),
            pAgain.get(i).getValue().getArray().toFloatArray(), pFirst.get(i).getKey());
      }
      // ... and another seed's fresh body differs (the copy is what made a's and b's equal)
      VisionSpec.Fit f = fresh.fit();
      VisionSpec otherSeed = new VisionSpec(fresh.data(), fresh.model(), fresh.pipeline(), fresh.norm(),
          new VisionSpec.Fit(f.schedule(), f.epochs(), f.lr(), f.freezeEpochs(), f.lrMult(), f.pctStart(), f.div(),
              f.batchSize(), f.wd(), f.labelSmoothing(), f.mixup(), f.nAcc(), f.seed() + 1, f.checkpointEvery()),
          fresh.lrFind(), fresh.eval());
      VisionTraining.Prepared c = VisionTraining.prepare(otherSeed, splits.vocab(), splits.train(), m);
      boolean anyDiff = false;
      List<Pair<String, Parameter>> pc = body(c.model().block());
      for (int i = 0; i < pa.size() && !anyDiff; i++) {
        float[] x = pa.get(i).getValue().getArray().toFloatArray();
        float[] y = pc.get(i).getValue().getArray().toFloatArray();
        anyDiff = !java.util.Arrays.equals(x, y);
      }
      assertTrue(anyDiff);
      // another architecture is refused, naming both
      VisionSpec other = new VisionSpec(transfer.data(),
          new VisionSpec.ModelSpec("resnet18-small", dir.resolve("model").toString(), null, false), transfer.pipeline(),
          VisionSpec.Norm.PRETRAINED, transfer.fit(), transfer.lrFind(), transfer.eval());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> VisionTraining.prepare(other, splits.vocab(), splits.train(), m));
      assertTrue(e.getMessage().contains("resnet-tiny") && e.getMessage().contains("resnet18-small"), e.getMessage());
    }
  }

  @Test
  void aResumedFineTuneKeepsEveryEpochsHistory(@TempDir Path dir) throws Exception {
    TestImages.writeFolderTree(dir.resolve("img"), new String[] {"train", "valid"}, new String[] {"a", "b"}, 4, 16);
    VisionSpec base = spec(dir.resolve("img"), "folders", null, VisionSpec.Norm.IMAGENET);
    VisionSpec.Fit f = base.fit();
    VisionSpec ft = new VisionSpec(base.data(), base.model(), base.pipeline(), base.norm(),
        new VisionSpec.Fit(VisionSpec.Schedule.FINE_TUNE, 2, f.lr(), 1, f.lrMult(), f.pctStart(), f.div(),
            f.batchSize(), f.wd(), 0, 0, 0, f.seed(), 1),
        base.lrFind(), base.eval());
    Map<String, Object> straight = VisionTraining.train(ft, dir.resolve("a"), null);
    // resuming the finished run skips the frozen phase (its rows come from phase0.ckpt) and restores the
    // unfrozen phase's rows with phase1.ckpt's Recorder: the same three rows, not just the last phase's two
    Map<String, Object> resumed = VisionTraining.train(ft, dir.resolve("b"), dir.resolve("a/checkpoints"));
    assertEquals(1, resumed.get("resumed_phases"));
    List<?> a = (List<?>) straight.get("history");
    List<?> b = (List<?>) resumed.get("history");
    assertEquals(3, a.size());
    assertEquals(a.size(), b.size(), b.toString());
    for (int e = 0; e < a.size(); e++) {
      Map<?, ?> ra = (Map<?, ?>) a.get(e);
      Map<?, ?> rb = (Map<?, ?>) b.get(e);
      assertEquals(e, rb.get("epoch"));
      assertEquals((Double) ra.get("valid_loss"), (Double) rb.get("valid_loss"), 1e-9, "epoch " + e);
      assertEquals((Double) ra.get("train_loss"), (Double) rb.get("train_loss"), 1e-9, "epoch " + e);
    }
  }

  private static List<Pair<String, Parameter>> body(Block model) {
    return ((SequentialBlock) model).getChildren().get(0).getValue().getParameters().stream().toList();
  }

  @Test
  void mnistJsonConvertsWithAHeldOutSplit(@TempDir Path dir) throws Exception {
    Path json = Files.createDirectories(dir.resolve("mnist"));
    for (int d = 0; d < 10; d++) {
      StringBuilder sb = new StringBuilder("{\"data\":[");
      for (int i = 0; i < 5 * 784; i++) {
        sb.append(i > 0 ? "," : "").append((i % 784) == (d * 50 + i / 784) ? "1" : "0");
      }
      Files.writeString(json.resolve(d + ".json"), sb.append("]}").toString());
    }
    VisionSpec s = spec(json, "mnist-json", null, VisionSpec.Norm.DATASET);
    ImageSplits splits = VisionTraining.loadSplits(s.data());
    assertEquals(30, splits.train().size());
    assertEquals(20, splits.valid().size());
    assertEquals(10, splits.vocab().size());
    // the conversion is cached: a second load reads the same files
    assertEquals(splits.train().stream().map(i -> i.source().name()).toList(),
        VisionTraining.loadSplits(s.data()).train().stream().map(i -> i.source().name()).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MnistJsonToPng.convert(json, dir.resolve("x"), 5, 1, false));
    assertTrue(e.getMessage().contains("need more than 5"), e.getMessage());
    Files.writeString(json.resolve("3.json"), "{\"data\":[1,2,3]}");
    e = assertThrows(IllegalArgumentException.class, () -> MnistJsonToPng.convert(json, dir.resolve("y"), 2, 1, false));
    assertTrue(e.getMessage().contains("3.json"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("y")));
  }

  @Test
  void limitIsASeededOrderKeepingPick() {
    List<ImageItem> items = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      items.add(ImageItem.of(io.sparkfast.common.data.ImageSource.of(Path.of(i + ".png")), i % 2));
    }
    List<ImageItem> a = VisionTraining.limit(items, 10, 3);
    assertEquals(a, VisionTraining.limit(items, 10, 3));
    assertEquals(10, a.size());
    for (int i = 1; i < a.size(); i++) {
      assertTrue(items.indexOf(a.get(i - 1)) < items.indexOf(a.get(i)));
    }
    assertEquals(items, VisionTraining.limit(items, 0, 3));
    assertTrue(ImageFolders.isImageFile(Path.of("x.png")));
  }
}
