package io.sparkfast.jobs.report;

import java.io.IOException;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** PNG charts for job reports (XChart, headless). */
public final class Charts {

  private Charts() {}

  /** A bar chart of {@code values} by {@code names} (for example feature importance), as PNG bytes. */
  public static byte[] bars(String title, String xTitle, String yTitle, List<String> names, List<Double> values)
      throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(900).height(520).title(title)
        .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(60);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.addSeries(yTitle, names, values);
    return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
  }

  /** A line chart with markers, as PNG bytes. */
  public static byte[] line(String title, String xTitle, String yTitle, double[] x, double[] y) throws IOException {
    XYChart chart = new XYChartBuilder().width(700).height(450).title(title)
        .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.addSeries(yTitle, x, y);
    return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
  }
}
