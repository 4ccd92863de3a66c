package io.sparkfast.common.data;

/**
 * A crop rectangle in pixel units; {@code top}/{@code left} may be negative and the box may extend past the
 * image (then the outside is padded).
 */
public record CropBox(int top, int left, int height, int width) {
  public CropBox {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("Crop box must be at least 1x1; got " + height + "x" + width);
    }
  }
}
