package io.sparkfast.common.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small synthetic images for tests. */
public final class TestImages {
  private TestImages() {}

  /** A w x h RGB image: a solid background colour with a brighter square whose position depends on seed. */
  public static BufferedImage pattern(int w, int h, Color bg, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(bg);
    g.fillRect(0, 0, w, h);
    Random r = new Random(seed);
    g.setColor(Color.WHITE);
    int s = Math.max(2, Math.min(w, h) / 3);
    g.fillRect(r.nextInt(Math.max(1, w - s)), r.nextInt(Math.max(1, h - s)), s, s);
    g.dispose();
    return img;
  }

  /** A w x h image with random RGB pixels. */
  public static BufferedImage noise(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(0x1000000));
      }
    }
    return img;
  }

  /** A w x h 8-bit grayscale gradient. */
  public static BufferedImage gray(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = (x * 255) / Math.max(1, w - 1);
        img.getRaster().setSample(x, y, 0, v);
      }
    }
    return img;
  }

  /** Writes {@code img} as PNG to {@code file}, creating parent folders. */
  public static Path writePng(BufferedImage img, Path file) {
    try {
      Files.createDirectories(file.getParent());
      ImageIO.write(img, "png", file.toFile());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** PNG bytes of {@code img}. */
  public static byte[] pngBytes(BufferedImage img) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes an image-folder tree: {@code root/<split>/<class>/<i>.png} for each split (or directly
   * {@code root/<class>/...} when splits is empty), with per-class background colours.
   */
  public static void writeFolderTree(Path root, String[] splits, String[] classes, int perClass, int size) {
    Color[] colours = {Color.RED, Color.BLUE, Color.GREEN, Color.ORANGE, Color.MAGENTA, Color.CYAN};
    String[] sp = splits.length == 0 ? new String[] {""} : splits;
    for (String split : sp) {
      for (int c = 0; c < classes.length; c++) {
        for (int i = 0; i < perClass; i++) {
          Path dir = split.isEmpty() ? root.resolve(classes[c]) : root.resolve(split).resolve(classes[c]);
          writePng(pattern(size, size, colours[c % colours.length], 31L * i + c), dir.resolve(i + ".png"));
        }
      }
    }
  }
}
