package io.sparkfast.common.data;

import ai.djl.modality.cv.Image;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an image's encoded bytes come from: a file, bytes already in memory (Spark's {@code binaryFile}
 * source hands over {@code byte[]} with the file's path), or a buffer such as a slice of a memory-mapped cache
 * file. {@link #name()} identifies the image in error
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

  /**
   * Encoded image bytes in a buffer identified by {@code name}: a slice of a memory-mapped file keeps them off the
   * Java heap until decoded. The buffer is not copied and its position is never moved (treat it as read-only).
   */
  static ImageSource of(String name, ByteBuffer bytes) {
    return new BufferSource(name, bytes);
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

  /** Encoded image bytes in a (typically memory-mapped) buffer, copied to the heap only while decoding. */
  record BufferSource(String name, ByteBuffer bytes) implements ImageSource {
    public BufferSource {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(bytes, "bytes of " + name);
    }

    @Override
    public Image decode() {
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(bytes.position(), copy); // absolute: safe when several threads decode the same buffer
      return ImageDecoder.decode(copy, name);
    }

    @Override
    public String toString() {
      return "BufferSource[" + name + ", " + bytes.remaining() + " bytes]";
    }
  }
}
