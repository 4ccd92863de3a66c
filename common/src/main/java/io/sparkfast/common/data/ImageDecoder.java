package io.sparkfast.common.data;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes images with DJL's {@link ImageFactory} from files or bytes, and converts them to HWC float32
 * arrays in [0, 1] with the channel count the model wants (grayscale is replicated to 3 channels for RGB
 * models; colour is converted to luma for 1-channel models).
 */
public final class ImageDecoder {

  private ImageDecoder() {}

  /**
   * Decodes an image file.
   *
   * @throws ImageDecodeException naming the file when it is missing, unreadable or not a decodable image
   */
  public static Image decode(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new ImageDecodeException(path.toString(), "file not found", null);
    }
    try (InputStream in = Files.newInputStream(path)) {
      return fromStream(in, path.toString());
    } catch (IOException e) {
      throw new ImageDecodeException(path.toString(), String.valueOf(e.getMessage()), e);
    }
  }

  /**
   * Decodes encoded image bytes.
   *
   * @param bytes PNG, JPEG, BMP or GIF bytes
   * @param name the image's name for error messages (its path in the source data)
   * @throws ImageDecodeException naming {@code name} when the bytes are empty or not a decodable image
   */
  public static Image decode(byte[] bytes, String name) {
    if (bytes == null || bytes.length == 0) {
      throw new ImageDecodeException(name, "no bytes (empty file)", null);
    }
    try {
      return fromStream(new ByteArrayInputStream(bytes), name);
    } catch (IOException e) {
      throw new ImageDecodeException(name, String.valueOf(e.getMessage()), e);
    }
  }

  /**
   * Reads through an in-memory {@link MemoryCacheImageInputStream}: {@code ImageIO.read(InputStream)}, which DJL's
   * factory calls, buffers every stream in a temporary file by default (ImageIO's disk cache), a file created,
   * written, read and deleted per image.
   */
  private static Image fromStream(InputStream in, String name) throws IOException {
    Image image;
    try {
      ImageInputStream iis = new MemoryCacheImageInputStream(in);
      BufferedImage decoded = ImageIO.read(iis); // closes iis, except when it returns null
      if (decoded == null) {
        iis.close();
        throw new IOException("not a decodable image (no ImageIO reader recognises its bytes)");
      }
      image = ImageFactory.getInstance().fromImage(decoded);
    } catch (RuntimeException e) {
      // ImageIO plugins throw runtime exceptions (e.g. ArrayIndexOutOfBounds) on some corrupt files.
      throw new ImageDecodeException(name, "corrupt image data (" + e + ")", e);
    }
    if (image.getWidth() <= 0 || image.getHeight() <= 0) {
      throw new ImageDecodeException(name, "image has no pixels", null);
    }
    return image;
  }

  /**
   * Converts a decoded image to an HWC float32 array in [0, 1].
   *
   * @param channels 3 for RGB (grayscale replicated) or 1 for luma
   */
  public static NDArray toFloatHwc(Image image, NDManager manager, int channels) {
    NDArray raw = toUint8Hwc(image, manager, channels);
    NDArray f = raw.toType(DataType.FLOAT32, false).div(255f);
    raw.close();
    return f;
  }

  /**
   * The pixels of a decoded image as an HWC uint8 array (DJL's conversion: RGB, or luma for one channel).
   *
   * @param channels 3 for RGB (grayscale replicated) or 1 for luma
   */
  public static NDArray toUint8Hwc(Image image, NDManager manager, int channels) {
    Image.Flag flag =
        switch (channels) {
          case 3 -> Image.Flag.COLOR;
          case 1 -> Image.Flag.GRAYSCALE;
          default -> throw new IllegalArgumentException(
              "Unsupported channel count " + channels + "; set channels to 1 (grayscale) or 3 (RGB)");
        };
    return image.toNDArray(manager, flag);
  }
}
