package io.sparkfast.runtime.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a job's output directory appear atomically, on any Hadoop file system (local, HDFS, S3A).
 *
 * <p>The job writes everything under {@link #workDir()}, a hidden sibling of the final directory. {@link #commit()}
 * writes {@code _SUCCESS}, moves any previous result aside, renames the new one into place and deletes the old one,
 * so a re-run with the same output replaces it cleanly. {@link #abort()} deletes the work directory and leaves any
 * previous result untouched. Readers that wait for {@code _SUCCESS} never see a half-written result.
 */
public final class OutputCommitter implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(OutputCommitter.class);

  private final FileSystem fs;
  private final Path target;
  private final Path work;
  private boolean committed;
  private java.nio.file.Path localStage;

  private OutputCommitter(FileSystem fs, Path target, Path work) {
    this.fs = fs;
    this.target = target;
    this.work = work;
  }

  /** Opens a committer for the final directory {@code out}; creates the work directory. */
  public static OutputCommitter open(String out, Configuration hadoopConf) throws IOException {
    Path target = new Path(out);
    FileSystem fs = target.getFileSystem(hadoopConf);
    target = fs.makeQualified(target);
    if (fs.exists(target) && fs.getFileStatus(target).isFile()) {
      throw new IllegalArgumentException("--out " + out + " is an existing file; give a directory path");
    }
    Path parent = target.getParent();
    if (parent == null) {
      throw new IllegalArgumentException("--out " + out + " is the root directory; give a directory below it");
    }
    Path work = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
    try {
      if (!fs.exists(parent) && !fs.mkdirs(parent)) {
        throw new IllegalArgumentException("--out " + out + " is not writable: cannot create its parent " + parent);
      }
      if (!fs.mkdirs(work)) {
        throw new IllegalArgumentException("--out " + out + " is not writable: cannot create the work directory "
            + work + " (check permissions on " + parent + ")");
      }
    } catch (org.apache.hadoop.fs.ParentNotDirectoryException | org.apache.hadoop.fs.FileAlreadyExistsException
        | org.apache.hadoop.security.AccessControlException | java.nio.file.AccessDeniedException e) {
      // where --out points can never hold the output: bad input, not a failure a retry could fix
      throw new IllegalArgumentException("--out " + out + " is not writable: " + e.getMessage(), e);
    }
    return new OutputCommitter(fs, target, work);
  }

  /** Where the job writes its outputs until {@link #commit()}. */
  public Path workDir() {
    return work;
  }

  /** The file system of the output directory. */
  public FileSystem fileSystem() {
    return fs;
  }

  /**
   * The local staging folder of {@link #localWorkDir()} when the output is not on the local file system and it has
   * been used; null otherwise. Its files join the work directory at {@link #commit()}.
   */
  public java.nio.file.Path localStageDir() {
    return localStage;
  }

  /** A path inside the work directory. */
  public String path(String relative) {
    return new Path(work, relative).toString();
  }

  /** Writes a small text file (JSON, CSV) inside the work directory. */
  public void writeText(String relative, String text) throws IOException {
    try (OutputStream os = fs.create(new Path(work, relative), true)) {
      os.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Writes a small binary file (a PNG) inside the work directory. */
  public void writeBytes(String relative, byte[] bytes) throws IOException {
    try (OutputStream os = fs.create(new Path(work, relative), true)) {
      os.write(bytes);
    }
  }

  /**
   * A local directory for outputs written with {@code java.nio} (models, checkpoints, plots). On the local file
   * system it is the work directory itself; on any other file system (HDFS, S3A) it is a local staging folder
   * whose contents {@link #commit()} uploads into the work directory first.
   */
  public java.nio.file.Path localWorkDir() throws IOException {
    if (fs instanceof org.apache.hadoop.fs.LocalFileSystem || "file".equals(fs.getUri().getScheme())) {
      return java.nio.file.Path.of(work.toUri());
    }
    if (localStage == null) {
      localStage = java.nio.file.Files.createTempDirectory("sparkfast-out-");
    }
    return localStage;
  }

  /** Writes {@code _SUCCESS} and swaps the work directory into place, replacing any previous result. */
  public void commit() throws IOException {
    if (localStage != null) {
      try (java.util.stream.Stream<java.nio.file.Path> children = java.nio.file.Files.list(localStage)) {
        for (java.nio.file.Path child : children.toList()) {
          fs.copyFromLocalFile(false, true, new Path(child.toUri()), new Path(work, child.getFileName().toString()));
        }
      }
    }
    fs.create(new Path(work, "_SUCCESS"), true).close();
    Path old = null;
    if (fs.exists(target)) {
      old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
      if (!fs.rename(target, old)) {
        throw new IOException("cannot move the previous result " + target + " aside");
      }
    }
    if (!fs.rename(work, target)) {
      if (old != null && !fs.rename(old, target)) {
        throw new IOException("cannot rename " + work + " to " + target + ", nor move the previous result back:"
            + " it is kept in " + old + " and the new one in " + work);
      }
      throw new IOException("cannot rename " + work + " to " + target);
    }
    committed = true;
    deleteLocalStage();
    if (old != null && !fs.delete(old, true)) {
      logger.warn("Could not delete the previous result moved to {}", old);
    }
    logger.info("Committed output {}", target);
  }

  /** Deletes the work directory; a previous result stays as it was. */
  public void abort() {
    deleteLocalStage();
    try {
      if (fs.exists(work)) {
        fs.delete(work, true);
      }
    } catch (IOException e) {
      logger.warn("Could not delete the work directory {}: {}", work, e.toString());
    }
  }

  private void deleteLocalStage() {
    if (localStage != null) {
      try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(localStage)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        logger.warn("Could not delete the local staging folder {}: {}", localStage, e.toString());
      }
      localStage = null;
    }
  }

  /** Aborts unless committed. */
  @Override
  public void close() {
    if (!committed) {
      abort();
    }
  }
}
