package io.sparkfast.common.interpret;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * PNG plots of a {@link ClassificationInterpretation}, drawn with Java2D on {@link BufferedImage}s (works
 * with {@code java.awt.headless=true}): fastai's {@code plot_top_losses} grid and {@code plot_confusion_matrix}
 * heatmap.
 */
public final class InterpretationPlots {

  private InterpretationPlots() {}

  /**
   * Draws the {@code k} top losses as a grid of thumbnails captioned {@code predicted/actual / loss / prob}.
   *
   * @param thumb thumbnail size in pixels (images are fitted, keeping their aspect ratio)
   * @return the top losses drawn
   */
  public static List<TopLoss> plotTopLosses(ClassificationInterpretation interp, int k, int thumb, Path png) {
    if (thumb < 16) {
      throw new IllegalArgumentException("thumb must be >= 16 pixels; got " + thumb);
    }
    List<TopLoss> top = interp.topLosses(k);
    int cols = (int) Math.ceil(Math.sqrt(top.size()));
    int rows = (int) Math.ceil(top.size() / (double) cols);
    int captionH = 34;
    int pad = 8;
    int titleH = 30;
    int cellW = Math.max(thumb, 150);
    int w = cols * (cellW + pad) + pad;
    int h = titleH + rows * (thumb + captionH + pad) + pad;
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(out);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("Prediction/Actual/Loss/Probability", pad, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i < top.size(); i++) {
      TopLoss t = top.get(i);
      int x = pad + (i % cols) * (cellW + pad);
      int y = titleH + (i / cols) * (thumb + captionH + pad);
      BufferedImage img = thumbnail(interp, t.index(), thumb);
      g.drawImage(img, x + (cellW - img.getWidth()) / 2, y + (thumb - img.getHeight()) / 2, null);
      g.setColor(t.predicted().equals(t.actual()) ? new Color(0, 110, 0) : new Color(170, 0, 0));
      drawFitted(g, t.caption(), x, y + thumb + 14, cellW);
      g.setColor(Color.DARK_GRAY);
      drawFitted(g, fileName(t.name()), x, y + thumb + 28, cellW);
    }
    g.dispose();
    write(out, png);
    return top;
  }

  /**
   * Draws the confusion matrix as a heatmap (rows: actual, columns: predicted, white to blue by count) with
   * the counts in the cells.
   */
  public static void plotConfusionMatrix(ClassificationInterpretation interp, Path png) {
    long[][] cm = interp.confusionMatrix();
    List<String> labels = interp.vocab().labels();
    int n = cm.length;
    int cell = Math.max(28, Math.min(60, 640 / Math.max(n, 1)));
    Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    pg.setFont(labelFont);
    FontMetrics fm = pg.getFontMetrics();
    int labelW = 0;
    for (String l : labels) {
      labelW = Math.max(labelW, fm.stringWidth(l));
    }
    pg.dispose();
    labelW = Math.min(labelW, 200) + 10;
    int left = labelW + 30;
    int top = 40;
    int bottom = labelW + 30;
    int w = left + n * cell + 20;
    int h = top + n * cell + bottom;
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(out);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("Confusion matrix", left, 22);
    long max = 1;
    for (long[] row : cm) {
      for (long v : row) {
        max = Math.max(max, v);
      }
    }
    g.setFont(labelFont);
    FontMetrics m = g.getFontMetrics();
    for (int a = 0; a < n; a++) {
      for (int p = 0; p < n; p++) {
        float t = (float) cm[a][p] / max;
        Color c = new Color(1 - 0.85f * t, 1 - 0.6f * t, 1 - 0.2f * t);
        g.setColor(c);
        g.fillRect(left + p * cell, top + a * cell, cell, cell);
        g.setColor(t > 0.5f ? Color.WHITE : Color.BLACK);
        String s = Long.toString(cm[a][p]);
        g.drawString(s, left + p * cell + (cell - m.stringWidth(s)) / 2, top + a * cell + (cell + m.getAscent()) / 2 - 2);
      }
    }
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1));
    g.drawRect(left, top, n * cell, n * cell);
    g.setColor(Color.BLACK);
    boolean horizontal = true;
    for (String l : labels) {
      horizontal &= m.stringWidth(l) <= cell - 4;
    }
    for (int i = 0; i < n; i++) {
      String l = clip(labels.get(i), m, labelW - 10);
      g.drawString(l, left - 8 - m.stringWidth(l), top + i * cell + (cell + m.getAscent()) / 2 - 2);
      if (horizontal) {
        g.drawString(l, left + i * cell + (cell - m.stringWidth(l)) / 2, top + n * cell + 8 + m.getAscent());
      } else {
        AffineTransform saved = g.getTransform();
        g.translate(left + i * cell + (cell + m.getAscent()) / 2 - 2, top + n * cell + 8 + m.stringWidth(l));
        g.rotate(-Math.PI / 2);
        g.drawString(l, 0, 0);
        g.setTransform(saved);
      }
    }
    g.drawString("Predicted", left + n * cell / 2 - m.stringWidth("Predicted") / 2, h - 8);
    AffineTransform saved = g.getTransform();
    g.translate(14, top + n * cell / 2 + m.stringWidth("Actual") / 2);
    g.rotate(-Math.PI / 2);
    g.drawString("Actual", 0, 0);
    g.setTransform(saved);
    g.dispose();
    write(out, png);
  }

  private static Graphics2D canvas(BufferedImage img) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.BLACK);
    return g;
  }

  private static BufferedImage thumbnail(ClassificationInterpretation interp, int index, int size) {
    Object wrapped = interp.source(index).decode().getWrappedImage();
    if (!(wrapped instanceof BufferedImage src)) {
      throw new IllegalStateException("Thumbnails need DJL's BufferedImageFactory; the image factory returned "
          + wrapped.getClass().getName());
    }
    double scale = Math.min((double) size / src.getWidth(), (double) size / src.getHeight());
    int tw = Math.max(1, (int) Math.round(src.getWidth() * scale));
    int th = Math.max(1, (int) Math.round(src.getHeight() * scale));
    BufferedImage out = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
        scale >= 2 ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, tw, th, null);
    g.dispose();
    return out;
  }

  private static void drawFitted(Graphics2D g, String s, int x, int y, int width) {
    g.drawString(clip(s, g.getFontMetrics(), width), x, y);
  }

  private static String clip(String s, FontMetrics fm, int width) {
    if (fm.stringWidth(s) <= width) {
      return s;
    }
    String t = s;
    while (t.length() > 1 && fm.stringWidth(t + "...") > width) {
      t = t.substring(0, t.length() - 1);
    }
    return t + "...";
  }

  private static String fileName(String name) {
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    return slash >= 0 ? name.substring(slash + 1) : name;
  }

  private static void write(BufferedImage img, Path png) {
    try {
      if (png.getParent() != null) {
        Files.createDirectories(png.getParent());
      }
      if (!ImageIO.write(img, "png", png.toFile())) {
        throw new IllegalStateException("No PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write plot " + png, e);
    }
  }
}
