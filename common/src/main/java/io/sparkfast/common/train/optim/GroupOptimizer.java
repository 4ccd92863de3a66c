package io.sparkfast.common.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.sparkfast.common.train.param.ParamGroups;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Base of our optimizers: fastai's {@code Optimizer} over {@link ParamGroups}. Each group has its own
 * hyper-parameters ({@link #LR}, {@link #MOM}, ...), which schedules set before every batch through
 * {@link #setHyper}. {@link #step()} updates every parameter that currently requires a gradient; frozen
 * parameters are skipped. Weight decay is skipped for the parameters in {@code noWeightDecay} (fastai's
 * {@code do_wd=False}, by default BatchNorm/LayerNorm parameters and biases).
 *
 * <p>Per-parameter state (moving averages, step counts) lives in arrays owned by this optimizer's manager;
 * every temporary of a step lives in a sub-manager closed at the end of that step.
 */
public abstract class GroupOptimizer implements AutoCloseable {

  /** Learning rate. */
  public static final String LR = "lr";
  /** Momentum: SGD momentum, Adam's beta1. */
  public static final String MOM = "mom";
  /** Adam's beta2. */
  public static final String SQR_MOM = "sqr_mom";
  /** Adam's epsilon. */
  public static final String EPS = "eps";
  /** Decoupled weight decay. */
  public static final String WD = "wd";

  /** State of one parameter: the number of steps taken and named buffers (e.g. {@code grad_avg}). */
  public static final class ParamState {
    private int step;
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();

    /** Steps taken by this parameter since the state was last cleared. */
    public int step() {
      return step;
    }

    /** The buffers by name, read-only. */
    public Map<String, NDArray> buffers() {
      return Collections.unmodifiableMap(buffers);
    }
  }

  private final ParamGroups groups;
  private final Set<String> noWeightDecay;
  private final List<Map<String, Double>> hypers;
  private final NDManager manager;
  private final Map<String, ParamState> state = new HashMap<>();

  /**
   * Creates the optimizer.
   *
   * @param groups the parameter groups to update
   * @param noWeightDecay ids of parameters that get no weight decay
   * @param defaults initial hyper-parameters for every group
   * @param parent manager under which this optimizer's state manager is created
   */
  protected GroupOptimizer(
      ParamGroups groups, Set<String> noWeightDecay, Map<String, Double> defaults, NDManager parent) {
    this.groups = groups;
    this.noWeightDecay = Set.copyOf(noWeightDecay);
    this.hypers = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      hypers.add(new LinkedHashMap<>(defaults));
    }
    this.manager = parent.newSubManager();
    this.manager.setName(getClass().getSimpleName() + " state");
  }

  /** The parameter groups this optimizer updates. */
  public ParamGroups groups() {
    return groups;
  }

  /** Sets hyper-parameter {@code key} to {@code value} in every group. */
  public void setHyper(String key, double value) {
    for (Map<String, Double> h : hypers) {
      h.put(key, value);
    }
  }

  /**
   * Sets hyper-parameter {@code key} per group; one value is broadcast to every group (fastai's
   * {@code set_hyper}).
   */
  public void setHyper(String key, double[] values) {
    if (values.length == 1) {
      setHyper(key, values[0]);
      return;
    }
    if (values.length != hypers.size()) {
      throw new IllegalArgumentException(
          "Trying to set " + values.length + " values for " + key + " but there are " + hypers.size()
              + " parameter groups");
    }
    for (int g = 0; g < values.length; g++) {
      hypers.get(g).put(key, values[g]);
    }
  }

  /** Hyper-parameter {@code key} of group {@code group}. */
  public double hyper(String key, int group) {
    Double v = hypers.get(group).get(key);
    if (v == null) {
      throw new IllegalArgumentException(
          "Hyper-parameter '" + key + "' is not set on " + getClass().getSimpleName() + "; known: "
              + hypers.get(group).keySet());
    }
    return v;
  }

  /** A copy of all groups' hyper-parameters. */
  public List<Map<String, Double>> hypers() {
    List<Map<String, Double>> out = new ArrayList<>();
    for (Map<String, Double> h : hypers) {
      out.add(new LinkedHashMap<>(h));
    }
    return out;
  }

  /** Replaces all groups' hyper-parameters (checkpoint restore). */
  public void setHypers(List<Map<String, Double>> values) {
    if (values.size() != hypers.size()) {
      throw new IllegalArgumentException(
          "Optimizer state has " + values.size() + " parameter groups but this optimizer has " + hypers.size());
    }
    for (int g = 0; g < values.size(); g++) {
      hypers.get(g).clear();
      hypers.get(g).putAll(values.get(g));
    }
  }

  /** Updates every parameter that currently requires a gradient with its gradient. */
  public void step() {
    for (int g = 0; g < groups.size(); g++) {
      Map<String, Double> h = hypers.get(g);
      for (Parameter p : groups.get(g).parameters()) {
        if (!groups.isTrainable(p.getId()) || !p.requiresGradient()) {
          continue;
        }
        NDArray weight = p.getArray();
        try (NDManager tmp = manager.newSubManager()) {
          NDArray grad = weight.getGradient();
          grad.attach(tmp);
          ParamState st = state.computeIfAbsent(p.getId(), k -> new ParamState());
          update(weight, grad, st, h, !noWeightDecay.contains(p.getId()), tmp);
        }
      }
    }
  }

  /**
   * Updates one parameter in place.
   *
   * @param weight the parameter array, updated in place
   * @param grad its gradient
   * @param st its state; increment {@code step} through {@link #incrementStep} and create buffers with
   *     {@link #buffer}
   * @param h the hyper-parameters of its group
   * @param doWd whether weight decay applies to it
   * @param tmp a manager for temporaries, closed after the update; attach every temporary to it
   */
  protected abstract void update(
      NDArray weight, NDArray grad, ParamState st, Map<String, Double> h, boolean doWd, NDManager tmp);

  /** The buffer {@code name} of {@code st}, created as zeros shaped like {@code like} on first use. */
  protected final NDArray buffer(ParamState st, String name, NDArray like) {
    return st.buffers.computeIfAbsent(
        name,
        k -> {
          NDArray z = manager.zeros(like.getShape(), like.getDataType(), like.getDevice());
          z.setName(name);
          return z;
        });
  }

  /** Increments and returns the step count of {@code st}. */
  protected static int incrementStep(ParamState st) {
    st.step += 1;
    return st.step;
  }

  /** Attaches {@code array} to {@code tmp} and returns it. */
  protected static NDArray tmp(NDArray array, NDManager tmp) {
    array.attach(tmp);
    return array;
  }

  /**
   * Zeroes the gradients of every trainable parameter, frozen ones included (their stale gradients would
   * otherwise be added to the first gradient after unfreezing).
   */
  public void zeroGrad() {
    for (ParamGroups.Group g : groups.groups()) {
      for (Parameter p : g.parameters()) {
        if (!groups.isTrainable(p.getId()) || !p.isInitialized()) {
          continue;
        }
        NDArray a = p.getArray();
        if (a instanceof PtNDArray pt) {
          JniUtils.zeroGrad(pt);
        } else if (a.hasGradient()) {
          try (NDArray grad = a.getGradient()) {
            grad.subi(grad);
          }
        }
      }
    }
  }

  /** Drops all per-parameter state (fastai's {@code clear_state}); hyper-parameters are kept. */
  public void clearState() {
    for (ParamState st : state.values()) {
      st.buffers.values().forEach(NDArray::close);
    }
    state.clear();
  }

  /** The state of parameter {@code parameterId}, or null when it has taken no step since the last clear. */
  public ParamState state(String parameterId) {
    return state.get(parameterId);
  }

  /**
   * Replaces the state of parameter {@code parameterId} with {@code step} and copies of {@code buffers}.
   *
   * @throws IllegalArgumentException when a buffer's shape differs from the parameter's
   */
  public void setState(String parameterId, int step, Map<String, NDArray> buffers) {
    int g = groups.groupOf(parameterId);
    if (g < 0) {
      throw new IllegalArgumentException("Parameter id " + parameterId + " is in no parameter group");
    }
    Parameter p = null;
    for (Parameter q : groups.get(g).parameters()) {
      if (q.getId().equals(parameterId)) {
        p = q;
      }
    }
    ParamState old = state.remove(parameterId);
    if (old != null) {
      old.buffers.values().forEach(NDArray::close);
    }
    ParamState st = new ParamState();
    st.step = step;
    for (Map.Entry<String, NDArray> e : buffers.entrySet()) {
      if (p != null && p.isInitialized() && !p.getArray().getShape().equals(e.getValue().getShape())) {
        throw new IllegalArgumentException(
            "Optimizer buffer '" + e.getKey() + "' of parameter " + groups.nameOf(parameterId) + " has shape "
                + e.getValue().getShape() + " but the parameter has shape " + p.getArray().getShape());
      }
      NDArray copy = e.getValue().duplicate();
      copy.attach(manager);
      copy.setName(e.getKey());
      st.buffers.put(e.getKey(), copy);
    }
    state.put(parameterId, st);
  }

  /** Ids of the parameters that currently hold state. */
  public Set<String> statefulParameters() {
    return Collections.unmodifiableSet(state.keySet());
  }

  /** Releases all optimizer state. */
  @Override
  public void close() {
    state.clear();
    manager.close();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + Arrays.toString(hypers.toArray());
  }
}
