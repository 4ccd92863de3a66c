package io.sparkfast.common.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import io.sparkfast.common.artifact.Checkpoint;
import io.sparkfast.common.train.callback.Callback;
import io.sparkfast.common.train.callback.CallbackException;
import io.sparkfast.common.train.callback.CancelBackwardException;
import io.sparkfast.common.train.callback.CancelBatchException;
import io.sparkfast.common.train.callback.CancelEpochException;
import io.sparkfast.common.train.callback.CancelException;
import io.sparkfast.common.train.callback.CancelFitException;
import io.sparkfast.common.train.callback.CancelStepException;
import io.sparkfast.common.train.callback.CancelTrainException;
import io.sparkfast.common.train.callback.CancelValidException;
import io.sparkfast.common.train.callback.Event;
import io.sparkfast.common.train.callback.LrFinder;
import io.sparkfast.common.train.callback.ParamScheduler;
import io.sparkfast.common.train.callback.Recorder;
import io.sparkfast.common.train.metric.Metric;
import io.sparkfast.common.train.optim.GroupOptimizer;
import io.sparkfast.common.train.param.LearningRates;
import io.sparkfast.common.train.param.ParamGroups;
import io.sparkfast.common.train.schedule.OneCycle;
import io.sparkfast.common.train.schedule.Schedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DJL {@link Block} the fastai way: a loop of fixed, named events ({@link Event}) around forward,
 * loss, backward and optimizer step, steered by {@link Callback}s; {@link #fit}, {@link #fitOneCycle},
 * {@link #fineTune} and {@link #lrFind} are thin compositions on top of it, as in fastai.
 *
 * <p><b>Why a hand-written loop instead of DJL's {@code Trainer}:</b> fastai's schedules change the learning
 * rate and Adam's beta1 of each parameter group before every batch, gradient accumulation must skip the step
 * without zeroing gradients, and a data-parallel runtime must exchange gradients between backward and step.
 * DJL's {@code Trainer}/{@code Optimizer} take per-parameter trackers indexed by update count and zero
 * gradients inside the update, which allows none of this cleanly. The loop here uses DJL primitives only:
 * {@link Block#forward(ParameterStore, NDList, boolean)} with a non-copying {@link ParameterStore}, autograd
 * ({@link GradientCollector} semantics) and our own {@link GroupOptimizer}.
 *
 * <p><b>Memory:</b> each epoch's data iterator lives in its own sub-manager, each {@link Batch} is closed
 * after its step, and everything a batch computes is attached to the batch's manager.
 *
 * <p><b>Randomness:</b> before building an epoch's data iterator and before fetching every batch the engine's
 * seed is set from (seed, epoch, batch, phase). Data order, augmentation, dropout and MixUp therefore depend
 * only on the position, which is what makes {@link #resume(Path)} exact.
 *
 * <p><b>Replicas:</b> a distributed runtime runs one Learner per replica with its data shard, a
 * {@link GradientSync} that all-reduces gradients, and {@link Builder#optReplica(int, int)} so that only one
 * rank writes checkpoints ({@link #isCheckpointWriter()}).
 */
public final class Learner implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(Learner.class);

  private final Block block;
  private final ParamGroups groups;
  private final Dataset trainData;
  private final Dataset validData;
  private final List<Metric> metrics;
  private final LearnerConfig config;
  private final GradientSync gradientSync;
  private final int rank;
  private final int checkpointRank;
  private final NDManager manager;
  private final boolean ownsManager;
  private final ParameterStore parameterStore;
  private final List<Callback> callbacks = new ArrayList<>();
  private final Recorder recorder;
  private final Set<String> noWeightDecay;
  private final Map<Dataset, Integer> batchCounts = new IdentityHashMap<>();
  private Loss lossFunction;
  private GroupOptimizer opt;
  private long seed;

  // Loop state.
  private boolean fitting;
  private FitPlan plan;
  private TrainingPosition resumeFrom;
  private int nEpoch = 1;
  private int epoch;
  private int iter;
  private int nIter;
  private int trainIter;
  private double pctTrain;
  private boolean training;
  private int batchesDone;
  private boolean epochComplete;
  private Batch batch;
  private NDList xb;
  private NDList yb;
  private NDList pred;
  private NDArray lossGrad;
  private double lossValue = Double.NaN;
  private Random random = new Random(0);

  private Learner(Builder b) {
    this.ownsManager = b.manager == null;
    this.manager = b.manager == null ? NDManager.newBaseManager() : b.manager.newSubManager();
    this.manager.setName("learner");
    this.block = b.block;
    if (!block.isInitialized()) {
      if (b.inputShapes == null) {
        throw new IllegalArgumentException(
            "The block is not initialized; pass its input shape with optInputShapes(new Shape(batch, c, h, w))"
                + " or initialize it before building the Learner");
      }
      block.initialize(manager, DataType.FLOAT32, b.inputShapes);
    }
    this.groups = b.groups != null ? b.groups : b.splitter != null ? b.splitter.apply(block) : ParamGroups.single(block);
    Set<String> blockIds = new HashSet<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      blockIds.add(p.getValue().getId());
    }
    for (ParamGroups.Group g : groups.groups()) {
      for (Parameter p : g.parameters()) {
        if (!blockIds.contains(p.getId())) {
          throw new IllegalArgumentException(
              "ParamGroups group '" + g.name() + "' holds a parameter that is not in the block; build the"
                  + " groups from this block (after initializing it) or pass optSplitter");
        }
      }
    }
    this.lossFunction = b.loss;
    this.trainData = b.trainData;
    this.validData = b.validData;
    this.metrics = List.copyOf(b.metrics);
    this.config = b.config;
    this.seed = config.seed();
    this.gradientSync = b.gradientSync;
    this.rank = b.rank;
    this.checkpointRank = b.checkpointRank;
    this.parameterStore = new ParameterStore(manager, false);
    Set<String> noWd = new HashSet<>();
    if (!config.wdBnBias()) {
      for (Pair<String, Parameter> p : block.getParameters()) {
        Parameter param = p.getValue();
        if (groups.isNormParameter(param.getId()) || param.getType() == Parameter.Type.BIAS) {
          noWd.add(param.getId());
        }
      }
    }
    this.noWeightDecay = Set.copyOf(noWd);
    this.recorder = new Recorder(config.smoothBeta());
    addCallback(new TrainEvalCallback());
    addCallback(recorder);
    for (Callback cb : b.callbacks) {
      addCallback(cb);
    }
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- public verbs

  /**
   * Trains for {@code nEpoch} epochs at constant per-group learning rates (fastai's {@code fit}).
   *
   * @param nEpoch number of epochs
   * @param lr learning rates, resolved against the parameter groups
   * @param extra callbacks for this fit only
   */
  public void fit(int nEpoch, LearningRates lr, Callback... extra) {
    runFit(FitPlan.constant(nEpoch, lr.forGroups(groups.size())), Arrays.asList(extra), null);
  }

  /** {@link #fitOneCycle(int, LearningRates, double, double, double, Callback...)} with fastai's defaults. */
  public void fitOneCycle(int nEpoch, LearningRates lrMax, Callback... extra) {
    fitOneCycle(nEpoch, lrMax, OneCycle.DEFAULT_DIV, OneCycle.DEFAULT_DIV_FINAL, OneCycle.DEFAULT_PCT_START, extra);
  }

  /**
   * Trains with the 1cycle policy (fastai's {@code fit_one_cycle}): per group the learning rate goes by cosine
   * from {@code lrMax/div} to {@code lrMax} over {@code pctStart} of training, then to {@code lrMax/divFinal};
   * momentum goes from the config's momStart to momMiddle and back to momEnd.
   */
  public void fitOneCycle(
      int nEpoch, LearningRates lrMax, double div, double divFinal, double pctStart, Callback... extra) {
    OneCycle cycle = new OneCycle(lrMax.forGroups(groups.size()), div, divFinal, pctStart, config.momStart(),
        config.momMiddle(), config.momEnd());
    runFit(FitPlan.oneCycle(nEpoch, cycle), Arrays.asList(extra), null);
  }

  /**
   * fastai's {@code fine_tune}: {@code freeze(); fitOneCycle(freezeEpochs, slice(baseLr), pctStart=0.99);
   * baseLr /= 2; unfreeze(); fitOneCycle(epochs, slice(baseLr/lrMult, baseLr), pctStart, div)}. The frozen
   * phase uses the one-cycle defaults (div 25), as fastai.
   *
   * @param epochs epochs after unfreezing
   * @param baseLr base learning rate (fastai 2e-3)
   * @param freezeEpochs epochs with the body frozen (fastai 1)
   * @param lrMult ratio of the head's to the first group's rate after unfreezing (fastai 100)
   * @param pctStart warm-up fraction of the unfrozen phase (fastai 0.3)
   * @param div start divisor of the unfrozen phase (fastai 5)
   */
  public void fineTune(
      int epochs, double baseLr, int freezeEpochs, double lrMult, double pctStart, double div, Callback... extra) {
    freeze();
    fitOneCycle(freezeEpochs, LearningRates.slice(baseLr), OneCycle.DEFAULT_DIV, OneCycle.DEFAULT_DIV_FINAL, 0.99,
        extra);
    double lr = baseLr / 2;
    unfreeze();
    fitOneCycle(epochs, LearningRates.slice(lr / lrMult, lr), div, OneCycle.DEFAULT_DIV_FINAL, pctStart, extra);
  }

  /** {@link #fineTune(int, double, int, double, double, double, Callback...)} with fastai's defaults. */
  public void fineTune(int epochs, Callback... extra) {
    fineTune(epochs, 2e-3, 1, 100, 0.3, 5.0, extra);
  }

  /**
   * fastai's {@code lr_find}: trains with an exponentially growing learning rate from {@code startLr} to
   * {@code endLr} over {@code numIt} batches, stopping early when the smoothed loss exceeds 4x its best (with
   * {@code stopDiv}); the model and optimizer are restored afterwards.
   *
   * @return the recorded curve and the suggestions (minimum, steep, valley, slide)
   */
  public LrFindResult lrFind(double startLr, double endLr, int numIt, boolean stopDiv) {
    int n = Math.max(numIt, 6);
    int perEpoch = numBatches(trainData);
    int epochs = n / perEpoch + 1;
    LrFinder finder = new LrFinder(startLr, endLr, n, stopDiv);
    double[] lrs = new double[groups.size()];
    Arrays.fill(lrs, startLr);
    runFit(new FitPlan(FitPlan.LR_FIND, epochs, lrs, null), List.of(finder), null);
    return LrSuggestions.suggest(recorder.lrs(), recorder.losses(), n);
  }

  /** {@link #lrFind(double, double, int, boolean)} with fastai's defaults (1e-7, 10, 100, true). */
  public LrFindResult lrFind() {
    return lrFind(1e-7, 10, 100, true);
  }

  /**
   * Runs one validation pass outside a fit and returns the validation loss followed by the metrics.
   *
   * @throws IllegalStateException without validation data or while a fit runs
   */
  public Map<String, Double> validate() {
    JniUtils.setGradMode(false);
    if (validData == null) {
      throw new IllegalStateException("validate() needs validation data; pass optValidData to the builder");
    }
    if (fitting) {
      throw new IllegalStateException("validate() cannot run inside a fit");
    }
    ensureOptimizer();
    training = false;
    double total = 0;
    long count = 0;
    metrics.forEach(Metric::reset);
    nIter = numBatches(validData);
    try (NDManager epochManager = manager.newSubManager()) {
      epochManager.setName("validate");
      reseed(0, -1, 2);
      Iterator<Batch> it = validData.getData(epochManager).iterator();
      int i = 0;
      while (true) {
        reseed(0, i, 2);
        if (!it.hasNext()) {
          break;
        }
        try (Batch b = it.next()) {
          NDList p = block.forward(parameterStore, b.getData(), false);
          NDArray l = lossFunction.evaluate(b.getLabels(), p);
          long bs = b.getLabels().head().getShape().get(0);
          total += l.getFloat() * bs;
          count += bs;
          for (Metric m : metrics) {
            m.accumulate(p, b.getLabels());
          }
        }
        i++;
      }
    } catch (IOException | TranslateException e) {
      throw new IllegalStateException("Could not read the validation data: " + e.getMessage(), e);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("valid_loss", count == 0 ? Double.NaN : total / count);
    for (Metric m : metrics) {
      out.putAll(m.values());
    }
    return out;
  }

  /** Freezes all parameter groups but the last (fastai's {@code freeze}); BatchNorm stays trainable per config. */
  public void freeze() {
    freezeTo(-1);
  }

  /** Freezes groups before {@code n} (negative counts from the end) and clears the optimizer state. */
  public void freezeTo(int n) {
    ensureOptimizer();
    opt.zeroGrad();
    if (n < 0 && groups.size() + n < 1) {
      logger.warn("freezeTo({}) with {} parameter group(s) freezes nothing; split the model into body and head"
          + " groups (ParamGroups.split) to freeze the body", n, groups.size());
    }
    groups.freezeTo(n, config.trainBn());
    opt.clearState();
  }

  /** Unfreezes every group and clears the optimizer state (fastai's {@code unfreeze}). */
  public void unfreeze() {
    freezeTo(0);
  }

  /**
   * Writes a checkpoint (weights, optimizer state, position, schedule, seed, Recorder history) to {@code file}
   * atomically, when this replica is the checkpoint writer; call it between fits, or from a callback's
   * {@code after_batch} (training) or {@code after_epoch}.
   *
   * @return true when written, false on replicas that do not write checkpoints
   */
  public boolean saveCheckpoint(Path file) {
    if (!isCheckpointWriter()) {
      return false;
    }
    try {
      Checkpoint.write(this, file);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write checkpoint " + file + ": " + e.getMessage(), e);
    }
    return true;
  }

  /**
   * Loads a checkpoint into this Learner (weights, optimizer state, freeze state, Recorder history, seed)
   * without training.
   *
   * @return the fit plan and position stored in the checkpoint
   * @throws IllegalArgumentException when the checkpoint's parameters do not match this model
   */
  public Checkpoint.Contents loadCheckpoint(Path file) {
    if (fitting) {
      throw new IllegalStateException("loadCheckpoint cannot run inside a fit");
    }
    ensureOptimizer();
    try {
      return Checkpoint.read(this, file);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads a checkpoint and continues the fit it was taken in, from the stored position to the plan's last
   * epoch, with the same losses as an uninterrupted run.
   *
   * @param extra callbacks for the resumed fit (pass the same ones as the original fit, e.g. MixUp)
   */
  public void resume(Path file, Callback... extra) {
    Checkpoint.Contents c = loadCheckpoint(file);
    if (c.plan() == null || FitPlan.LR_FIND.equals(c.plan().kind())) {
      throw new IllegalStateException("Checkpoint " + file + " holds no resumable fit");
    }
    logger.info("Resuming {} at epoch {} batch {}", c.plan(), c.position().epoch(), c.position().batchesDone());
    runFit(c.plan(), Arrays.asList(extra), c.position());
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * An in-memory copy of the model's parameters (BatchNorm statistics included), the optimizer's state and its
   * hyper-parameters, used by {@link LrFinder} to undo its trial run.
   */
  public static final class Snapshot implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, Integer> steps = new LinkedHashMap<>();
    private final Map<String, Map<String, NDArray>> buffers = new LinkedHashMap<>();
    private final List<Map<String, Double>> hypers;

    private Snapshot(NDManager manager, List<Map<String, Double>> hypers) {
      this.manager = manager;
      this.hypers = hypers;
    }

    /** Releases the copies. */
    @Override
    public void close() {
      manager.close();
    }
  }

  /** Copies the parameters and optimizer state (see {@link Snapshot}). */
  public Snapshot snapshot() {
    ensureOptimizer();
    NDManager m = manager.newSubManager();
    m.setName("snapshot");
    Snapshot s = new Snapshot(m, opt.hypers());
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray copy = p.getValue().getArray().duplicate();
      copy.attach(m);
      s.params.put(p.getValue().getId(), copy);
    }
    for (String id : opt.statefulParameters()) {
      GroupOptimizer.ParamState st = opt.state(id);
      s.steps.put(id, st.step());
      Map<String, NDArray> bufs = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : st.buffers().entrySet()) {
        NDArray copy = e.getValue().duplicate();
        copy.attach(m);
        bufs.put(e.getKey(), copy);
      }
      s.buffers.put(id, bufs);
    }
    return s;
  }

  /** Restores parameters and optimizer state from {@code s}. */
  public void restore(Snapshot s) {
    ensureOptimizer();
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray copy = s.params.get(p.getValue().getId());
      if (copy == null) {
        throw new IllegalArgumentException("Snapshot has no copy of parameter " + p.getKey());
      }
      copy.copyTo(p.getValue().getArray());
    }
    opt.clearState();
    for (Map.Entry<String, Integer> e : s.steps.entrySet()) {
      opt.setState(e.getKey(), e.getValue(), s.buffers.get(e.getKey()));
    }
    opt.setHypers(s.hypers);
  }

  // ---------------------------------------------------------------- callbacks

  /** Adds a callback for the lifetime of this Learner. */
  public Learner addCallback(Callback cb) {
    callbacks.add(cb);
    return this;
  }

  /** Removes a callback. */
  public Learner removeCallback(Callback cb) {
    callbacks.remove(cb);
    return this;
  }

  /** The callbacks in the order they run. */
  public List<Callback> callbacks() {
    List<Callback> sorted = new ArrayList<>(callbacks);
    sorted.sort(Comparator.comparingInt(Callback::order));
    return sorted;
  }

  private void fire(Event event) {
    for (Callback cb : callbacks()) {
      if (event.isInnerLoop() && !((cb.runTrain() && training) || (cb.runValid() && !training))) {
        continue;
      }
      try {
        cb.handle(event, this);
      } catch (CancelException | CallbackException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new CallbackException(cb.name(), event, e);
      }
    }
  }

  private void withEvents(
      Runnable body, Event before, Class<? extends CancelException> cancel, Event afterCancel, Event after) {
    try {
      fire(before);
      body.run();
    } catch (CancelException e) {
      if (!cancel.isInstance(e)) {
        throw e;
      }
      fire(afterCancel);
    }
    fire(after);
  }

  // ---------------------------------------------------------------- the loop

  private void runFit(FitPlan fitPlan, List<Callback> extra, TrainingPosition from) {
    // DJL turns PyTorch's (thread-local) grad mode off on the thread that loads the engine only; threads such as
    // Spark's task threads start with it on, and in-place optimizer updates of leaf parameters would then fail.
    // Autograd is enabled explicitly around forward/backward.
    JniUtils.setGradMode(false);
    if (fitting) {
      throw new IllegalStateException("A fit is already running on this Learner");
    }
    if (trainData == null) {
      throw new IllegalStateException("Training needs training data; pass setTrainData to the builder");
    }
    ensureOptimizer();
    List<Callback> added = new ArrayList<>(extra);
    if (FitPlan.ONE_CYCLE.equals(fitPlan.kind())) {
      OneCycle cycle = fitPlan.oneCycle();
      Schedule[] lrs = new Schedule[groups.size()];
      for (int g = 0; g < lrs.length; g++) {
        lrs[g] = cycle.lrSchedule(g);
      }
      Map<String, Schedule[]> scheds = new LinkedHashMap<>();
      scheds.put(GroupOptimizer.LR, lrs);
      scheds.put(GroupOptimizer.MOM, new Schedule[] {cycle.momSchedule()});
      added.add(0, new ParamScheduler(scheds));
    }
    callbacks.addAll(added);
    fitting = true;
    plan = fitPlan;
    resumeFrom = from;
    try {
      opt.setHyper(GroupOptimizer.WD, config.wd());
      opt.setHyper(GroupOptimizer.LR, fitPlan.lrs());
      nEpoch = fitPlan.nEpoch();
      withEvents(this::doFit, Event.BEFORE_FIT, CancelFitException.class, Event.AFTER_CANCEL_FIT, Event.AFTER_FIT);
    } finally {
      callbacks.removeAll(added);
      fitting = false;
      resumeFrom = null;
      xb = null;
      yb = null;
      pred = null;
      lossGrad = null;
      batch = null;
    }
  }

  private void doFit() {
    int start = resumeFrom == null ? 0 : resumeFrom.epoch();
    for (epoch = start; epoch < nEpoch; epoch++) {
      epochComplete = false;
      try {
        fire(Event.BEFORE_EPOCH);
        doEpoch();
      } catch (CancelEpochException e) {
        epochComplete = true;
        fire(Event.AFTER_CANCEL_EPOCH);
      }
      epochComplete = true;
      fire(Event.AFTER_EPOCH);
      resumeFrom = null;
    }
  }

  private void doEpoch() {
    withEvents(() -> allBatches(trainData, true), Event.BEFORE_TRAIN, CancelTrainException.class,
        Event.AFTER_CANCEL_TRAIN, Event.AFTER_TRAIN);
    if (validData != null) {
      withEvents(() -> allBatches(validData, false), Event.BEFORE_VALIDATE, CancelValidException.class,
          Event.AFTER_CANCEL_VALIDATE, Event.AFTER_VALIDATE);
    }
  }

  private void allBatches(Dataset data, boolean train) {
    nIter = numBatches(data);
    int phase = train ? 0 : 1;
    int skip = train && resumeFrom != null && resumeFrom.epoch() == epoch ? resumeFrom.batchesDone() : 0;
    try (NDManager epochManager = manager.newSubManager()) {
      epochManager.setName(train ? "train epoch " + epoch : "valid epoch " + epoch);
      reseed(epoch, -1, phase);
      Iterator<Batch> it = data.getData(epochManager).iterator();
      int i = 0;
      while (true) {
        long position = reseed(epoch, i, phase);
        if (data instanceof PositionSeeded p) {
          p.seedPosition(position);
        }
        if (!it.hasNext()) {
          break;
        }
        try (Batch b = it.next()) {
          if (i >= skip) {
            oneBatch(i, b);
          }
        }
        i++;
      }
    } catch (IOException | TranslateException e) {
      throw new IllegalStateException(
          "Could not read the " + (train ? "training" : "validation") + " data: " + e.getMessage(), e);
    }
  }

  private void oneBatch(int i, Batch b) {
    iter = i;
    batch = b;
    xb = b.getData();
    yb = b.getLabels();
    lossValue = Double.NaN;
    try {
      withEvents(this::doOneBatch, Event.BEFORE_BATCH, CancelBatchException.class, Event.AFTER_CANCEL_BATCH,
          Event.AFTER_BATCH);
    } finally {
      batch = null;
      xb = null;
      yb = null;
      pred = null;
      lossGrad = null;
    }
  }

  private void doOneBatch() {
    if (!training) {
      predictAndLoss(false);
      return;
    }
    try (Autograd ignored = new Autograd()) {
      predictAndLoss(true);
      if (yb == null || yb.isEmpty()) {
        return;
      }
      withEvents(this::backward, Event.BEFORE_BACKWARD, CancelBackwardException.class, Event.AFTER_CANCEL_BACKWARD,
          Event.AFTER_BACKWARD);
    }
    withEvents(this::step, Event.BEFORE_STEP, CancelStepException.class, Event.AFTER_CANCEL_STEP,
        Event.AFTER_STEP);
    opt.zeroGrad();
  }

  private void predictAndLoss(boolean train) {
    pred = block.forward(parameterStore, xb, train);
    fire(Event.AFTER_PRED);
    if (yb != null && !yb.isEmpty()) {
      lossGrad = lossFunction.evaluate(yb, pred);
      lossValue = lossGrad.toType(DataType.FLOAT64, false).getDouble();
    }
    fire(Event.AFTER_LOSS);
  }

  private void backward() {
    NDArray target = lossGrad;
    if (target instanceof PtNDArray pt) {
      try (NDArray ones = target.onesLike()) {
        JniUtils.backward(pt, (PtNDArray) ones, false, false);
      }
    } else {
      throw new IllegalStateException(
          "Learner's autograd needs the PyTorch engine; got " + target.getManager().getEngine().getEngineName());
    }
  }

  private void step() {
    gradientSync.sync(groups.trainableParameters(), this);
    opt.step();
  }

  /**
   * Enables autograd for the current thread while open. PyTorch's grad mode is thread-local, so replicas on
   * different threads of one JVM can train at once (DJL's {@code PtGradientCollector} allows only one
   * collector per JVM).
   */
  private static final class Autograd implements AutoCloseable {
    private final boolean previous;

    Autograd() {
      previous = JniUtils.isGradMode();
      JniUtils.setGradMode(true);
    }

    @Override
    public void close() {
      JniUtils.setGradMode(previous);
    }
  }

  // ---------------------------------------------------------------- counters (TrainEvalCallback)

  void resetCounters() {
    if (resumeFrom != null) {
      trainIter = resumeFrom.trainIter();
      pctTrain = resumeFrom.pctTrain();
    } else {
      epoch = 0;
      trainIter = 0;
      pctTrain = 0;
    }
  }

  void startTrainPhase() {
    if (resumeFrom != null && resumeFrom.epoch() == epoch && resumeFrom.batchesDone() > 0) {
      pctTrain = resumeFrom.pctTrain();
      batchesDone = resumeFrom.batchesDone();
    } else {
      pctTrain = (double) epoch / nEpoch;
      batchesDone = 0;
    }
    training = true;
  }

  void advanceTrainCounters() {
    pctTrain += 1.0 / (nIter * nEpoch);
    trainIter += 1;
    batchesDone += 1;
  }

  void startValidPhase() {
    training = false;
  }

  // ---------------------------------------------------------------- helpers

  private void ensureOptimizer() {
    if (opt == null) {
      opt = config.optimizer().create(groups, noWeightDecay, manager);
      opt.setHyper(GroupOptimizer.LR, config.lr());
    }
  }

  /** Reseeds the engine and {@link #random()} from the position; returns the position's seed. */
  private long reseed(int ep, int batchIndex, int phase) {
    long s = mix(mix(mix(seed ^ 0x5DEECE66DL, ep), batchIndex), phase);
    Engine.getInstance().setRandomSeed((int) (s ^ (s >>> 32)) & Integer.MAX_VALUE);
    random = new Random(s);
    return s;
  }

  private static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Number of batches one pass over {@code data} yields. For a {@link RandomAccessDataset} it is counted from
   * the dataset's own sampler (indices only); for other datasets by one pass over the data, once.
   */
  int numBatches(Dataset data) {
    return batchCounts.computeIfAbsent(data, this::countBatches);
  }

  private int countBatches(Dataset data) {
    if (data instanceof RandomAccessDataset rad) {
      try {
        Field f = RandomAccessDataset.class.getDeclaredField("sampler");
        f.setAccessible(true);
        Sampler sampler = (Sampler) f.get(rad);
        int n = 0;
        for (Iterator<List<Long>> it = sampler.sample(rad); it.hasNext(); it.next()) {
          n++;
        }
        return checkBatches(n);
      } catch (ReflectiveOperationException | RuntimeException e) {
        logger.debug("Counting batches by iterating the dataset: {}", e.toString());
      }
    }
    int n = 0;
    try (NDManager m = manager.newSubManager()) {
      for (Batch b : data.getData(m)) {
        b.close();
        n++;
      }
    } catch (IOException | TranslateException e) {
      throw new IllegalStateException("Could not read the data to count its batches: " + e.getMessage(), e);
    }
    return checkBatches(n);
  }

  private static int checkBatches(int n) {
    if (n == 0) {
      throw new IllegalArgumentException("The dataset yields no batches; check its size and setSampling(batchSize)");
    }
    return n;
  }

  // ---------------------------------------------------------------- state accessors

  /** The model. */
  public Block block() {
    return block;
  }

  /** The parameter groups. */
  public ParamGroups paramGroups() {
    return groups;
  }

  /** The optimizer (created on first use). */
  public GroupOptimizer optimizer() {
    ensureOptimizer();
    return opt;
  }

  /** The configuration. */
  public LearnerConfig config() {
    return config;
  }

  /** The Recorder (always installed). */
  public Recorder recorder() {
    return recorder;
  }

  /** The metrics computed on the validation set. */
  public List<Metric> metrics() {
    return metrics;
  }

  /** The loss function. */
  public Loss lossFunction() {
    return lossFunction;
  }

  /** Replaces the loss function (MixUp swaps in a mixing loss during training). */
  public void setLossFunction(Loss loss) {
    if (loss == null) {
      throw new IllegalArgumentException("loss must not be null");
    }
    this.lossFunction = loss;
  }

  /** This Learner's manager; per-batch arrays belong to {@link #batchManager()} instead. */
  public NDManager manager() {
    return manager;
  }

  /** The manager of the current batch, closed after the batch: attach per-batch arrays here. */
  public NDManager batchManager() {
    if (batch == null) {
      throw new IllegalStateException("batchManager() is only available during a batch");
    }
    return batch.getManager();
  }

  /** The seed the run derives its randomness from. */
  public long seed() {
    return seed;
  }

  /** A random generator seeded from (seed, epoch, batch, phase), reseeded before every batch. */
  public Random random() {
    return random;
  }

  /** The replica rank (0 for single-process training). */
  public int rank() {
    return rank;
  }

  /** Whether this replica writes checkpoints (rank == checkpoint rank). */
  public boolean isCheckpointWriter() {
    return rank == checkpointRank;
  }

  /** Whether the current batch is a training batch. */
  public boolean isTraining() {
    return training;
  }

  /** Whether the running fit resumes from a checkpoint and has not passed the resumed epoch yet. */
  public boolean isResuming() {
    return resumeFrom != null;
  }

  /** Whether a fit is running. */
  public boolean isFitting() {
    return fitting;
  }

  /** The plan of the current (or last) fit. */
  public FitPlan plan() {
    return plan;
  }

  /** Number of epochs of the current fit. */
  public int nEpoch() {
    return nEpoch;
  }

  /** Current epoch, from 0. */
  public int epoch() {
    return epoch;
  }

  /** Index of the current batch in its pass. */
  public int iter() {
    return iter;
  }

  /** Number of batches of the current pass. */
  public int nIter() {
    return nIter;
  }

  /** Training batches done in this fit (fastai's {@code train_iter}). */
  public int trainIter() {
    return trainIter;
  }

  /** Fraction of this fit's training done (fastai's {@code pct_train}). */
  public double pctTrain() {
    return pctTrain;
  }

  /** The position a checkpoint taken now resumes from. */
  public TrainingPosition position() {
    if (epochComplete || !fitting) {
      int next = fitting ? epoch + 1 : nEpoch;
      return new TrainingPosition(Math.max(next, 0), 0, trainIter, fitting ? (double) next / nEpoch : pctTrain);
    }
    return new TrainingPosition(epoch, batchesDone, trainIter, pctTrain);
  }

  /** The current batch's inputs. */
  public NDList xb() {
    return xb;
  }

  /** Replaces the current batch's inputs (in {@code before_batch}). */
  public void setXb(NDList inputs) {
    this.xb = inputs;
  }

  /** The current batch's targets. */
  public NDList yb() {
    return yb;
  }

  /** Replaces the current batch's targets. */
  public void setYb(NDList targets) {
    this.yb = targets;
  }

  /** The current batch size (first dimension of the first target, else of the first input). */
  public long batchSize() {
    NDList ref = yb != null && !yb.isEmpty() ? yb : xb;
    return ref.head().getShape().get(0);
  }

  /** The model's outputs for the current batch. */
  public NDList pred() {
    return pred;
  }

  /** The loss array that backward runs on; {@code after_loss} callbacks may replace it (accumulation). */
  public NDArray lossGrad() {
    return lossGrad;
  }

  /** Replaces the loss array used for backward. */
  public void setLossGrad(NDArray value) {
    this.lossGrad = value;
  }

  /** The current batch's loss as computed by the loss function, before any {@code after_loss} change. */
  public double lossValue() {
    return lossValue;
  }

  /** The ids of parameters without weight decay. */
  public Set<String> noWeightDecay() {
    return noWeightDecay;
  }

  /** Restores seed and position bookkeeping from a checkpoint (used by {@link Checkpoint}). */
  public void restoreSeed(long value) {
    this.seed = value;
  }

  /** Releases the optimizer state and this Learner's manager (the block's parameters too if it owns them). */
  @Override
  public void close() {
    if (opt != null) {
      opt.close();
    }
    manager.close();
    if (ownsManager) {
      logger.debug("Closed learner manager");
    }
  }

  /** Builds a {@link Learner}. */
  public static final class Builder {
    private Block block;
    private Shape[] inputShapes;
    private ParamGroups groups;
    private Function<Block, ParamGroups> splitter;
    private Loss loss;
    private Dataset trainData;
    private Dataset validData;
    private final List<Metric> metrics = new ArrayList<>();
    private LearnerConfig config = LearnerConfig.defaults();
    private final List<Callback> callbacks = new ArrayList<>();
    private GradientSync gradientSync = GradientSync.none();
    private int rank;
    private int checkpointRank;
    private NDManager manager;

    private Builder() {}

    /** The model (required). */
    public Builder setBlock(Block value) {
      this.block = value;
      return this;
    }

    /** Input shapes to initialize an uninitialized block with. */
    public Builder optInputShapes(Shape... shapes) {
      this.inputShapes = shapes.clone();
      return this;
    }

    /** Parameter groups of the (initialized) block; default one group. */
    public Builder optParamGroups(ParamGroups value) {
      this.groups = value;
      return this;
    }

    /** Builds the parameter groups once the block is initialized (fastai's splitter). */
    public Builder optSplitter(Function<Block, ParamGroups> value) {
      this.splitter = value;
      return this;
    }

    /** The loss (required), e.g. {@link io.sparkfast.common.train.loss.CrossEntropy}. */
    public Builder setLoss(Loss value) {
      this.loss = value;
      return this;
    }

    /** Training data (required for training): batches of (inputs, labels). */
    public Builder setTrainData(Dataset value) {
      this.trainData = value;
      return this;
    }

    /** Validation data, evaluated after every training epoch. */
    public Builder optValidData(Dataset value) {
      this.validData = value;
      return this;
    }

    /** Validation metrics. */
    public Builder optMetrics(Metric... values) {
      this.metrics.addAll(Arrays.asList(values));
      return this;
    }

    /** Training settings; default {@link LearnerConfig#defaults()}. */
    public Builder optConfig(LearnerConfig value) {
      this.config = value;
      return this;
    }

    /** Callbacks kept for the Learner's lifetime. */
    public Builder optCallbacks(Callback... values) {
      this.callbacks.addAll(Arrays.asList(values));
      return this;
    }

    /** Gradient synchronization across replicas; default none. */
    public Builder optGradientSync(GradientSync value) {
      this.gradientSync = value;
      return this;
    }

    /**
     * This replica's rank and the rank that writes checkpoints.
     *
     * @param replicaRank this replica's rank, from 0
     * @param writerRank the rank whose {@link #saveCheckpoint} writes (usually 0)
     */
    public Builder optReplica(int replicaRank, int writerRank) {
      this.rank = replicaRank;
      this.checkpointRank = writerRank;
      return this;
    }

    /**
     * Parent manager (e.g. a Model's); default a new base manager owned by the Learner. The Learner works in a
     * sub-manager of it, closed by {@link Learner#close()}; a block the Learner initializes keeps its
     * parameters there, so initialize the block yourself if it must outlive the Learner.
     */
    public Builder optManager(NDManager value) {
      this.manager = value;
      return this;
    }

    /** Validates and builds; initializes the block when needed. */
    public Learner build() {
      if (block == null) {
        throw new IllegalArgumentException("Learner needs a model; call setBlock(block)");
      }
      if (loss == null) {
        throw new IllegalArgumentException("Learner needs a loss; call setLoss(new CrossEntropy())");
      }
      if (config == null || gradientSync == null) {
        throw new IllegalArgumentException("config and gradientSync must not be null");
      }
      if (groups != null && splitter != null) {
        throw new IllegalArgumentException("Pass either optParamGroups or optSplitter, not both");
      }
      if (rank < 0 || checkpointRank < 0) {
        throw new IllegalArgumentException("Replica ranks must be >= 0; got rank=" + rank + ", writer=" + checkpointRank);
      }
      return new Learner(this);
    }
  }
}
