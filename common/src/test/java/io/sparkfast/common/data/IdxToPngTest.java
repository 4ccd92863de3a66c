package io.sparkfast.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxToPngTest {

  static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.writeInt(magic);
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(data);
    return bos.toByteArray();
  }

  static Path write(Path file, byte[] bytes, boolean gzip) throws IOException {
    try (OutputStream os = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      os.write(bytes);
    }
    return file;
  }

  /** 5 images of 3x2 pixels; pixel value = 10*image + position; labels 0,1,2,1,0. */
  static void writeTinyMnist(Path dir, boolean gzip) throws IOException {
    byte[] pixels = new byte[5 * 6];
    for (int i = 0; i < 5; i++) {
      for (int p = 0; p < 6; p++) {
        pixels[i * 6 + p] = (byte) (10 * i + p);
      }
    }
    String gz = gzip ? ".gz" : "";
    write(dir.resolve("train-images-idx3-ubyte" + gz), idx(IdxFile.MAGIC_IMAGES, new int[] {5, 3, 2}, pixels), gzip);
    write(dir.resolve("train-labels-idx1-ubyte" + gz), idx(IdxFile.MAGIC_LABELS, new int[] {5}, new byte[] {0, 1, 2, 1, 0}), gzip);
    write(dir.resolve("t10k-images-idx3-ubyte" + gz), idx(IdxFile.MAGIC_IMAGES, new int[] {2, 3, 2}, new byte[12]), gzip);
    write(dir.resolve("t10k-labels-idx1-ubyte" + gz), idx(IdxFile.MAGIC_LABELS, new int[] {2}, new byte[] {2, 2}), gzip);
  }

  @Test
  void readsRawAndGzippedIdx(@TempDir Path tmp) throws IOException {
    byte[] bytes = idx(IdxFile.MAGIC_IMAGES, new int[] {2, 2, 2}, new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) 200});
    IdxFile raw = IdxFile.read(write(tmp.resolve("a.idx"), bytes, false));
    IdxFile gz = IdxFile.read(write(tmp.resolve("a.idx.gz"), bytes, true));
    assertArrayEquals(new int[] {2, 2, 2}, raw.dims());
    assertEquals(raw, gz);
    assertEquals(200, raw.unsigned(7));
  }

  @Test
  void rejectsBadMagicTypeAndTruncation(@TempDir Path tmp) throws IOException {
    Path png = write(tmp.resolve("not.idx"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0}, false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(png));
    assertTrue(e.getMessage().contains("bad magic number 0x89504E47") && e.getMessage().contains("not.idx"), e.getMessage());

    Path ints = write(tmp.resolve("int.idx"), idx(0x00000C01, new int[] {1}, new byte[4]), false);
    e = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(ints));
    assertTrue(e.getMessage().contains("element type 0x0C"), e.getMessage());

    Path shortFile = write(tmp.resolve("short.idx"), idx(IdxFile.MAGIC_LABELS, new int[] {10}, new byte[3]), false);
    e = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(shortFile));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());

    assertThrows(IllegalArgumentException.class, () -> IdxFile.read(tmp.resolve("missing.idx")));
  }

  @Test
  void convertsToClassFoldersWithExactPixels(@TempDir Path tmp) throws IOException {
    Path idxDir = Files.createDirectories(tmp.resolve("idx"));
    writeTinyMnist(idxDir, true);
    Path out = tmp.resolve("png");
    List<IdxToPng.Result> results = IdxToPng.convertMnistFolder(idxDir, out, List.of("zero", "one", "two"), false);
    assertEquals(5, results.get(0).images());
    assertArrayEquals(new int[] {2, 2, 1}, results.get(0).perClass());
    assertArrayEquals(new int[] {0, 0, 2}, results.get(1).perClass());
    assertTrue(Files.isRegularFile(out.resolve("train/zero/0.png")));
    assertTrue(Files.isRegularFile(out.resolve("train/zero/4.png")));
    assertTrue(Files.isRegularFile(out.resolve("train/one/1.png")));
    assertTrue(Files.isRegularFile(out.resolve("train/one/3.png")));
    assertTrue(Files.isRegularFile(out.resolve("train/two/2.png")));
    assertTrue(Files.isRegularFile(out.resolve("valid/two/1.png")));
    try (Stream<Path> s = Files.list(out)) {
      assertEquals(List.of("train", "valid"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no temp folders left");
    }
    BufferedImage img = ImageIO.read(out.resolve("train/one/3.png").toFile());
    assertEquals(2, img.getWidth());
    assertEquals(3, img.getHeight());
    assertEquals(30, img.getRaster().getSample(0, 0, 0));
    assertEquals(35, img.getRaster().getSample(1, 2, 0));
    // the converted tree is a valid split-folder dataset
    ImageSplits splits = ImageFolders.fromSplitFolders(out, "train", "valid");
    assertEquals(List.of("one", "two", "zero"), splits.vocab().labels());
    assertEquals(5, splits.train().size());
  }

  @Test
  void refusesToOverwriteUnlessAsked(@TempDir Path tmp) throws IOException {
    Path idxDir = Files.createDirectories(tmp.resolve("idx"));
    writeTinyMnist(idxDir, false);
    Path out = tmp.resolve("png");
    IdxToPng.convertMnistFolder(idxDir, out, List.of("a", "b", "c"), false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IdxToPng.convertMnistFolder(idxDir, out, List.of("a", "b", "c"), false));
    assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("overwrite"), e.getMessage());
    IdxToPng.convertMnistFolder(idxDir, out, List.of("a", "b", "c"), true);
    assertTrue(Files.isRegularFile(out.resolve("train/a/0.png")));
    // too few class names: error, and no partial split folder appears
    Path out2 = tmp.resolve("png2");
    assertThrows(IllegalArgumentException.class,
        () -> IdxToPng.convertMnistFolder(idxDir, out2, List.of("a", "b"), false));
    assertFalse(Files.exists(out2.resolve("train")));
  }
}
