package io.sparkfast.common.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST / Fashion-MNIST format): a magic number {@code 0x0000TTDD} (TT = element type,
 * DD = number of dimensions), big-endian int32 dimension sizes, then the data. Only unsigned-byte data
 * (type {@code 0x08}, used by all MNIST-style image and label files) is supported. Files may be gzipped.
 *
 * @param dims dimension sizes, e.g. {60000, 28, 28} for images, {60000} for labels
 * @param data the elements, row-major, as unsigned bytes
 */
public record IdxFile(int[] dims, byte[] data) {

  /** Magic number of an MNIST-style image file (ubyte, 3 dimensions). */
  public static final int MAGIC_IMAGES = 0x00000803;
  /** Magic number of an MNIST-style label file (ubyte, 1 dimension). */
  public static final int MAGIC_LABELS = 0x00000801;

  public IdxFile {
    dims = dims.clone();
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "IDX dimensions " + Arrays.toString(dims) + " need " + n + " elements; got " + data.length);
    }
  }

  @Override
  public int[] dims() {
    return dims.clone();
  }

  /** Number of items (the first dimension). */
  public int count() {
    return dims[0];
  }

  /** Unsigned value of element {@code i}. */
  public int unsigned(int i) {
    return data[i] & 0xFF;
  }

  /**
   * Reads an IDX file, gzipped (detected by its 0x1f8b header) or raw.
   *
   * @throws IllegalArgumentException naming the file when the magic number, element type or size is wrong
   */
  public static IdxFile read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("IDX file not found: " + file);
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw) : raw;
      return read(in, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads an uncompressed IDX stream.
   *
   * @param name the file name for error messages
   */
  public static IdxFile read(InputStream stream, String name) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new IllegalArgumentException("IDX file " + name + " is empty or shorter than its 4-byte magic number");
    }
    if ((magic >>> 16) != 0) {
      throw new IllegalArgumentException(String.format(
          "IDX file %s has bad magic number 0x%08X: the first two bytes must be zero (expected 0x%08X for images"
              + " or 0x%08X for labels); is it an IDX file?", name, magic, MAGIC_IMAGES, MAGIC_LABELS));
    }
    int type = (magic >>> 8) & 0xFF;
    int ndims = magic & 0xFF;
    if (type != 0x08) {
      throw new IllegalArgumentException(String.format(
          "IDX file %s has element type 0x%02X; only unsigned bytes (0x08, MNIST images and labels) are supported",
          name, type));
    }
    if (ndims < 1 || ndims > 4) {
      throw new IllegalArgumentException("IDX file " + name + " declares " + ndims + " dimensions; expected 1 to 4");
    }
    int[] dims = new int[ndims];
    long n = 1;
    for (int i = 0; i < ndims; i++) {
      dims[i] = in.readInt();
      if (dims[i] < 0) {
        throw new IllegalArgumentException("IDX file " + name + " has negative dimension " + dims[i]);
      }
      n *= dims[i];
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("IDX file " + name + " is too large: " + n + " elements");
    }
    byte[] data = new byte[(int) n];
    try {
      in.readFully(data);
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          "IDX file " + name + " is truncated: dimensions " + Arrays.toString(dims) + " need " + n
              + " data bytes");
    }
    if (in.read() != -1) {
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      in.transferTo(rest);
      throw new IllegalArgumentException(
          "IDX file " + name + " has " + (rest.size() + 1) + " bytes after the data its header declares "
              + Arrays.toString(dims));
    }
    return new IdxFile(dims, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdxFile f && Arrays.equals(f.dims, dims) && Arrays.equals(f.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(dims) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "IdxFile" + Arrays.toString(dims);
  }
}
