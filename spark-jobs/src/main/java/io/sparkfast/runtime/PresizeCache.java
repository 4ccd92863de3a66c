package io.sparkfast.runtime;

import io.sparkfast.common.data.ImageItem;
import io.sparkfast.common.data.ImageSource;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's presized images in one file on the executor's local disk, so that a retried stage on the same
 * executor neither reads nor decodes the original images again, and the images stay off the Java heap.
 *
 * <p>The file is named after a hash of everything its contents depend on: every image's path, size, modification
 * time and label, the presize, and a tag (split, rank, replicas, seed). It is written under a temporary name and
 * renamed, then read back through a memory map: each {@link ImageItem} holds a slice of the map, copied to the
 * heap only while its image is decoded. A file is checked before use (its length, item count, names, labels and a
 * CRC-32 of its contents); a truncated, corrupt or stale one is rebuilt, never used.
 *
 * <p>Layout: {@code "SPARKFAST-PRESIZED"} (modified UTF-8), version, key, count; per image its label, name, length
 * and encoded bytes; then the count again and the CRC-32 of everything before it.
 */
public final class PresizeCache {

  private static final Logger logger = LoggerFactory.getLogger(PresizeCache.class);
  private static final String MAGIC = "SPARKFAST-PRESIZED";
  private static final int VERSION = 1;
  private static final long SEGMENT_BYTES = 1L << 30;

  /** How a shard was obtained. */
  public enum Outcome {
    /** read from an existing cache file */
    HIT,
    /** presized from the original images (no cache file yet) */
    MISS,
    /** presized again because the cache file was truncated, corrupt or stale */
    REBUILT
  }

  /** Turns one original image file into its presized encoded bytes. */
  @FunctionalInterface
  public interface Presizer {
    /** The presized bytes of {@code file}. */
    byte[] presize(Path file) throws IOException;
  }

  /** A loaded shard: its items (bytes in the memory-mapped file), how it was obtained, and the file. */
  public record Shard(List<ImageItem> items, Outcome outcome, Path file) {
    /** Copies the items. */
    public Shard {
      items = List.copyOf(items);
    }
  }

  private final Path dir;
  private final long segmentBytes;

  /** A cache in the local folder {@code dir} (created on first write). */
  public PresizeCache(Path dir) {
    this(dir, SEGMENT_BYTES);
  }

  /** A cache mapping its files in segments of at most {@code segmentBytes} (tests use small ones). */
  PresizeCache(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /**
   * The cache of this executor: {@code configured} when non-null, else a folder in the first of the executor's
   * Spark local directories (under {@code spark.local.dir}, or what the cluster manager sets), which Spark deletes
   * when the executor stops; {@code java.io.tmpdir} outside Spark.
   */
  public static PresizeCache onExecutor(String configured) {
    if (configured != null) {
      return new PresizeCache(Path.of(configured));
    }
    SparkEnv env = SparkEnv.get();
    if (env != null && env.blockManager() != null) {
      File[] local = env.blockManager().diskBlockManager().localDirs();
      if (local.length > 0) {
        return new PresizeCache(local[0].toPath().resolve("sparkfast-presize"));
      }
    }
    return new PresizeCache(Path.of(System.getProperty("java.io.tmpdir"), "sparkfast-presize"));
  }

  /** The folder. */
  public Path dir() {
    return dir;
  }

  /**
   * The cache file for {@code paths} with {@code labels}, presized by {@code presize} under {@code tag}: a name
   * that changes when any image file changes (size or modification time), is added, removed or relabelled.
   *
   * @param tag what else the contents depend on and a readable prefix, e.g. {@code train-r0of2-p28-s42}
   * @throws IOException naming an image that cannot be read
   */
  public Path fileFor(String tag, List<String> paths, int[] labels) throws IOException {
    if (!tag.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("cache tag must be a plain file name part; got '" + tag + "'");
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    update(sha, MAGIC + "/" + VERSION + "/" + tag + "/" + paths.size());
    for (int i = 0; i < paths.size(); i++) {
      Path p = Path.of(paths.get(i));
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class);
      } catch (IOException e) {
        throw new IOException("cannot read image " + p + ": " + e.getMessage(), e);
      }
      update(sha, "\n" + paths.get(i) + "\t" + a.size() + "\t" + a.lastModifiedTime().toMillis() + "\t" + labels[i]);
    }
    return dir.resolve(tag + "-" + HexFormat.of().formatHex(sha.digest(), 0, 16) + ".presized");
  }

