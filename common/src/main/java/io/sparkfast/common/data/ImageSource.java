package io.sparkfast.common.data;

import ai.djl.modality.cv.Image;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an image's encoded bytes come from: a file, or bytes already in memory (Spark's {@code binaryFile}
 * source hands over {@code byte[]} with the file's path). {@link #name()} identifies the image in error
 * messages and reports.
 */
public sealed interface ImageSource {

  /** A name identifying this image (its path). */
  String name();

  /**
   * Decodes the image.
   *
   * @throws ImageDecodeException naming {@link #name()} when the image cannot be read or decoded
   */
  Image decode();

  /** An image file. */
  static ImageSource of(Path path) {
    return new FileSource(path);
  }

  /** Encoded image bytes (PNG, JPEG, BMP, GIF) identified by {@code name}. */
  static ImageSource of(String name, byte[] bytes) {
    return new BytesSource(name, bytes);
  }

  /** An image file. */
  record FileSource(Path path) implements ImageSource {
    public FileSource {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public String name() {
      return path.toString();
    }

    @Override
    public Image decode() {
      return ImageDecoder.decode(path);
    }
  }

  /** Encoded image bytes held in memory; the array is not copied (treat it as read-only). */
  record BytesSource(String name, byte[] bytes) implements ImageSource {
    public BytesSource {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(bytes, "bytes of " + name);
    }

    @Override
    public Image decode() {
      return ImageDecoder.decode(bytes, name);
    }

    @Override
    public String toString() {
      return "BytesSource[" + name + ", " + bytes.length + " bytes]";
    }
  }
}
