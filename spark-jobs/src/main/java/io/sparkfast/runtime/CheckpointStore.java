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
 * clusters). {@link #put} uploads under a temporary name and renames, keeping the previous checkpoint under a
 * backup name until the new one is in place, so readers see the previous complete checkpoint or the new one, never
 * half of one and never none.
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

  /**
   * Uploads {@code local} as {@code name}, replacing the previous one so that a reader, or a writer that dies at
   * any point, always leaves a complete checkpoint: the upload goes to a temporary name; the previous checkpoint is
   * renamed to a backup name (which {@link #get} falls back to), the upload renamed into place, and only then the
   * backup deleted. (Hadoop's rename does not replace an existing file on HDFS, hence no rename-over.)
   */
  public void put(java.nio.file.Path local, String name) {
    Path tmp = null;
    FileSystem fs = null;
    try {
      fs = fs();
      Path target = new Path(dir, name);
      Path backup = backup(name);
      tmp = new Path(dir, "." + name + ".tmp-" + java.util.UUID.randomUUID());
      fs.copyFromLocalFile(false, true, new Path(local.toUri()), tmp);
      if (fs.exists(target)) {
        fs.delete(backup, false); // from an earlier put that died after its rename; the target is complete
        if (!fs.rename(target, backup)) {
          throw new IOException("cannot rename " + target + " to " + backup);
        }
      } // else a backup left by a put that died between its renames is the latest complete checkpoint: keep it
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
      tmp = null;
      fs.delete(backup, false);
      logger.info("Checkpoint {} stored in {}", name, dir);
    } catch (IOException e) {
      if (tmp != null && fs != null) {
        try {
          fs.delete(tmp, false);
        } catch (IOException | RuntimeException ignored) {
          logger.debug("cannot delete {}", tmp, ignored);
        }
      }
      throw new UncheckedIOException("cannot store checkpoint " + name + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  private Path backup(String name) {
    return new Path(dir, "." + name + ".previous");
  }

  /**
   * Downloads {@code name} to {@code local} when it exists (or, when a writer died while replacing it, the
   * complete previous version); returns whether it did.
   */
  public boolean get(String name, java.nio.file.Path local) {
    try {
      FileSystem fs = fs();
      Path src = new Path(dir, name);
      if (!fs.exists(src)) {
        src = backup(name);
        if (!fs.exists(src)) {
          return false;
        }
        logger.warn("Checkpoint {} in {} was being replaced when its writer stopped; using the previous one", name,
            dir);
      }
      Files.createDirectories(local.toAbsolutePath().getParent());
      fs.copyToLocalFile(false, src, new Path(local.toUri()), true);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + name + " from " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the folder with its checkpoints. */
  public void delete() {
    try {
      fs().delete(new Path(dir), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the checkpoint folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the folder when it holds nothing (a run that failed before its first checkpoint); false when it holds
   * something, which stays. A failure to delete is logged, not thrown: this runs while another error is reported.
   */
  public boolean deleteIfEmpty() {
    try {
      FileSystem fs = fs();
      Path d = new Path(dir);
      if (fs.exists(d)) {
        if (fs.listStatus(d).length > 0) {
          return false;
        }
        fs.delete(d, false);
      }
    } catch (IOException | RuntimeException e) {
      logger.warn("Could not remove the empty checkpoint folder {}: {}", dir, e.toString());
    }
    return true;
  }

  /** Whether {@code name} exists. */
  public boolean exists(String name) {
    try {
      FileSystem fs = fs();
      return fs.exists(new Path(dir, name)) || fs.exists(backup(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
