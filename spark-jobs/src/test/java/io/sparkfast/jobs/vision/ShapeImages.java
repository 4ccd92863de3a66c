package io.sparkfast.jobs.vision;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** A small, easy two-class image set (warm bars, cool rings) in train/valid class folders, for job tests. */
public final class ShapeImages {

  private ShapeImages() {}

  /** Writes {@code root/{train,valid}/{bar,ring}/i.png} and returns {@code root}. */
  public static Path write(Path root, int trainPerClass, int validPerClass) throws Exception {
    Random r = new Random(3);
    for (String split : new String[] {"train", "valid"}) {
      for (String cls : new String[] {"bar", "ring"}) {
        Path d = Files.createDirectories(root.resolve(split).resolve(cls));
        for (int i = 0; i < (split.equals("train") ? trainPerClass : validPerClass); i++) {
          BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
          Graphics2D g = img.createGraphics();
          g.setColor(new Color(r.nextInt(60), r.nextInt(60), r.nextInt(60)));
          g.fillRect(0, 0, 20, 20);
          // bars are warm, rings cool: an easy problem, so tests check the pipeline, not the model
          g.setColor(cls.equals("bar") ? new Color(200 + r.nextInt(55), 120 + r.nextInt(60), r.nextInt(60))
              : new Color(r.nextInt(60), 120 + r.nextInt(60), 200 + r.nextInt(55)));
          int x = 3 + r.nextInt(6);
          int y = 3 + r.nextInt(6);
          if (cls.equals("bar")) {
            g.fillRect(x, y, 10, 3);
          } else {
            g.drawOval(x, y, 9, 9);
          }
          g.dispose();
          ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
        }
      }
    }
    return root;
  }

  /** Copies a folder tree. */
  public static void copyTree(Path from, Path to) throws Exception {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