  private static void update(MessageDigest sha, String s) {
    sha.update(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The presized shard: read from its cache file when that file is intact, otherwise presized with
   * {@code presizer} (each original image read and decoded once), written to the cache, and read back.
   *
   * @param tag see {@link #fileFor}
   * @throws IOException when an image cannot be read or the cache folder cannot be written
   */
  public Shard load(String tag, List<String> paths, int[] labels, Presizer presizer) throws IOException {
    if (paths.size() != labels.length) {
      throw new IllegalArgumentException(paths.size() + " paths but " + labels.length + " labels");
    }
    Path file = fileFor(tag, paths, labels);
    Outcome outcome = Outcome.MISS;
    if (Files.isRegularFile(file)) {
      try {
        List<ImageItem> items = read(file, paths, labels);
        logger.info("presize cache hit: {}, {} images", file, items.size());
        return new Shard(items, Outcome.HIT, file);
      } catch (CorruptCacheException e) {
        logger.warn("presize cache {} is unusable ({}); rebuilding it", file, e.getMessage());
        Files.deleteIfExists(file);
        outcome = Outcome.REBUILT;
      }
    }
    write(file, paths, labels, presizer);
    List<ImageItem> items;
    try {
      items = read(file, paths, labels);
    } catch (CorruptCacheException e) {
      throw new IOException("presize cache " + file + " is unreadable right after writing it: " + e.getMessage(), e);
    }
    logger.info("presize cache {}: wrote {}, {} images, {} bytes", outcome == Outcome.MISS ? "miss" : "rebuilt",
        file, items.size(), Files.size(file));
    return new Shard(items, outcome, file);
  }

  /** Deletes {@code shard}'s file (its items stay readable while mapped); logs instead of failing. */
  public static void delete(Shard shard) {
    try {
      Files.deleteIfExists(shard.file());
    } catch (IOException e) {
      logger.warn("Cannot delete presize cache {}: {}", shard.file(), e.getMessage());
    }
  }

  /** Presizes every image in order into a temporary file, then renames it to {@code file}. */
  private void write(Path file, List<String> paths, int[] labels, Presizer presizer) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      CRC32 crc = new CRC32();
      try (OutputStream os = Files.newOutputStream(tmp);
          DataOutputStream out = new DataOutputStream(
              new CheckedOutputStream(new BufferedOutputStream(os, 1 << 16), crc))) {
        out.writeUTF(MAGIC);
        out.writeInt(VERSION);
        out.writeUTF(file.getFileName().toString());
        out.writeInt(paths.size());
        for (int i = 0; i < paths.size(); i++) {
          byte[] bytes = presizer.presize(Path.of(paths.get(i)));
          out.writeInt(labels[i]);
          out.writeUTF(paths.get(i));
          out.writeInt(bytes.length);
          out.write(bytes);
        }
        out.writeInt(paths.size());
        out.writeLong(crc.getValue()); // the CRC of everything before it (written last, so not part of it)
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Checks {@code file} from start to end and maps it: its items in order, each holding a slice of the map.
   *
   * @throws CorruptCacheException when the file is truncated, has trailing bytes, fails its checksum, or holds
   *     other images or labels than {@code paths} and {@code labels}
   */
  List<ImageItem> read(Path file, List<String> paths, int[] labels) throws IOException {
    long[] offsets = new long[paths.size()];
    int[] lengths = new int[paths.size()];
    long size = Files.size(file);
    try (InputStream is = Files.newInputStream(file);
        Counting counting = new Counting(new BufferedInputStream(is, 1 << 16));
        DataInputStream in = new DataInputStream(counting)) {
      if (!MAGIC.equals(in.readUTF()) || in.readInt() != VERSION) {
        throw new CorruptCacheException("not a presize cache file of version " + VERSION);
      }
      if (!file.getFileName().toString().equals(in.readUTF())) {
        throw new CorruptCacheException("written for another key");
      }
      int n = in.readInt();
      if (n != paths.size()) {
        throw new CorruptCacheException("holds " + n + " images; expected " + paths.size());
      }
      byte[] buf = new byte[1 << 16];
      for (int i = 0; i < n; i++) {
        int label = in.readInt();
        String name = in.readUTF();
        int len = in.readInt();
        if (len < 0 || len > size - counting.position()) {
          throw new CorruptCacheException("image " + i + " claims " + len + " bytes; the file is " + size);
        }
        if (label != labels[i] || !name.equals(paths.get(i))) {
          throw new CorruptCacheException("image " + i + " is " + name + " (label " + label + ", " + len
              + " bytes); expected " + paths.get(i) + " (label " + labels[i] + ")");
        }
        offsets[i] = counting.position();
        lengths[i] = len;
        if (len > buf.length) {
          buf = new byte[len];
        }
        in.readFully(buf, 0, len);
      }
      if (in.readInt() != n) {
        throw new CorruptCacheException("trailer count differs");
      }
      long expected = counting.crc();
      if (in.readLong() != expected) {
        throw new CorruptCacheException("checksum mismatch");
      }
      if (counting.position() != size) {
        throw new CorruptCacheException((size - counting.position()) + " trailing bytes");
      }
    } catch (EOFException e) {
      throw new CorruptCacheException("truncated (" + size + " bytes)");
    } catch (UTFDataFormatException e) {
      throw new CorruptCacheException("malformed name: " + e.getMessage());
    }
    return map(file, paths, labels, offsets, lengths);
  }

  /** Maps the images' byte ranges in segments of at most {@link #segmentBytes} and slices one per item. */
  private List<ImageItem> map(Path file, List<String> paths, int[] labels, long[] offsets, int[] lengths)
      throws IOException {
    List<ImageItem> items = new ArrayList<>(paths.size());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      int i = 0;
      while (i < paths.size()) {
        long start = offsets[i];
        int j = i;
        while (j < paths.size() && (j == i || offsets[j] + lengths[j] - start <= segmentBytes)) {
          j++;
        }
        long end = offsets[j - 1] + lengths[j - 1];
        MappedByteBuffer seg = ch.map(FileChannel.MapMode.READ_ONLY, start, end - start);
        for (int k = i; k < j; k++) {
          ByteBuffer slice = seg.slice((int) (offsets[k] - start), lengths[k]).asReadOnlyBuffer();
          items.add(ImageItem.of(ImageSource.of(paths.get(k), slice), labels[k]));
        }
        i = j;
      }
    }
    return items;
  }

  /** A cache file that must not be used; it is rebuilt. */
  static final class CorruptCacheException extends IOException {
    CorruptCacheException(String message) {
      super(message);
    }
  }

  /** Counts the bytes read and their CRC-32 (skips read through, so they count too). */
  private static final class Counting extends FilterInputStream {
    private final CRC32 crc = new CRC32();
    private long position;

    Counting(InputStream in) {
      super(in);
    }

    long position() {
      return position;
    }

    /** The CRC of every byte read so far. */
    long crc() {
      return crc.getValue();
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        crc.update(b);
        position++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int r = super.read(b, off, len);
      if (r > 0) {
        crc.update(b, off, r);
        position += r;
      }
      return r;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] b = new byte[(int) Math.min(n, 8192)];
      int r = read(b, 0, b.length);
      return Math.max(r, 0);
    }
  }
}
