package io.sparkfast.common.train.callback;

import io.sparkfast.common.train.EpochMetrics;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.metric.Metric;
import io.sparkfast.common.train.optim.GroupOptimizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fastai's {@code Recorder}, installed on every Learner (order 50): per training batch it keeps the smoothed
 * loss (exponential moving average with {@code beta}, debiased: {@code val = beta*val + (1-beta)*loss},
 * reported {@code val / (1 - beta^count)}), the raw loss, the last group's learning rate and momentum; per
 * epoch the training loss (the smoothed loss at the end of training), the validation loss (mean over all
 * validation samples), the metrics (over the whole validation set) and the time. History restarts with every
 * fit, except a resumed one.
 */
public final class Recorder implements Callback {

  private static final Logger logger = LoggerFactory.getLogger(Recorder.class);

  /** Everything the Recorder keeps, for checkpoints. */
  public record State(
      List<Double> lrs, List<Double> moms, List<Double> losses, List<Double> rawLosses, List<Integer> iters,
      List<EpochMetrics> values, double smoothVal, int smoothCount) {
    /** Copies the lists. */
    public State {
      lrs = List.copyOf(lrs);
      moms = List.copyOf(moms);
      losses = List.copyOf(losses);
      rawLosses = List.copyOf(rawLosses);
      iters = List.copyOf(iters);
      values = List.copyOf(values);
    }
  }

  private final double beta;
  private final List<Double> lrs = new ArrayList<>();
  private final List<Double> moms = new ArrayList<>();
  private final List<Double> losses = new ArrayList<>();
  private final List<Double> rawLosses = new ArrayList<>();
  private final List<Integer> iters = new ArrayList<>();
  private final List<EpochMetrics> values = new ArrayList<>();
  private double smoothVal;
  private int smoothCount;
  private double validTotal;
  private long validCount;
  private boolean cancelTrain;
  private boolean cancelValid;
  private long epochStart;
  private double trainLoss = Double.NaN;
  private double validLoss = Double.NaN;
  private Map<String, Double> metricValues = new LinkedHashMap<>();
  private boolean logging = true;

  /**
   * Creates a Recorder.
   *
   * @param beta smoothing of the training loss (fastai 0.98)
   */
  public Recorder(double beta) {
    this.beta = beta;
  }

  /** {@inheritDoc} */
  @Override
  public int order() {
    return 50;
  }

