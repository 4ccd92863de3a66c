package io.sparkfast.common.train.param;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** fastai's set_hyper semantics for lr requests. */
class LearningRatesTest {

  @Test
  void sliceLoHiIsGeometric() {
    assertArrayEquals(new double[] {1e-5, 1e-4, 1e-3}, LearningRates.slice(1e-5, 1e-3).forGroups(3), 1e-15);
    assertArrayEquals(new double[] {1e-5, 1e-3}, LearningRates.slice(1e-5, 1e-3).forGroups(2), 1e-15);
    // even_mults with one group returns stop
    assertArrayEquals(new double[] {1e-3}, LearningRates.slice(1e-5, 1e-3).forGroups(1), 1e-15);
  }

  @Test
  void sliceHiGivesATenthToAllButTheLastGroup() {
    assertArrayEquals(new double[] {2e-4, 2e-4, 2e-3}, LearningRates.slice(2e-3).forGroups(3), 1e-15);
    assertArrayEquals(new double[] {2e-3}, LearningRates.slice(2e-3).forGroups(1), 1e-15);
  }

  @Test
  void constantAndPerGroup() {
    assertArrayEquals(new double[] {3e-3, 3e-3}, LearningRates.of(3e-3).forGroups(2), 0);
    assertArrayEquals(new double[] {1, 2}, LearningRates.perGroup(1, 2).forGroups(2), 0);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LearningRates.perGroup(1, 2).forGroups(3));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("3 parameter groups"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LearningRates.of(-1));
  }
}
