package io.sparkfast.common.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ImageModelsTest {

  private static NDArray forward(Block block, NDArray x, boolean training) {
    return block.forward(new ParameterStore(x.getManager(), false), new NDList(x), training).singletonOrThrow();
  }

  @Test
  void resnet18HeadShapesAndThreeParamGroups() {
    ImageModel model = ImageModels.create(new ModelConfig("resnet18", 7, 3, 64, false));
    try (NDManager m = NDManager.newBaseManager()) {
      ImageModels.initialize(model, m);
      NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
      assertEquals(new Shape(2, 7), forward(model.block(), x, false).getShape());
      assertEquals(new Shape(2, 7), forward(model.block(), x, true).getShape());

      Block body = model.block().getChildren().get(0).getValue();
      NDArray features = forward(body, x, false);
      assertEquals(new Shape(2, 512, 2, 2), features.getShape());

      // the head's named layer sizes: BN(1024) -> Linear(1024 -> 512, no bias) -> BN(512) -> Linear(512 -> 7)
      Block head = model.block().getChildren().get(1).getValue();
      List<Pair<String, Parameter>> hp = head.getParameters().stream().toList();
      List<String> weights = hp.stream().filter(p -> p.getValue().getType() == Parameter.Type.WEIGHT)
          .map(p -> p.getValue().getArray().getShape().toString()).toList();
      assertEquals(List.of("(512, 1024)", "(7, 512)"), weights);
      assertTrue(hp.stream().noneMatch(p -> p.getValue().getType() == Parameter.Type.BIAS), "head linears have no bias");
      assertEquals(1e-3f, hp.stream().filter(p -> p.getValue().getType() == Parameter.Type.BETA).findFirst()
          .orElseThrow().getValue().getArray().getFloat(0), 1e-9);
      // kaiming normal fan_in: std = sqrt(2 / 1024)
      NDArray w1 = hp.stream().filter(p -> p.getValue().getType() == Parameter.Type.WEIGHT).findFirst()
          .orElseThrow().getValue().getArray();
      float std = w1.sub(w1.mean()).square().mean().sqrt().getFloat();
      assertEquals(Math.sqrt(2.0 / 1024), std, 0.003);
    }
    ParamGroups groups = model.paramGroups();
    assertEquals(3, groups.size());
    assertEquals(List.of("body-early", "body-late", "head"), groups.groups().stream().map(ParamGroups.Group::name).toList());
    for (ParamGroups.Group g : groups.groups()) {
      assertFalse(g.parameters().isEmpty(), g.name());
    }
    // head last and complete; groups disjoint and covering every parameter
    int all = model.block().getParameters().size();
    int sum = groups.groups().stream().mapToInt(g -> g.parameters().size()).sum();
    assertEquals(all, sum);
    Block head = model.block().getChildren().get(1).getValue();
    Set<String> headIds = new HashSet<>();
    head.getParameters().forEach(p -> headIds.add(p.getValue().getId()));
    Set<String> lastIds = new HashSet<>();
    groups.get(2).parameters().forEach(p -> lastIds.add(p.getId()));
    assertEquals(headIds, lastIds);
    // group 0 = stem + layer1 + layer2: layer2's first conv has 128 filters, layer3's (group 1) 256
    assertTrue(groups.get(0).parameterNames().stream().anyMatch(n -> n.contains("05SequentialBlock")));
    assertTrue(groups.get(1).parameterNames().stream().allMatch(n -> n.contains("07SequentialBlock") || n.contains("08SequentialBlock")),
        groups.get(1).parameterNames().toString());
  }

  @ParameterizedTest
  @CsvSource({"resnet18,64,3,512", "resnet34,64,3,512", "resnet50,64,3,2048", "mobilenetv2,64,3,1280",
      "resnet18-small,28,1,256"})
  void everyBackboneForwardsABatch(String arch, int size, int channels, long nf) {
    ImageModel model = ImageModels.create(new ModelConfig(arch, 10, channels, size, false));
    try (NDManager m = NDManager.newBaseManager()) {
      ImageModels.initialize(model, m);
      NDArray x = m.randomNormal(new Shape(2, channels, size, size));
      Block body = model.block().getChildren().get(0).getValue();
      NDArray f = forward(body, x, false);
      assertEquals(nf, f.getShape().get(1), arch);
      assertEquals(new Shape(2, 10), forward(model.block(), x, false).getShape(), arch);
      assertTrue(model.paramGroups().size() >= 2);
      assertEquals("head", model.paramGroups().get(model.paramGroups().size() - 1).name());
    }
  }

  @Test
  void unknownBackboneNamesTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageModels.create(new ModelConfig("resnet19", 2, 3, 64, false)));
    assertTrue(e.getMessage().contains("resnet19") && e.getMessage().contains("resnet18")
        && e.getMessage().contains("mobilenetv2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ModelConfig("resnet18", 0, 3, 64, false));
  }

  @Test
  void multiLabelModelUsesBceAndThresholdedAccuracy() {
    ImageModel model = ImageModels.create(new ModelConfig("resnet18-small", 3, 3, 16, true));
    Loss loss = model.loss();
    assertTrue(loss.getClass().getSimpleName().contains("SigmoidBinaryCrossEntropy"), loss.getClass().getName());
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(new float[] {3, -3, 0.5f, -0.1f, 2, -2}, new Shape(2, 3));
      NDArray labels = m.create(new float[] {1, 0, 0, 0, 1, 1}, new Shape(2, 3));
      MultiLabelAccuracy acc = new MultiLabelAccuracy(0.5f);
      // predicted present: [1,0,1] and [0,1,0]; correct: 1,1,0 and 1,1,0 -> 4/6
      acc.addAccumulator("valid");
      acc.updateAccumulator("valid", new NDList(labels), new NDList(logits));
      assertEquals(4f / 6, acc.getAccumulator("valid"), 1e-6);
      float l = loss.evaluate(new NDList(labels), new NDList(logits)).getFloat();
      assertTrue(l > 0 && Float.isFinite(l));
      assertEquals(DataType.FLOAT32, labels.getDataType());
    }
  }
}
