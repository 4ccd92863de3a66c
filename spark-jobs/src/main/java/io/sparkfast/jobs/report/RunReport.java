package io.sparkfast.jobs.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The {@code report.html} every job writes next to its outputs: one self-contained page (no external files, no
 * network) with the job's metrics as tables and every PNG plot of the run embedded as a {@code data:} URI, so the
 * page can be mailed, attached to an Airflow task or archived on its own.
 *
 * <p>Plots are found by walking the job's output directory (before it is committed) for {@code *.png} files; the
 * plots are ordered and captioned by name (lr_find first, then training curves, interpretation, importance). A
 * small inline script marks each image with its decoded size ({@code data-rendered}) so a headless browser can
 * check that the page really shows them.
 */
public final class RunReport {

  /** Known plot names (file name without extension, prefix match) with their captions, in page order. */
  private static final Map<String, String> CAPTIONS = new LinkedHashMap<>();

  static {
    CAPTIONS.put("lr_find", "Learning-rate finder: loss against learning rate (log scale), with the suggestions");
    CAPTIONS.put("losses", "Training loss per batch (and validation loss per epoch)");
    CAPTIONS.put("epochs", "Training and validation loss per epoch");
    CAPTIONS.put("epochs-metrics", "Validation metrics per epoch");
    CAPTIONS.put("confusion_matrix", "Confusion matrix on the validation split");
    CAPTIONS.put("top_losses", "Top losses: the validation images the model is most wrong or least sure about");
    CAPTIONS.put("importance", "Feature importance");
    CAPTIONS.put("pd_", "Partial dependence");
    CAPTIONS.put("throughput", "Scoring throughput: images scored over time");
  }

  /** Largest PNG embedded (bytes); larger files are linked instead so the page stays loadable. */
  static final long MAX_EMBED_BYTES = 8L << 20;

  private RunReport() {}

  /** One plot of the report. */
  public record Plot(String relativePath, String caption, byte[] png) {}

