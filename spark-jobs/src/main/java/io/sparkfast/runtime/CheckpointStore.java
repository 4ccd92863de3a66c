package io.sparkfast.runtime;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint files on shared storage (any Hadoop file system: the local file system in tests, HDFS or S3A on
 * clusters). {@link #put} uploads under a temporary name and renames, so readers see the previous complete
 * checkpoint or the new one, never half of one.
 */
public final class CheckpointStore implements Serializable {

  private static final Logger logger = LoggerFactory.getLogger(CheckpointStore.class);

  private final String dir;

  /** A store in {@code dir}. */
  public CheckpointStore(String dir) {
    this.dir = dir;
  }

  /** The folder. */
  public String dir() {
    return dir;
  }

  private FileSystem fs() throws IOException {
    return new Path(dir).getFileSystem(new Configuration());
  }

  /**
   * Creates the folder and checks it is writable (a probe file), so a permission problem fails before training.
   *
   * @throws IllegalArgumentException naming the folder and the reason
   */
  public void checkWritable() {
    try {
      FileSystem fs = fs();
      Path d = new Path(dir);
      fs.mkdirs(d);
      Path probe = new Path(d, ".probe-" + java.util.UUID.randomUUID());
      fs.create(probe, true).close();
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("checkpoint folder " + dir + " is not writable: " + e.getMessage(), e);
    }
  }

  /** Uploads {@code local} as {@code name}, atomically replacing the previous one. */
  public void put(java.nio.file.Path local, String name) {
    try {
      FileSystem fs = fs();
      Path target = new Path(dir, name);
      Path tmp = new Path(dir, "." + name + ".tmp-" + java.util.UUID.randomUUID());
      fs.copyFromLocalFile(false, true, new Path(local.toUri()), tmp);
      fs.delete(target, false);
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
      logger.info("Checkpoint {} stored in {}", name, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store checkpoint " + name + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Downloads {@code name} to {@code local} when it exists; returns whether it did. */
  public boolean get(String name, java.nio.file.Path local) {
    try {
      FileSystem fs = fs();
      Path src = new Path(dir, name);
      if (!fs.exists(src)) {
        return false;
      }
      Files.createDirectories(local.toAbsolutePath().getParent());
      fs.copyToLocalFile(false, src, new Path(local.toUri()), true);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + name + " from " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code name} exists. */
  public boolean exists(String name) {
    try {
      return fs().exists(new Path(dir, name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
