package io.sparkfast.runtime.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** bfloat16 encoding of special values. */
class WireFormatTest {

  @Test
  void everyNanStaysNan() {
    // NaNs whose payload lies only in the low 16 bits (e.g. 0x7f800001, a signalling NaN) must not turn into +-inf
    for (int bits : new int[] {0x7f800001, 0x7f80ffff, 0xff800001, 0x7fc00000, 0x7fffffff}) {
      float f = Float.intBitsToFloat(bits);
      assertTrue(Float.isNaN(f));
      float back = WireFormat.fromBf16(WireFormat.toBf16(f));
      assertTrue(Float.isNaN(back), Integer.toHexString(bits) + " became " + back);
    }
    assertEquals(Float.POSITIVE_INFINITY, WireFormat.fromBf16(WireFormat.toBf16(Float.POSITIVE_INFINITY)));
    assertEquals(Float.NEGATIVE_INFINITY, WireFormat.fromBf16(WireFormat.toBf16(Float.NEGATIVE_INFINITY)));
    assertEquals(1.5f, WireFormat.fromBf16(WireFormat.toBf16(1.5f)));
  }
}
