package io.sparkfast.common.train.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Schedules against fastai's formulas; expected values computed with fastai's functions in Python. */
class ScheduleTest {

  private static void close(double expected, double actual) {
    assertEquals(expected, actual, Math.abs(expected) * 1e-9 + 1e-15);
  }

  @Test
  void basicAnnealersMatchFastaiFormulas() {
    close(1.5, Schedule.lin(1, 3).at(0.25));
    // sched_cos(1, 3, 0.25) = 1 + (1 + cos(0.75 pi)) * 2 / 2
    close(1 + (1 + Math.cos(0.75 * Math.PI)), Schedule.cos(1, 3).at(0.25));
    close(1, Schedule.no(1).at(0.7));
    close(1e-7 * Math.pow(1e8, 0.3), Schedule.exp(1e-7, 10).at(0.3));
    close(1 + 2 * 0.25, Schedule.poly(1, 3, 2).at(0.5));
  }

  @Test
  void oneCycleLrAndMomAtKeyPoints() {
    OneCycle c = new OneCycle(new double[] {1e-2}, 25, 1e5, 0.25, 0.95, 0.85, 0.95);
    Schedule lr = c.lrSchedule(0);
    Schedule mom = c.momSchedule();
    // pos:        0       0.125    0.25   0.5           0.625       0.9                   1.0
    double[] pos = {0, 0.125, 0.25, 0.5, 0.625, 0.9, 1.0};
    double[] lrs = {0.0004, 0.005200000000000001, 0.01, 0.007500025000000001, 0.00500005, 0.000432368389059877,
        9.999999999940612e-08};
    double[] moms = {0.95, 0.8999999999999999, 0.85, 0.875, 0.8999999999999999, 0.94567727288213, 0.95};
    for (int i = 0; i < pos.length; i++) {
      close(lrs[i], lr.at(pos[i]));
      close(moms[i], mom.at(pos[i]));
    }
  }

  @Test
  void oneCycleUsesEachGroupsPeak() {
    OneCycle c = new OneCycle(new double[] {1e-4, 1e-2}, 5, 1e5, 0.3, 0.95, 0.85, 0.95);
    close(1e-4 / 5, c.lrSchedule(0).at(0));
    close(1e-2 / 5, c.lrSchedule(1).at(0));
    close(1e-4, c.lrSchedule(0).at(0.3));
    close(1e-2, c.lrSchedule(1).at(0.3));
  }

  @Test
  void combineRejectsFractionsThatDoNotSumToOne() {
    assertThrows(IllegalArgumentException.class,
        () -> Schedule.combine(new double[] {0.3, 0.3}, Schedule.no(1), Schedule.no(2)));
  }
}
