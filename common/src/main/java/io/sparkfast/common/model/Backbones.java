package io.sparkfast.common.model;

import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.XavierInitializer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Backbone factory: randomly initialized bodies built from DJL blocks, laid out like torchvision's models so
 * that fastai's splits apply.
 *
 * <ul>
 *   <li>{@code resnet18}, {@code resnet34}: basic residual blocks [2,2,2,2] / [3,4,6,3], widths 64..512,
 *       7x7/2 stem and 3x3/2 max-pool; body children are
 *       {@code conv, bn, relu, maxpool, layer1, layer2, layer3, layer4} (nf 512).
 *   <li>{@code resnet50}: bottleneck blocks [3,4,6,3], widths 256..2048 (nf 2048). Residual units come from
 *       DJL's {@link ResNetV1#residualUnit} (ResNet v1: the stride sits on the first 1x1 convolution).
 *   <li>{@code resnet18-small}: for tiny inputs such as 28x28 (Fashion-MNIST): a 3x3/1 stem without
 *       max-pool and half the widths (32..256, nf 256), so 28x28 inputs end as a 4x4 feature map; children
 *       {@code conv, bn, relu, layer1..layer4}.
 *   <li>{@code mobilenetv2}: torchvision's MobileNetV2 features (3x3/2 stem, 17 inverted residual blocks
 *       with ReLU6, 1x1 conv to 1280; nf 1280). DJL's own {@code MobileNetV2} is a CIFAR variant with a 1x1
 *       stem, so this one is composed from DJL blocks.
 * </ul>
 *
 * <p>Convolution weights use kaiming-normal (fan-out, ReLU gain) initialization as torchvision does.
 */
public final class Backbones {

  /** Valid backbone names. */
  public static final List<String> ARCHS = List.of("resnet18", "resnet34", "resnet50", "resnet18-small", "resnet-tiny", "mobilenetv2");

  private static final float BN_MOMENTUM = 0.9f; // PyTorch momentum 0.1

  private Backbones() {}

  /**
   * Builds the body of {@code arch}.
   *
   * @throws IllegalArgumentException naming the valid backbones when {@code arch} is unknown
   */
  public static Backbone create(String arch) {
    String a = arch == null ? "" : arch.strip().toLowerCase(Locale.ROOT);
    Backbone b = switch (a) {
      case "resnet18" -> resnet(a, new int[] {2, 2, 2, 2}, new int[] {64, 128, 256, 512}, false, 64, true);
      case "resnet34" -> resnet(a, new int[] {3, 4, 6, 3}, new int[] {64, 128, 256, 512}, false, 64, true);
      case "resnet50" -> resnet(a, new int[] {3, 4, 6, 3}, new int[] {256, 512, 1024, 2048}, true, 64, true);
      case "resnet18-small" -> resnet(a, new int[] {2, 2, 2, 2}, new int[] {32, 64, 128, 256}, false, 32, false);
      // ResNet-18's layout at a quarter of its width with a 3x3 stem: small images (28-64 px) on CPUs
      case "resnet-tiny" -> resnet(a, new int[] {2, 2, 2, 2}, new int[] {16, 32, 64, 128}, false, 16, false);
      case "mobilenetv2" -> mobileNetV2();
      default -> throw new IllegalArgumentException(
          "Unknown backbone '" + arch + "'; valid backbones are " + ARCHS
              + " (or a TorchScript body via TorchScriptBackbone)");
    };
    b.body().setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
        XavierInitializer.FactorType.OUT, 2), p -> p.getType() == Parameter.Type.WEIGHT);
    return b;
  }

  private static Backbone resnet(String name, int[] units, int[] filters, boolean bottleneck, int stemFilters,
      boolean imagenetStem) {
    SequentialBlock body = new SequentialBlock();
    if (imagenetStem) {
      body.add(conv(stemFilters, 7, 2, 3))
          .add(bn())
          .add(Activation.reluBlock())
          .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
    } else {
      body.add(conv(stemFilters, 3, 1, 1)).add(bn()).add(Activation.reluBlock());
    }
    int inChannels = stemFilters;
    for (int stage = 0; stage < units.length; stage++) {
      SequentialBlock layer = new SequentialBlock();
      Shape stride = stage == 0 ? new Shape(1, 1) : new Shape(2, 2);
      boolean dimMatch = stage == 0 && inChannels == filters[0];
      layer.add(ResNetV1.residualUnit(filters[stage], stride, dimMatch, bottleneck, BN_MOMENTUM));
      for (int u = 1; u < units[stage]; u++) {
        layer.add(ResNetV1.residualUnit(filters[stage], new Shape(1, 1), true, bottleneck, BN_MOMENTUM));
      }
      body.add(layer);
      inChannels = filters[stage];
    }
    int splitAt = imagenetStem ? 6 : 5; // first child of layer3
    return new Backbone(name, body, filters[filters.length - 1], splitAt);
  }

  private static Block conv(int filters, int kernel, int stride, int pad) {
    return Conv2d.builder()
        .setFilters(filters)
        .setKernelShape(new Shape(kernel, kernel))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(pad, pad))
        .optBias(false)
        .build();
  }

  private static Block bn() {
    return BatchNorm.builder().optEpsilon(1e-5f).optMomentum(BN_MOMENTUM).build();
  }

  private static Backbone mobileNetV2() {
    // torchvision inverted_residual_setting: t, c, n, s
    int[][] settings = {
      {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}
    };
    SequentialBlock body = new SequentialBlock();
    body.add(new SequentialBlock().add(conv(32, 3, 2, 1)).add(bn()).add(Activation.relu6Block()));
    int in = 32;
    for (int[] s : settings) {
      for (int i = 0; i < s[2]; i++) {
        body.add(invertedResidual(in, s[1], i == 0 ? s[3] : 1, s[0]));
        in = s[1];
      }
    }
    body.add(new SequentialBlock().add(conv(1280, 1, 1, 0)).add(bn()).add(Activation.relu6Block()));
    return new Backbone("mobilenetv2", body, 1280, -1);
  }

  private static Block invertedResidual(int in, int out, int stride, int expand) {
    int hidden = in * expand;
    SequentialBlock b = new SequentialBlock();
    if (expand != 1) {
      b.add(conv(hidden, 1, 1, 0)).add(bn()).add(Activation.relu6Block());
    }
    b.add(Conv2d.builder()
            .setFilters(hidden)
            .setKernelShape(new Shape(3, 3))
            .optStride(new Shape(stride, stride))
            .optPadding(new Shape(1, 1))
            .optGroups(hidden)
            .optBias(false)
            .build())
        .add(bn())
        .add(Activation.relu6Block())
        .add(conv(out, 1, 1, 0))
        .add(bn());
    if (stride == 1 && in == out) {
      return new ParallelBlock(
          list -> new NDList(NDArrays.add(list.get(0).singletonOrThrow(), list.get(1).singletonOrThrow())),
          Arrays.asList(b, Blocks.identityBlock()));
    }
    return b;
  }
}