  /**
   * Collects every PNG under {@code dir} (recursively) as report plots, ordered by {@link #CAPTIONS}.
   *
   * @param fs the file system of {@code dir}
   * @param dir the job's (uncommitted) output directory
   */
  public static List<Plot> collectPlots(FileSystem fs, Path dir) throws IOException {
    List<Plot> plots = new ArrayList<>();
    if (!fs.exists(dir)) {
      return plots;
    }
    String base = fs.makeQualified(dir).toUri().getPath();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      LocatedFileStatus st = it.next();
      String name = st.getPath().getName();
      if (!name.toLowerCase(Locale.ROOT).endsWith(".png") || st.getLen() > MAX_EMBED_BYTES) {
        continue;
      }
      String rel = st.getPath().toUri().getPath();
      rel = rel.startsWith(base) ? rel.substring(base.length()).replaceFirst("^/+", "") : name;
      byte[] bytes;
      try (InputStream in = fs.open(st.getPath())) {
        bytes = in.readAllBytes();
      }
      plots.add(new Plot(rel, caption(name), bytes));
    }
    plots.sort(Comparator.comparingInt((Plot p) -> rank(fileStem(p.relativePath())))
        .thenComparing(Plot::relativePath));
    return plots;
  }

  /**
   * Renders the page.
   *
   * @param job the job name (tabular, train, score, ...)
   * @param metrics the run's metrics (what {@code metrics.json} holds)
   * @param manifest the run's manifest (inputs, timing, versions); its {@code config} entry is shown collapsed
   * @param plots the plots to embed
   */
  public static String render(String job, Map<String, Object> metrics, Map<String, Object> manifest,
      List<Plot> plots) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>sparkfast ")
        .append(esc(job)).append(" report</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}\n")
        .append("h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em}\n")
        .append("table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.25em .6em;")
        .append("text-align:left;font-size:.9em}th{background:#f3f3f3}td.num{text-align:right;")
        .append("font-variant-numeric:tabular-nums}\nfigure{margin:1em 0 2em}figure img{max-width:100%;")
        .append("border:1px solid #eee}figcaption{color:#555;font-size:.9em}\npre{background:#f7f7f7;")
        .append("padding:.8em;overflow:auto;font-size:.8em}\n</style></head><body>\n");
    h.append("<h1>sparkfast ").append(esc(job)).append("</h1>\n");
    h.append("<p>").append(esc(String.valueOf(manifest.getOrDefault("started_at", "")))).append(" &ndash; ")
        .append(esc(String.valueOf(manifest.getOrDefault("finished_at", "")))).append(" &middot; Spark ")
        .append(esc(String.valueOf(manifest.getOrDefault("spark_version", "")))).append(" &middot; master ")
        .append(esc(String.valueOf(manifest.getOrDefault("master", "")))).append(" &middot; output ")
        .append(esc(String.valueOf(manifest.getOrDefault("out", "")))).append("</p>\n");

    h.append("<h2>Metrics</h2>\n");
    if (metrics.get("valid") instanceof Map<?, ?> valid && metrics.get("baseline") instanceof Map<?, ?> baseline) {
      h.append("<table class=\"vs\"><tr><th>validation metric</th><th>model</th><th>naive baseline</th></tr>\n");
      for (Map.Entry<?, ?> e : valid.entrySet()) {
        if (isScalar(e.getValue())) {
          h.append("<tr><th>").append(esc(String.valueOf(e.getKey()))).append("</th>");
          cell(h, e.getValue());
          cell(h, baseline.get(e.getKey()));
          h.append("</tr>\n");
        }
      }
      h.append("</table>\n");
    }
    value(h, metrics, 3);

    h.append("<h2>Plots</h2>\n");
    if (plots.isEmpty()) {
      h.append("<p>This run wrote no plots.</p>\n");
    }
    for (Plot p : plots) {
      h.append("<figure><img class=\"plot\" alt=\"").append(esc(p.relativePath()))
          .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(p.png()))
          .append("\"><figcaption>").append(esc(p.caption())).append(" (<code>").append(esc(p.relativePath()))
          .append("</code>)</figcaption></figure>\n");
    }

    h.append("<h2>Run</h2>\n");
    Map<String, Object> run = new LinkedHashMap<>(manifest);
    Object config = run.remove("config");
    keyValueTable(h, run);
    if (config != null) {
      h.append("<details><summary>Effective configuration</summary><pre>").append(esc(pretty(config, 0)))
          .append("</pre></details>\n");
    }
    // Marks each image with its decoded size: a browser check (headless Chromium in the tests) reads it back.
    h.append("<script>window.addEventListener('load',function(){var n=0;document.querySelectorAll('img.plot')")
        .append(".forEach(function(i){i.setAttribute('data-rendered',i.naturalWidth+'x'+i.naturalHeight);")
        .append("if(i.naturalWidth>0){n++;}});document.body.setAttribute('data-plots-rendered',n);});</script>\n");
    h.append("</body></html>\n");
    return h.toString();
  }

  /** Renders a metrics value; the nested entries of a map get {@code <h[heading]>} titles (h4 below the top). */
  private static void value(StringBuilder h, Object v, int heading) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> scalars = new LinkedHashMap<>();
      Map<String, Object> nested = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        (isScalar(e.getValue()) ? scalars : nested).put(String.valueOf(e.getKey()), e.getValue());
      }
      if (!scalars.isEmpty()) {
        keyValueTable(h, scalars);
      }
      for (Map.Entry<String, Object> e : nested.entrySet()) {
        h.append("<h").append(heading).append('>').append(esc(e.getKey())).append("</h").append(heading)
            .append(">\n");
        value(h, e.getValue(), 4);
      }
    } else if (v instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(x -> x instanceof Map)) {
      Set<String> cols = new LinkedHashSet<>();
      for (Object row : list) {
        ((Map<?, ?>) row).keySet().forEach(k -> cols.add(String.valueOf(k)));
      }
      h.append("<table><tr>");
      cols.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
      h.append("</tr>\n");
      for (Object row : list) {
        h.append("<tr>");
        for (String c : cols) {
          cell(h, ((Map<?, ?>) row).get(c));
        }
        h.append("</tr>\n");
      }
      h.append("</table>\n");
    } else if (v instanceof List<?> list && list.stream().allMatch(RunReport::isScalar)) {
      h.append("<p>");
      for (int i = 0; i < list.size(); i++) {
        h.append(i == 0 ? "" : ", ").append(esc(format(list.get(i))));
      }
      h.append("</p>\n");
    } else {
      h.append("<pre>").append(esc(pretty(v, 0))).append("</pre>\n");
    }
  }

  private static void keyValueTable(StringBuilder h, Map<String, Object> kv) {
    h.append("<table>\n");
    for (Map.Entry<String, Object> e : kv.entrySet()) {
      h.append("<tr><th>").append(esc(e.getKey())).append("</th>");
      if (isScalar(e.getValue())) {
        cell(h, e.getValue());
      } else {
        h.append("<td>").append(esc(pretty(e.getValue(), 0))).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static void cell(StringBuilder h, Object v) {
    h.append(v instanceof Number ? "<td class=\"num\">" : "<td>").append(esc(isScalar(v) ? format(v) : pretty(v, 0)))
        .append("</td>");
  }

  private static boolean isScalar(Object v) {
    return v == null || v instanceof Number || v instanceof CharSequence || v instanceof Boolean;
  }

  static String format(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return String.valueOf(d);
      }
      if (d != 0 && (Math.abs(d) < 1e-3 || Math.abs(d) >= 1e7)) {
        return String.format(Locale.ROOT, "%.4e", d);
      }
      return String.format(Locale.ROOT, "%.4f", d);
    }
    return String.valueOf(v);
  }

  private static String pretty(Object v, int indent) {
    String pad = "  ".repeat(indent);
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(pad).append(e.getKey());
        if (e.getValue() instanceof Map<?, ?> inner && !inner.isEmpty()) {
          b.append(" {\n").append(pretty(inner, indent + 1)).append(pad).append("}\n");
        } else {
          b.append(" = ").append(pretty(e.getValue(), 0).strip()).append('\n');
        }
      }
      return b.toString();
    }
    if (v instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(x -> parts.add(pretty(x, 0).strip()));
      return "[" + String.join(", ", parts) + "]";
    }
    return format(v);
  }

  private static String caption(String fileName) {
    String stem = fileStem(fileName);
    for (Map.Entry<String, String> e : CAPTIONS.entrySet()) {
      if (matches(stem, e.getKey())) {
        return e.getKey().equals("pd_") ? e.getValue() + " on " + stem.substring(3) : e.getValue();
      }
    }
    return stem.replace('_', ' ');
  }

  private static int rank(String stem) {
    int i = 0;
    for (String k : CAPTIONS.keySet()) {
      if (matches(stem, k)) {
        return i;
      }
      i++;
    }
    return i;
  }

  /** Keys ending in '_' are prefixes (pd_<feature>); the others name the plot exactly. */
  private static boolean matches(String stem, String key) {
    return key.endsWith("_") ? stem.startsWith(key) : stem.equals(key);
  }

  private static String fileStem(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }

  /** HTML-escapes text. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
