package io.sparkfast.common.train.callback;

import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.schedule.Schedule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * fastai's {@code ParamScheduler} (order 60, training only): before every training batch sets each scheduled
 * hyper-parameter of every group to its schedule's value at {@code pct_train}; records the values of the last
 * group after every batch. A hyper-parameter has one schedule per group, or a single one for all groups.
 */
public class ParamScheduler implements Callback {

  private final Map<String, Schedule[]> scheds;
  private final Map<String, List<Double>> hps = new LinkedHashMap<>();

  /**
   * Creates the scheduler.
   *
   * @param scheds per hyper-parameter name (e.g. {@code lr}, {@code mom}), one schedule per group or one for all
   */
  public ParamScheduler(Map<String, Schedule[]> scheds) {
    this.scheds = new LinkedHashMap<>();
    scheds.forEach((k, v) -> this.scheds.put(k, v.clone()));
  }

  /** {@inheritDoc} */
  @Override
  public int order() {
    return 60;
  }

  /** {@inheritDoc} */
  @Override
  public boolean runValid() {
    return false;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeFit(Learner learn) {
    hps.clear();
    for (String k : scheds.keySet()) {
      hps.put(k, new ArrayList<>());
    }
  }

  /** {@inheritDoc} */
  @Override
  public void beforeBatch(Learner learn) {
    updateValues(learn, learn.pctTrain());
  }

  /** Sets every scheduled hyper-parameter to its value at {@code pos}. */
  protected void updateValues(Learner learn, double pos) {
    for (Map.Entry<String, Schedule[]> e : scheds.entrySet()) {
      Schedule[] s = e.getValue();
      double[] v = new double[s.length];
      for (int g = 0; g < s.length; g++) {
        v[g] = s[g].at(pos);
      }
      learn.optimizer().setHyper(e.getKey(), v);
    }
  }

  /** {@inheritDoc} */
  @Override
  public void afterBatch(Learner learn) {
    int last = learn.optimizer().groups().size() - 1;
    for (String k : scheds.keySet()) {
      hps.get(k).add(learn.optimizer().hyper(k, last));
    }
  }

  /** Values of the last group per batch, by hyper-parameter name. */
  public Map<String, List<Double>> hps() {
    Map<String, List<Double>> out = new LinkedHashMap<>();
    hps.forEach((k, v) -> out.put(k, Collections.unmodifiableList(v)));
    return out;
  }
}