  /** Turns the per-epoch log line on or off (lr_find runs without it). */
  public void setLogging(boolean value) {
    this.logging = value;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeFit(Learner learn) {
    if (learn.isResuming()) {
      return;
    }
    lrs.clear();
    moms.clear();
    losses.clear();
    rawLosses.clear();
    iters.clear();
    values.clear();
    smoothVal = 0;
    smoothCount = 0;
  }

  /** {@inheritDoc} */
  @Override
  public void beforeEpoch(Learner learn) {
    cancelTrain = false;
    cancelValid = false;
    epochStart = System.nanoTime();
    trainLoss = Double.NaN;
    validLoss = Double.NaN;
    metricValues = new LinkedHashMap<>();
  }

  /** {@inheritDoc} */
  @Override
  public void beforeValidate(Learner learn) {
    validTotal = 0;
    validCount = 0;
    learn.metrics().forEach(Metric::reset);
  }

  /** {@inheritDoc} */
  @Override
  public void afterBatch(Learner learn) {
    if (learn.yb() == null || learn.yb().isEmpty() || learn.lossGrad() == null) {
      return;
    }
    if (!learn.isTraining()) {
      long bs = learn.batchSize();
      validTotal += learn.lossValue() * bs;
      validCount += bs;
      for (Metric m : learn.metrics()) {
        m.accumulate(learn.pred(), learn.yb());
      }
      return;
    }
    double loss = learn.lossValue();
    smoothCount += 1;
    smoothVal = beta * smoothVal + (1 - beta) * loss;
    GroupOptimizer opt = learn.optimizer();
    int last = opt.groups().size() - 1;
    lrs.add(opt.hyper(GroupOptimizer.LR, last));
    moms.add(opt.hypers().get(last).getOrDefault(GroupOptimizer.MOM, Double.NaN));
    losses.add(smoothLoss());
    rawLosses.add(loss);
  }

  /** The current smoothed training loss, fastai's {@code smooth_loss}. */
  public double smoothLoss() {
    return smoothCount == 0 ? Double.NaN : smoothVal / (1 - Math.pow(beta, smoothCount));
  }

  /** {@inheritDoc} */
  @Override
  public void afterCancelTrain(Learner learn) {
    cancelTrain = true;
  }

  /** {@inheritDoc} */
  @Override
  public void afterCancelValidate(Learner learn) {
    cancelValid = true;
  }

  /** {@inheritDoc} */
  @Override
  public void afterTrain(Learner learn) {
    trainLoss = cancelTrain ? Double.NaN : smoothLoss();
  }

  /** {@inheritDoc} */
  @Override
  public void afterValidate(Learner learn) {
    if (cancelValid) {
      return;
    }
    validLoss = validCount == 0 ? Double.NaN : validTotal / validCount;
    for (Metric m : learn.metrics()) {
      metricValues.putAll(m.values());
    }
  }

  /** {@inheritDoc} */
  @Override
  public void afterEpoch(Learner learn) {
    double seconds = (System.nanoTime() - epochStart) / 1e9;
    EpochMetrics row = new EpochMetrics(learn.epoch(), trainLoss, validLoss, metricValues, seconds);
    values.add(row);
    iters.add(smoothCount);
    if (logging) {
      logger.info("epoch {} train_loss {} valid_loss {} {} time {}s", row.epoch(), fmt(trainLoss), fmt(validLoss),
          metricValues, String.format("%.1f", seconds));
    }
  }

  private static String fmt(double v) {
    return String.format("%.6f", v);
  }

  /** Learning rate of the last parameter group at every training batch. */
  public List<Double> lrs() {
    return Collections.unmodifiableList(lrs);
  }

  /** Momentum of the last parameter group at every training batch (NaN when the optimizer has none). */
  public List<Double> moms() {
    return Collections.unmodifiableList(moms);
  }

  /** Smoothed training loss after every training batch (fastai's {@code recorder.losses}). */
  public List<Double> losses() {
    return Collections.unmodifiableList(losses);
  }

  /** Raw training loss of every training batch. */
  public List<Double> rawLosses() {
    return Collections.unmodifiableList(rawLosses);
  }

  /** Number of training batches seen at the end of each epoch. */
  public List<Integer> iters() {
    return Collections.unmodifiableList(iters);
  }

  /** One row per epoch. */
  public List<EpochMetrics> values() {
    return Collections.unmodifiableList(values);
  }

  /**
   * Replaces the latest epoch's row, e.g. with metrics gathered over data-parallel replicas; a callback that runs
   * after the Recorder (order 50) and before the checkpoint writer (order 70) makes the checkpoint hold them.
   *
   * @throws IllegalStateException when no epoch is recorded or {@code row} is for another epoch
   */
  public void replaceLast(EpochMetrics row) {
    if (values.isEmpty() || values.get(values.size() - 1).epoch() != row.epoch()) {
      throw new IllegalStateException("replaceLast needs a row for the latest recorded epoch "
          + (values.isEmpty() ? "(none recorded)" : values.get(values.size() - 1).epoch()) + "; got epoch "
          + row.epoch());
    }
    values.set(values.size() - 1, row);
  }

  /**
   * Writes the training and validation loss per epoch to {@code png}, and the metrics per epoch next to it
   * ({@code <name>-metrics.png}), fastai's {@code plot_loss} and {@code plot_metrics}.
   */
  public java.nio.file.Path plot(java.nio.file.Path png) throws java.io.IOException {
    return io.sparkfast.common.train.plot.Plots.epochs(values, png);
  }

  /** A snapshot of everything recorded. */
  public State state() {
    return new State(lrs, moms, losses, rawLosses, iters, values, smoothVal, smoothCount);
  }

  /** Replaces everything recorded with {@code s}. */
  public void restore(State s) {
    lrs.clear();
    lrs.addAll(s.lrs());
    moms.clear();
    moms.addAll(s.moms());
    losses.clear();
    losses.addAll(s.losses());
    rawLosses.clear();
    rawLosses.addAll(s.rawLosses());
    iters.clear();
    iters.addAll(s.iters());
    values.clear();
    values.addAll(s.values());
    smoothVal = s.smoothVal();
    smoothCount = s.smoothCount();
  }
}
