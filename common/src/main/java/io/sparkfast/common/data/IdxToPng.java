package io.sparkfast.common.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts MNIST-style IDX files (images + labels) into PNG class folders
 * {@code <out>/<split>/<class>/<index>.png}, the layout {@link ImageFolders#fromSplitFolders} reads, so that
 * training and scoring work on real image files.
 *
 * <p>Each split is written into a temporary sibling folder and renamed into place when complete, so a
 * split folder either holds every image or does not exist. An existing split folder is an error unless
 * {@code overwrite} is set.
 */
public final class IdxToPng {

  private static final Logger logger = LoggerFactory.getLogger(IdxToPng.class);

  /** MNIST class folder names: the digits. */
  public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  /** Fashion-MNIST class folder names, in label order (file-system safe spellings). */
  public static final List<String> FASHION_MNIST_CLASSES = List.of("tshirt_top", "trouser", "pullover", "dress",
      "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot");

  private IdxToPng() {}

  /** What a conversion wrote. */
  public record Result(Path splitDir, int images, int[] perClass) {
    @Override
    public int[] perClass() {
      return perClass.clone();
    }
  }

  /**
   * Converts one split.
   *
   * @param imagesIdx images file ({@code [n, rows, cols]} unsigned bytes), gzipped or raw
   * @param labelsIdx labels file ({@code [n]} unsigned bytes)
   * @param outRoot output root
   * @param split split folder name ({@code train}, {@code valid})
   * @param classNames folder name of each label value
   * @param overwrite replace an existing split folder
   */
  public static Result convert(Path imagesIdx, Path labelsIdx, Path outRoot, String split, List<String> classNames,
      boolean overwrite) {
    IdxFile images = IdxFile.read(imagesIdx);
    IdxFile labels = IdxFile.read(labelsIdx);
    int[] d = images.dims();
    if (d.length != 3) {
      throw new IllegalArgumentException(
          "Images IDX " + imagesIdx + " must have 3 dimensions [n, rows, cols]; got " + Arrays.toString(d));
    }
    if (labels.dims().length != 1) {
      throw new IllegalArgumentException(
          "Labels IDX " + labelsIdx + " must have 1 dimension [n]; got " + Arrays.toString(labels.dims()));
    }
    if (labels.count() != images.count()) {
      throw new IllegalArgumentException("Images IDX " + imagesIdx + " has " + images.count() + " images but labels IDX "
          + labelsIdx + " has " + labels.count() + " labels");
    }
    for (String c : classNames) {
      if (c.isBlank() || c.contains("/") || c.contains("\\") || c.startsWith(".")) {
        throw new IllegalArgumentException("Class folder name '" + c + "' is not a safe folder name");
      }
    }
    int n = images.count();
    int rows = d[1];
    int cols = d[2];
    Path splitDir = outRoot.resolve(split);
    try {
      Files.createDirectories(outRoot);
      if (Files.exists(splitDir) && !overwrite) {
        throw new IllegalArgumentException(
            "Output folder " + splitDir + " already exists; remove it or set overwrite=true");
      }
      Path tmp = outRoot.resolve("." + split + ".tmp-" + UUID.randomUUID());
      int[] perClass = new int[classNames.size()];
      try {
        Files.createDirectories(tmp);
        byte[] data = images.data();
        int px = rows * cols;
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < n; i++) {
          int label = labels.unsigned(i);
          if (label >= classNames.size()) {
            throw new IllegalArgumentException("Labels IDX " + labelsIdx + " item " + i + " has label " + label
                + " but only " + classNames.size() + " class names were given");
          }
          Path classDir = tmp.resolve(classNames.get(label));
          if (perClass[label] == 0) {
            Files.createDirectories(classDir); // only classes that occur get a folder
          }
          img.getRaster().setDataElements(0, 0, cols, rows, Arrays.copyOfRange(data, i * px, (i + 1) * px));
          ImageIO.write(img, "png", classDir.resolve(i + ".png").toFile());
          perClass[label]++;
        }
        if (Files.exists(splitDir)) {
          deleteTree(splitDir);
        }
        try {
          Files.move(tmp, splitDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, splitDir);
        }
      } finally {
        if (Files.exists(tmp)) {
          deleteTree(tmp);
        }
      }
      logger.info("Wrote {} {}x{} PNGs to {}", n, rows, cols, splitDir);
      return new Result(splitDir, n, perClass);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write PNG class folders under " + splitDir, e);
    }
  }

  /**
   * Converts a folder holding the four standard MNIST-style files ({@code train-images-idx3-ubyte},
   * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each
   * optionally {@code .gz}) to {@code <outRoot>/train} and {@code <outRoot>/valid} (the t10k files). This is
   * the entry the {@code sparkfast} command calls.
   *
   * @param classNames {@link #MNIST_CLASSES} or {@link #FASHION_MNIST_CLASSES}
   * @return [train, valid] results
   */
  public static List<Result> convertMnistFolder(Path idxDir, Path outRoot, List<String> classNames, boolean overwrite) {
    Path trainImages = find(idxDir, "train-images-idx3-ubyte");
    Path trainLabels = find(idxDir, "train-labels-idx1-ubyte");
    Path testImages = find(idxDir, "t10k-images-idx3-ubyte");
    Path testLabels = find(idxDir, "t10k-labels-idx1-ubyte");
    Result train = convert(trainImages, trainLabels, outRoot, "train", classNames, overwrite);
    Result valid = convert(testImages, testLabels, outRoot, "valid", classNames, overwrite);
    return List.of(train, valid);
  }

  private static Path find(Path dir, String base) {
    for (String candidate : new String[] {base, base + ".gz"}) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException("Missing IDX file " + base + "[.gz] in " + dir);
  }

  static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
