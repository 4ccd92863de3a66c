package io.sparkfast.runtime.collective;

import java.util.Locale;

/** How gradients travel: full fp32, or bf16 (half the bytes; reduction still in fp32). */
public enum WireFormat {
  /** 4 bytes per value, exact. */
  FP32,
  /** 2 bytes per value: the upper half of the fp32 bits, rounded to nearest even (bfloat16). */
  BF16;

  /** Parses a config value. */
  public static WireFormat parse(String s) {
    try {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("wire format '" + s + "' is not one of fp32, bf16");
    }
  }

  int bytesPerValue() {
    return this == FP32 ? 4 : 2;
  }

  static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7f800000) == 0x7f800000) {
      // inf unchanged; a NaN keeps its sign and gets the quiet bit, so that a payload only in the low half does not
      // truncate to an all-zero mantissa, which is infinity
      return (short) ((bits & 0x007fffff) == 0 ? bits >>> 16 : (bits >>> 16) | 0x0040);
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  static float fromBf16(short s) {
    return Float.intBitsToFloat((s & 0xffff) << 16);
  }
}
