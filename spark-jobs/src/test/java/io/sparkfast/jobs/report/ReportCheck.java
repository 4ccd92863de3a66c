package io.sparkfast.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Checks a job's {@code report.html}: self-contained (every image a {@code data:} URI, nothing loaded from
 * elsewhere), one embedded image per PNG the job wrote, and, in headless Chromium, every image decoded and shown;
 * a screenshot of the page is saved under {@code target/report-screenshots/}.
 *
 * <p>Chromium comes from Debian's {@code chromium} package ({@code .ci/run} installs it). Without it the browser
 * part is skipped with a warning on a developer machine, and fails under CI ({@code CI} set).
 */
public final class ReportCheck {

  private ReportCheck() {}

  /** The Chromium binary: {@code $SPARKFAST_CHROMIUM}, or chromium / chromium-browser / google-chrome on PATH. */
  static Optional<Path> chromium() {
    String env = System.getenv("SPARKFAST_CHROMIUM");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env));
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Asserts that {@code out/report.html} shows every PNG under {@code out}.
   *
   * @param out a job's committed output directory
   * @param name the screenshot's file name (without extension)
   * @param atLeast the fewest plots the report must hold
   */
  public static void assertReportShowsPlots(Path out, String name, int atLeast) throws Exception {
    Path report = out.resolve("report.html");
    assertTrue(Files.isRegularFile(report), "no report.html in " + out);
    String html = Files.readString(report, StandardCharsets.UTF_8);
    List<Path> pngs;
    try (Stream<Path> s = Files.walk(out)) {
      pngs = s.filter(p -> p.getFileName().toString().endsWith(".png")).toList();
    }
    List<String> srcs = new ArrayList<>();
    Matcher m = Pattern.compile("<img[^>]*\\ssrc=\"([^\"]*)\"").matcher(html);
    while (m.find()) {
      srcs.add(m.group(1));
    }
    assertTrue(pngs.size() >= atLeast, "expected >= " + atLeast + " plots, the job wrote " + pngs);
    assertEquals(pngs.size(), srcs.size(), "one embedded image per PNG written: " + pngs);
    for (String src : srcs) {
      assertTrue(src.startsWith("data:image/png;base64,"), "not embedded: " + src.substring(0, 40));
    }
    for (Path p : pngs) {
      assertTrue(html.contains(out.relativize(p).toString()), "report does not name " + p);
    }
    assertFalse(Pattern.compile("(src|href)=\"(https?:|//|file:)").matcher(html).find(), "external reference");

    Optional<Path> chromium = chromium();
    if (chromium.isEmpty()) {
      if (System.getenv("CI") != null) {
        fail("headless Chromium is needed to check report.html (Debian: apt-get install chromium; .ci/run does)");
      }
      System.err.println("WARNING: chromium not found; report.html was checked without a browser");
      return;
    }
    String dom = run(List.of(chromium.get().toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--virtual-time-budget=5000", "--dump-dom", report.toUri().toString()));
    Matcher rendered = Pattern.compile("data-plots-rendered=\"(\\d+)\"").matcher(dom);
    assertTrue(rendered.find(), "the page's script did not run in Chromium");
    assertEquals(pngs.size(), Integer.parseInt(rendered.group(1)), "plots decoded and shown by Chromium");
    Matcher sizes = Pattern.compile("data-rendered=\"(\\d+)x(\\d+)\"").matcher(dom);
    int n = 0;
    while (sizes.find()) {
      n++;
      assertTrue(Integer.parseInt(sizes.group(1)) > 50 && Integer.parseInt(sizes.group(2)) > 50, sizes.group());
    }
    assertEquals(pngs.size(), n);

    Path shots = Path.of("target", "report-screenshots");
    Files.createDirectories(shots);
    Path shot = shots.resolve(name + ".png").toAbsolutePath();
    Files.deleteIfExists(shot);
    run(List.of(chromium.get().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--virtual-time-budget=5000", "--window-size=1200,3000", "--screenshot=" + shot, report.toUri().toString()));
    BufferedImage img = ImageIO.read(shot.toFile());
    assertEquals(1200, img.getWidth(), "screenshot width");
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 7) {
      for (int x = 0; x < img.getWidth(); x += 7) {
        colours.add(img.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 20, "the screenshot looks blank: " + colours.size() + " colours");
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    byte[] stdout = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium timed out: " + cmd);
    }
    assertEquals(0, p.exitValue(), "chromium failed: " + cmd);
    return new String(stdout, StandardCharsets.UTF_8);
  }
}
