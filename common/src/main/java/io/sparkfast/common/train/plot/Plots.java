package io.sparkfast.common.train.plot;

import io.sparkfast.common.train.EpochMetrics;
import io.sparkfast.common.train.LrFindResult;
import io.sparkfast.common.train.LrSuggestion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes training charts as PNG files with XChart (headless). */
public final class Plots {

  private static final int WIDTH = 800;
  private static final int HEIGHT = 500;

  private Plots() {}

  /**
   * The lr_find curve: smoothed loss over learning rate on a log axis, without the last 5 points (fastai's
   * {@code plot_lr_find(skip_end=5)}), each suggestion marked.
   */
  public static Path lrFind(LrFindResult result, Path png) throws IOException {
    int n = Math.max(result.lrs().size() - 5, 1);
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (int i = 0; i < Math.min(n, result.lrs().size()); i++) {
      double loss = result.losses().get(i);
      if (Double.isFinite(loss)) {
        x.add(result.lrs().get(i));
        y.add(loss);
      }
    }
    if (x.isEmpty()) {
      throw new IllegalArgumentException("The lr_find curve has no finite loss to plot");
    }
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Learning rate finder")
        .xAxisTitle("Learning Rate").yAxisTitle("Loss").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setXAxisDecimalPattern("0.0E0");
    XYSeries curve = chart.addSeries("loss", x, y);
    curve.setMarker(SeriesMarkers.NONE);
    for (LrSuggestion s : result.suggestions()) {
      if (Double.isFinite(s.pointLr()) && Double.isFinite(s.pointLoss()) && s.pointLr() > 0) {
        XYSeries p = chart.addSeries(String.format("%s: %.2e", s.method(), s.lr()), new double[] {s.pointLr()},
            new double[] {s.pointLoss()});
        p.setMarker(SeriesMarkers.CIRCLE);
        p.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      }
    }
    return save(chart, png);
  }

  /**
   * Training and validation loss per epoch, and a second chart of the metrics per epoch next to it (file
   * {@code <name>-metrics.png}) when there are metrics.
   *
   * @return the loss chart's path
   */
  public static Path epochs(List<EpochMetrics> rows, Path png) throws IOException {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("No epochs recorded; train before plotting");
    }
    double[] epochs = new double[rows.size()];
    double[] train = new double[rows.size()];
    double[] valid = new double[rows.size()];
    Map<String, double[]> metrics = new LinkedHashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      EpochMetrics r = rows.get(i);
      epochs[i] = r.epoch();
      train[i] = r.trainLoss();
      valid[i] = r.validLoss();
      for (Map.Entry<String, Double> e : r.metrics().entrySet()) {
        metrics.computeIfAbsent(e.getKey(), k -> new double[rows.size()])[i] = e.getValue();
      }
    }
    XYChart loss = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Loss per epoch").xAxisTitle("epoch")
        .yAxisTitle("loss").build();
    addFinite(loss, "train_loss", epochs, train);
    addFinite(loss, "valid_loss", epochs, valid);
    Path out = save(loss, png);
    if (!metrics.isEmpty()) {
      XYChart m = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Metrics per epoch").xAxisTitle("epoch")
          .yAxisTitle("value").build();
      metrics.forEach((k, v) -> addFinite(m, k, epochs, v));
      String name = png.getFileName().toString();
      String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
      save(m, png.resolveSibling(base + "-metrics.png"));
    }
    return out;
  }

  private static void addFinite(XYChart chart, String name, double[] x, double[] y) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      if (Double.isFinite(y[i])) {
        xs.add(x[i]);
        ys.add(y[i]);
      }
    }
    if (!xs.isEmpty()) {
      chart.addSeries(name, xs, ys);
    }
  }

  private static Path save(XYChart chart, Path png) throws IOException {
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BitmapEncoder.saveBitmap(chart, png.toString().endsWith(".png")
        ? png.toString().substring(0, png.toString().length() - 4) : png.toString(), BitmapEncoder.BitmapFormat.PNG);
    Path written = png.toString().endsWith(".png") ? png : Path.of(png + ".png");
    return written;
  }
}
