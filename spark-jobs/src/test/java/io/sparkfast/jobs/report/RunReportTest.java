package io.sparkfast.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

  @TempDir Path dir;

  @Test
  void collectsEveryPngInPageOrder() throws Exception {
    Files.createDirectories(dir.resolve("plots"));
    byte[] a = Charts.line("a", "x", "y", new double[] {0, 1}, new double[] {1, 2});
    Files.write(dir.resolve("importance.png"), a);
    Files.write(dir.resolve("plots/top_losses.png"), a);
    Files.write(dir.resolve("plots/lr_find.png"), a);
    Files.write(dir.resolve("plots/epochs.png"), a);
    Files.write(dir.resolve("pd_hour.png"), a);
    Files.writeString(dir.resolve("plots/confusion_matrix.csv"), "not a plot");
    List<RunReport.Plot> plots = RunReport.collectPlots(FileSystem.getLocal(new Configuration()),
        new org.apache.hadoop.fs.Path(dir.toUri()));
    assertEquals(List.of("plots/lr_find.png", "plots/epochs.png", "plots/top_losses.png", "importance.png",
        "pd_hour.png"), plots.stream().map(RunReport.Plot::relativePath).toList());
    assertEquals("Partial dependence on hour", plots.get(4).caption());
    assertTrue(plots.get(0).caption().startsWith("Learning-rate finder"));
  }

  @Test
  void rendersMetricsTablesAndEmbedsPlots() {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("task", "regression <&>");
    metrics.put("valid", Map.of("rmse", 12.5));
    metrics.put("baseline", Map.of("rmse", 20.0));
    metrics.put("epochs", List.of(Map.of("epoch", 0, "valid_loss", 0.5), Map.of("epoch", 1, "valid_loss", 0.25)));
    metrics.put("tiny", 1.5e-5);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("started_at", "2026-11-29T00:00:00Z");
    manifest.put("config", Map.of("model", Map.of("type", "rf")));
    byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
    String html = RunReport.render("tabular", metrics, manifest,
        List.of(new RunReport.Plot("importance.png", "Feature importance", png)));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertTrue(html.contains("regression &lt;&amp;&gt;"), "escaped");
    assertFalse(html.contains("regression <&>"));
    assertTrue(html.contains("<td class=\"num\">12.5000</td>"), html);
    assertTrue(html.contains("<th>valid_loss</th>"), "a list of rows becomes one table");
    assertTrue(html.contains("1.5000e-05"));
    assertTrue(html.contains("src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\""));
    assertTrue(html.contains("type = rf"), "the effective config is shown");
    assertFalse(html.contains("http://") || html.contains("https://"), "self-contained");
  }
}
