package io.sparkfast.common.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds labelled images in fastai's layouts.
 *
 * <ul>
 *   <li>{@link #fromSplitFolders}: {@code root/train/<class>/...} and {@code root/valid/<class>/...}
 *       ({@code ImageDataLoaders.from_folder(path, train='train', valid='valid')}).
 *   <li>{@link #fromClassFolders}: {@code root/<class>/...} with a seeded random {@code valid_pct} split
 *       ({@code from_folder(path, valid_pct=0.2, seed=42)}).
 *   <li>{@link #fromCsv}: a CSV with a header row and columns {@code path,label[,is_valid]}, paths relative to
 *       a folder, with an optional label delimiter for multi-label data ({@code ImageDataLoaders.from_csv});
 *       {@link #fromCsvLayout} names the columns and a file-name suffix ({@code fn_col}, {@code label_col},
 *       {@code valid_col}, {@code suffix}).
 * </ul>
 *
 * <p>Images are files with extensions {@link #IMAGE_EXTENSIONS} (case-insensitive), searched recursively
 * inside each class folder; hidden files and folders are skipped. The class of a file is the name of the
 * class folder directly under the split folder. The vocabulary is sorted. Item order is sorted by path so
 * results do not depend on the file system's listing order.
 */
public final class ImageFolders {

  private static final Logger logger = LoggerFactory.getLogger(ImageFolders.class);

  /** File extensions treated as images (readable by ImageIO). */
  public static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

  private ImageFolders() {}

  /**
   * Reads {@code root/<trainFolder>/<class>/...} and {@code root/<validFolder>/<class>/...}.
   *
   * @param root dataset root
   * @param trainFolder name of the training folder (fastai: {@code train})
   * @param validFolder name of the validation folder (fastai: {@code valid})
   * @throws IllegalArgumentException on a missing folder, an empty class folder, or a validation class the
   *     training split lacks
   */
  public static ImageSplits fromSplitFolders(Path root, String trainFolder, String validFolder) {
    requireDir(root, "dataset root", "root");
    Path trainDir = root.resolve(trainFolder);
    Path validDir = root.resolve(validFolder);
    requireDir(trainDir, "training folder", "trainFolder (now '" + trainFolder + "')");
    requireDir(validDir, "validation folder", "validFolder (now '" + validFolder + "')");
    Map<String, List<Path>> train = scanClassFolders(trainDir);
    Map<String, List<Path>> valid = scanClassFolders(validDir);
    Vocab vocab = Vocab.of(train.keySet());
    for (String c : valid.keySet()) {
      if (!vocab.contains(c)) {
        throw new IllegalArgumentException(
            "Validation class '" + c + "' (" + validDir.resolve(c) + ") has no training folder under "
                + trainDir + "; training classes are " + vocab.labels());
      }
    }
    ImageSplits splits = new ImageSplits(vocab, items(train, vocab), items(valid, vocab), false);
    logger.info("Found {} training and {} validation images in {} classes under {}",
        splits.train().size(), splits.valid().size(), vocab.size(), root);
    return splits;
  }

  /**
   * Reads {@code root/<class>/...} and splits it at random: {@code validPct} of the items (rounded down)
   * become the validation set. The split depends only on the sorted item list and {@code seed}.
   *
   * @param validPct fraction in [0, 1) for validation
   * @param seed split seed
   */
  public static ImageSplits fromClassFolders(Path root, double validPct, long seed) {
    requireDir(root, "dataset root", "root");
    checkValidPct(validPct);
    Map<String, List<Path>> byClass = scanClassFolders(root);
    Vocab vocab = Vocab.of(byClass.keySet());
    List<ImageItem> all = items(byClass, vocab);
    List<List<ImageItem>> split = randomSplit(all, validPct, seed);
    logger.info("Found {} images in {} classes under {}; valid_pct={} seed={} gives {} validation items",
        all.size(), vocab.size(), root, validPct, seed, split.get(1).size());
    return new ImageSplits(vocab, split.get(0), split.get(1), false);
  }

  /**
   * Reads a labels CSV: a header row, then {@code path,label} rows, optionally with a boolean {@code is_valid}
   * column which then decides the split (and {@code validPct} is ignored). Paths are relative to
   * {@code imageFolder}. Fields may be double-quoted.
   *
   * @param imageFolder folder the CSV's paths are relative to
   * @param csv the CSV file
   * @param labelDelim null for single-label data, otherwise the delimiter between several labels in the
   *     label field (fastai's {@code label_delim}, e.g. a space); items may then have no label
   * @param validPct fraction in [0, 1) for the random validation split when there is no is_valid column
   * @param seed split seed
   */
  public static ImageSplits fromCsv(Path imageFolder, Path csv, String labelDelim, double validPct, long seed) {
    return fromCsvLayout(imageFolder, csv, new CsvLayout(null, null, null, labelDelim, ""), validPct, seed);
  }

  /**
   * Reads a labels CSV with the columns of {@code layout} (fastai's {@code ImageDataLoaders.from_csv} with
   * {@code fn_col}, {@code label_col}, {@code valid_col}, {@code label_delim} and {@code suffix}). A validation
   * column decides the split; without one, {@code validPct} (seeded) does.
   *
   * @throws IllegalArgumentException naming the file and line on a missing column, a row that names a missing
   *     image, an empty label of single-label data, or a bad validation flag
   */
  public static ImageSplits fromCsvLayout(Path imageFolder, Path csv, CsvLayout layout, double validPct,
      long seed) {
    requireDir(imageFolder, "image folder", "imageFolder");
    if (!Files.isRegularFile(csv)) {
      throw new IllegalArgumentException("Labels CSV not found: " + csv);
    }
    checkValidPct(validPct);
    List<String> lines;
    try {
      lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read labels CSV " + csv, e);
    }
    if (lines.size() < 2) {
      throw new IllegalArgumentException(
          "Labels CSV " + csv + " has no data rows; expected a header row and then path,label rows");
    }
    List<String> header = parseCsvLine(lines.get(0)).stream().map(String::strip).toList();
    int fnIdx = column(header, layout.fnCol(), 0, "file name", csv);
    int labelIdx = column(header, layout.labelCol(), 1, "label", csv);
    int validIdx = layout.validCol() != null ? column(header, layout.validCol(), -1, "validation", csv)
        : indexOfIgnoreCase(header, "is_valid");
    boolean hasValidCol = validIdx >= 0;
    String labelDelim = layout.labelDelim();
    boolean multi = labelDelim != null;
    int needed = Math.max(fnIdx, labelIdx) + 1;
    List<Path> paths = new ArrayList<>();
    List<List<String>> labels = new ArrayList<>();
    List<Boolean> isValid = new ArrayList<>();
    List<String> allLabels = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      List<String> f = parseCsvLine(line);
      if (f.size() < needed) {
        throw new IllegalArgumentException(
            "Labels CSV " + csv + " line " + (i + 1) + " has " + f.size() + " field(s); expected at least "
                + needed + " (columns " + header + "): '" + line + "'");
      }
      Path p = imageFolder.resolve(f.get(fnIdx).strip() + layout.suffix());
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(
            "Labels CSV " + csv + " line " + (i + 1) + " names image " + p + " which does not exist (paths are"
                + " resolved against imageFolder " + imageFolder + ")");
      }
      List<String> ls = new ArrayList<>();
      String field = f.get(labelIdx).strip();
      if (multi) {
        for (String s : field.split(java.util.regex.Pattern.quote(labelDelim))) {
          if (!s.isBlank()) {
            ls.add(s.strip());
          }
        }
      } else {
        if (field.isEmpty()) {
          throw new IllegalArgumentException(
              "Labels CSV " + csv + " line " + (i + 1) + " has an empty label for " + p
                  + "; set labelDelim (data.label_delim) for multi-label data where items may have no label");
        }
        ls.add(field);
      }
      paths.add(p);
      labels.add(ls);
      allLabels.addAll(ls);
      if (hasValidCol) {
        isValid.add(parseBool(f.size() > validIdx ? f.get(validIdx) : "", csv, i + 1));
      }
    }
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("Labels CSV " + csv + " lists no images");
    }
    if (allLabels.isEmpty()) {
      throw new IllegalArgumentException("Labels CSV " + csv + " has no labels at all (every label field is empty)");
    }
    Vocab vocab = Vocab.of(allLabels);
    List<ImageItem> items = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      List<Integer> idx = new ArrayList<>();
      for (String l : labels.get(i)) {
        int k = vocab.indexOf(l);
        if (!idx.contains(k)) {
          idx.add(k);
        }
      }
      Collections.sort(idx);
      items.add(new ImageItem(ImageSource.of(paths.get(i)), idx));
    }
    List<ImageItem> train = new ArrayList<>();
    List<ImageItem> valid = new ArrayList<>();
    if (hasValidCol) {
      for (int i = 0; i < items.size(); i++) {
        (isValid.get(i) ? valid : train).add(items.get(i));
      }
    } else {
      List<List<ImageItem>> split = randomSplit(items, validPct, seed);
      train = split.get(0);
      valid = split.get(1);
    }
    logger.info("Read {} images ({} train, {} valid) with {} classes from {}", items.size(), train.size(),
        valid.size(), vocab.size(), csv);
    return new ImageSplits(vocab, train, valid, multi);
  }

  /**
   * fastai's {@code RandomSplitter}: shuffles the item indices with {@code seed} and takes the first
   * {@code floor(validPct * n)} as validation; both outputs keep the input order.
   *
   * @return [train, valid]
   */
  public static <T> List<List<T>> randomSplit(List<T> items, double validPct, long seed) {
    checkValidPct(validPct);
    int n = items.size();
    List<Integer> idx = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    int cut = (int) Math.floor(validPct * n);
    boolean[] isValid = new boolean[n];
    for (int i = 0; i < cut; i++) {
      isValid[idx.get(i)] = true;
    }
    List<T> train = new ArrayList<>(n - cut);
    List<T> valid = new ArrayList<>(cut);
    for (int i = 0; i < n; i++) {
      (isValid[i] ? valid : train).add(items.get(i));
    }
    return List.of(train, valid);
  }

  /** Whether {@code path}'s extension marks it as an image file. */
  public static boolean isImageFile(Path path) {
    String name = path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /** Image files under {@code dir} (recursive, hidden entries skipped), sorted by path. */
  public static List<Path> listImages(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !isHidden(dir.relativize(p)))
          .filter(Files::isRegularFile)
          .filter(ImageFolders::isImageFile)
          .sorted(Comparator.comparing(Path::toString))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list images under " + dir, e);
    }
  }

  private static boolean isHidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, List<Path>> scanClassFolders(Path dir) {
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(dir)) {
      classDirs = s.filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list class folders under " + dir, e);
    }
    if (classDirs.isEmpty()) {
      throw new IllegalArgumentException(
          "No class folders under " + dir + "; expected " + dir + "/<class>/<image files>");
    }
    Map<String, List<Path>> byClass = new TreeMap<>();
    for (Path c : classDirs) {
      List<Path> images = listImages(c);
      if (images.isEmpty()) {
        throw new IllegalArgumentException(
            "Class folder " + c + " contains no images (extensions " + new java.util.TreeSet<>(IMAGE_EXTENSIONS)
                + "); add images or remove the folder");
      }
      byClass.put(c.getFileName().toString(), images);
    }
    return byClass;
  }

  private static List<ImageItem> items(Map<String, List<Path>> byClass, Vocab vocab) {
    List<ImageItem> items = new ArrayList<>();
    byClass.forEach((c, paths) -> paths.forEach(p -> items.add(ImageItem.of(ImageSource.of(p), vocab.indexOf(c)))));
    items.sort(Comparator.comparing(i -> i.source().name()));
    return items;
  }

  /**
   * The index of the column named {@code name} (case-insensitive) or numbered {@code name} (0-based), or
   * {@code fallback} when name is null.
   */
  private static int column(List<String> header, String name, int fallback, String what, Path csv) {
    if (name == null) {
      if (fallback >= header.size()) {
        throw new IllegalArgumentException("Labels CSV " + csv + " has " + header.size() + " column(s) " + header
            + "; the " + what + " column is column " + (fallback + 1));
      }
      return fallback;
    }
    int i = indexOfIgnoreCase(header, name.strip());
    if (i < 0 && name.strip().matches("\\d+") && Integer.parseInt(name.strip()) < header.size()) {
      i = Integer.parseInt(name.strip()); // a column number, as fastai's fn_col=0
    }
    if (i < 0) {
      throw new IllegalArgumentException("Labels CSV " + csv + " has no " + what + " column '" + name
          + "'; its columns are " + header);
    }
    return i;
  }

  private static int indexOfIgnoreCase(List<String> header, String name) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).equalsIgnoreCase(name)) {
        return i;
      }
    }
    return -1;
  }

  private static void requireDir(Path dir, String what, String knob) {
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "The " + what + " " + dir + " does not exist or is not a directory; check " + knob);
    }
  }

  private static void checkValidPct(double validPct) {
    if (!(validPct >= 0 && validPct < 1)) {
      throw new IllegalArgumentException("validPct must be in [0, 1); got " + validPct);
    }
  }

  private static boolean parseBool(String s, Path csv, int line) {
    String v = s.strip().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no", "" -> false;
      default -> throw new IllegalArgumentException(
          "Labels CSV " + csv + " line " + line + ": is_valid must be true/false or 1/0; got '" + s + "'");
    };
  }

  /** Splits one CSV line on commas, honouring double quotes ({@code ""} inside quotes is a quote). */
  static List<String> parseCsvLine(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
