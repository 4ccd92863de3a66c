package io.sparkfast.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import io.sparkfast.common.data.ImageItem;
import io.sparkfast.common.data.ImageSource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The presize cache file: round trip, hits, and rebuilding a truncated, corrupt or stale file. */
class PresizeCacheTest {

  @TempDir Path dir;
  List<String> paths;
  int[] labels;
  final AtomicInteger presized = new AtomicInteger();
  final PresizeCache.Presizer presizer = f -> {
    presized.incrementAndGet();
    byte[] b = Files.readAllBytes(f);
    byte[] out = new byte[b.length + 1]; // a stand-in transform: the bytes plus their length
    System.arraycopy(b, 0, out, 0, b.length);
    out[b.length] = (byte) b.length;
    return out;
  };

  @BeforeEach
  void files() throws IOException {
    Random rnd = new Random(1);
    paths = new ArrayList<>();
    labels = new int[6];
    for (int i = 0; i < 6; i++) {
      byte[] b = new byte[20 + 7 * i];
      rnd.nextBytes(b);
      Path f = Files.write(Files.createDirectories(dir.resolve("src")).resolve("img" + i + ".bin"), b);
      paths.add(f.toString());
      labels[i] = i % 3;
    }
  }

  static byte[] bytes(ImageItem item) {
    ByteBuffer b = ((ImageSource.BufferSource) item.source()).bytes();
    byte[] out = new byte[b.remaining()];
    b.get(b.position(), out);
    return out;
  }

  void assertShard(PresizeCache.Shard shard) throws IOException {
    assertEquals(paths.size(), shard.items().size());
    for (int i = 0; i < paths.size(); i++) {
      ImageItem it = shard.items().get(i);
      assertEquals(paths.get(i), it.source().name());
      assertEquals(labels[i], it.label());
      assertArrayEquals(presizer.presize(Path.of(paths.get(i))), bytes(it), "bytes of image " + i);
    }
  }

  @Test
  void aSecondLoadReadsTheFileBackWithoutPresizing() throws IOException {
    PresizeCache cache = new PresizeCache(dir.resolve("cache"));
    PresizeCache.Shard first = cache.load("train-r0of2", paths, labels, presizer);
    assertEquals(PresizeCache.Outcome.MISS, first.outcome());
    assertEquals(6, presized.getAndSet(0));
    assertTrue(first.file().getFileName().toString().startsWith("train-r0of2-"), first.file().toString());

    PresizeCache.Shard again = cache.load("train-r0of2", paths, labels, presizer);
    assertEquals(PresizeCache.Outcome.HIT, again.outcome());
    assertEquals(0, presized.get(), "a hit presizes nothing");
    assertEquals(first.file(), again.file());
    assertShard(again);
    try (var files = Files.list(dir.resolve("cache"))) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }

    PresizeCache.delete(again);
    assertFalse(Files.exists(again.file()));
    assertEquals(paths.get(5), again.items().get(5).source().name(), "items stay readable after the delete");
    bytes(again.items().get(5));
  }

  @Test
  void smallSegmentsMapTheSameBytes() throws IOException {
    PresizeCache cache = new PresizeCache(dir.resolve("cache"), 50);
    cache.load("t", paths, labels, presizer);
    assertShard(cache.load("t", paths, labels, presizer));
  }

  @Test
  void aTruncatedFileIsRebuilt() throws IOException {
    PresizeCache cache = new PresizeCache(dir.resolve("cache"));
    Path file = cache.load("t", paths, labels, presizer).file();
    long size = Files.size(file);
    for (long cut : new long[] {size - 1, size - 9, size / 2, 3, 0}) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      presized.set(0);
      PresizeCache.Shard s = cache.load("t", paths, labels, presizer);
      assertEquals(PresizeCache.Outcome.REBUILT, s.outcome(), "cut at " + cut);
      assertEquals(6, presized.get());
      assertEquals(size, Files.size(file));
      assertShard(s);
    }
  }

  @Test
  void aFlippedByteOrTrailingBytesAreRebuilt() throws IOException {
    PresizeCache cache = new PresizeCache(dir.resolve("cache"));
    Path file = cache.load("t", paths, labels, presizer).file();
    byte[] good = Files.readAllBytes(file);
    byte[] bad = good.clone();
    bad[good.length / 2] ^= 0x10; // inside some image's bytes: only the checksum notices
    Files.write(file, bad);
    assertThrows(PresizeCache.CorruptCacheException.class, () -> cache.read(file, paths, labels));
    PresizeCache.Shard s = cache.load("t", paths, labels, presizer);
    assertEquals(PresizeCache.Outcome.REBUILT, s.outcome());
    assertShard(s);

    byte[] longer = Arrays.copyOf(good, good.length + 4);
    Files.write(file, longer);
    assertEquals(PresizeCache.Outcome.REBUILT, cache.load("t", paths, labels, presizer).outcome());
    assertArrayEquals(good, Files.readAllBytes(file));
  }

  @Test
  void aChangedImageOrLabelOrTagIsAnotherFile() throws IOException {
    PresizeCache cache = new PresizeCache(dir.resolve("cache"));
    Path file = cache.load("t", paths, labels, presizer).file();
    Path img = Path.of(paths.get(2));
    Files.setLastModifiedTime(img, FileTime.fromMillis(Files.getLastModifiedTime(img).toMillis() - 60_000));
    assertNotEquals(file, cache.fileFor("t", paths, labels));
    Files.write(img, new byte[] {1, 2, 3});
    PresizeCache.Shard changed = cache.load("t", paths, labels, presizer);
    assertEquals(PresizeCache.Outcome.MISS, changed.outcome());
    assertShard(changed);

    int[] relabelled = labels.clone();
    relabelled[0] = 2;
    assertNotEquals(changed.file(), cache.fileFor("t", paths, relabelled));
    assertNotEquals(changed.file(), cache.fileFor("u", paths, labels));
    // a file whose name matches but whose contents list other labels is not used
    assertThrows(PresizeCache.CorruptCacheException.class, () -> cache.read(changed.file(), paths, relabelled));
    assertThrows(IllegalArgumentException.class, () -> cache.fileFor("../x", paths, labels));
    IOException missing = assertThrows(IOException.class,
        () -> cache.load("t", List.of(dir.resolve("nope.png").toString()), new int[] {0}, presizer));
    assertTrue(missing.getMessage().contains("nope.png"), missing.getMessage());
  }

  @Test
  void cachedPngsDecode() throws IOException {
    Path png = dir.resolve("a.png");
    BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
    img.setRGB(1, 1, 0xff0000);
    ImageIO.write(img, "png", png.toFile());
    PresizeCache cache = new PresizeCache(dir.resolve("cache"));
    PresizeCache.Shard s = cache.load("png", List.of(png.toString()), new int[] {0}, Files::readAllBytes);
    Image decoded = s.items().get(0).source().decode();
    assertEquals(5, decoded.getWidth());
    assertEquals(4, decoded.getHeight());
  }
}
