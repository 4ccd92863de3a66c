package io.sparkfast.jobs.finetune;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.sparkfast.common.data.ImageDataset;
import io.sparkfast.common.data.ImageItem;
import io.sparkfast.common.data.ImageSplits;
import io.sparkfast.common.data.NormStats;
import io.sparkfast.common.data.Vocab;
import io.sparkfast.common.train.EpochMetrics;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.callback.Callback;
import io.sparkfast.common.train.callback.SaveCheckpointCallback;
import io.sparkfast.common.train.plot.Plots;
import io.sparkfast.common.vision.VisionSpec;
import io.sparkfast.common.vision.VisionTraining;
import io.sparkfast.jobs.SparkfastException;
import io.sparkfast.jobs.vision.VisionConfig;
import io.sparkfast.runtime.CheckpointStore;
import io.sparkfast.runtime.DataParallel;
import io.sparkfast.runtime.PresizeCache;
import io.sparkfast.runtime.collective.AllReduceGradientSync;
import io.sparkfast.runtime.collective.Collective;
import io.sparkfast.runtime.collective.WireFormat;
import io.sparkfast.runtime.io.OutputCommitter;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed fine-tuning run. The driver lists and shards the images, computes shared normalization
 * statistics, checks slots, checkpoint storage and any checkpoint to resume from; then {@link DataParallel} runs
 * one replica per shard in a barrier stage. Each replica presizes its shard once into a {@link PresizeCache} file
 * on the executor's local disk (reused by a retried stage on the same executor, memory-mapped rather than held on
 * the heap), starts from rank 0's parameters (broadcast), trains with the vision core's {@link Learner} and an
 * {@link AllReduceGradientSync}, and sums validation counts across replicas every epoch (exact global metrics, kept
 * in the Recorder). Rank 0 writes checkpoints, Recorder history included, to a shared {@link CheckpointStore}; a
 * retried stage resumes from them with the history of the epochs before the failure. Rank 0 finally evaluates on
 * the whole validation set and exports the model into the job's output.
 *
 * <p>BatchNorm: training batches are normalized with each replica's own batch statistics (DDP's default). The
 * running statistics are averaged over the replicas at every step ({@code distributed.batchnorm = average}, the
 * default), so every replica holds the same model; {@code local} keeps each replica's own and exports rank 0's.
 */
public final class FinetuneJob {

  private static final Logger logger = LoggerFactory.getLogger(FinetuneJob.class);

  private final SparkSession spark;
  private final Config config;
  private final Integer replicasOption;

  /** A job on {@code spark} with {@code config}; {@code replicas} overrides the config when non-null. */
  public FinetuneJob(SparkSession spark, Config config, Integer replicas) {
    this.spark = spark;
    this.config = config;
    this.replicasOption = replicas;
  }

  /** One replica's share of the data. */
  record Shard(List<String> train, int[] trainLabels, List<String> valid, int[] validLabels, List<String> vocab,
      List<String> allValid, int[] allValidLabels) implements Serializable {}

  /** Test hooks: make one replica stall (sleep) or die on the first stage attempt. */
  record Faults(int stallRank, long stallSeconds, int failRank, long slowCheckpointSeconds) implements Serializable {}

  /** Runs the job and returns its metrics. */
  public Map<String, Object> run(OutputCommitter out) throws Exception {
    long t0 = System.nanoTime();
    VisionSpec spec = VisionConfig.spec(config);
    int n = replicasOption != null ? replicasOption : config.getInt("distributed.replicas");
    if (n < 1) {
      throw SparkfastException.config("replicas must be >= 1; got " + n);
    }
    AllReduceGradientSync.BatchNormStats batchNorm = batchNorm(config);
    ImageSplits splits = VisionTraining.loadSplits(spec.data());
    if (splits.multiLabel() || spec.model().multiLabel()) {
      throw SparkfastException.config("finetune supports single-label classification only; train multi-label"
          + " models (model.multi_label, data.label_delim) with sparkfast train");
    }
    if (spec.norm() == VisionSpec.Norm.DATASET) {
      try (NDManager m = NDManager.newBaseManager()) {
        NormStats stats = VisionTraining.datasetNorm(splits.train(), spec.pipeline().channels(), m);
        spec = spec.withFixedNorm(stats);
      }
    }
    List<Shard> shards = shard(splits, n, spec.fit().batchSize(), spec.fit().seed());

    String ckptDir = VisionConfig.str(config, "distributed.checkpoint_dir");
    String base = ckptDir != null ? ckptDir : out.workDir().getParent() + "/" + ".sparkfast-checkpoints";
    CheckpointStore store = new CheckpointStore(base + "/run-" + UUID.randomUUID());
    store.checkWritable();
    long tTrain;
    List<Map<String, Object>> results;
    try {
      String resumeFrom = VisionConfig.str(config, "train.resume_from");
      if (resumeFrom != null) {
        seedFromResume(spec, splits, Path.of(resumeFrom), store);
      }
      DataParallel.Settings settings = new DataParallel.Settings(
          Duration.ofMillis(config.getDuration("distributed.connect_timeout", TimeUnit.MILLISECONDS)),
          Duration.ofMillis(config.getDuration("distributed.op_timeout", TimeUnit.MILLISECONDS)),
          WireFormat.parse(VisionConfig.str(config, "distributed.wire_format")),
          config.getInt("distributed.bucket_floats"),
          Duration.ofMillis(config.getDuration("distributed.slot_wait", TimeUnit.MILLISECONDS)));
      Faults faults = new Faults(config.getInt("distributed.debug.stall_rank"),
          config.getLong("distributed.debug.stall_seconds"), config.getInt("distributed.debug.fail_rank"),
          config.getLong("distributed.debug.slow_checkpoint_seconds"));
      String outDir = out.workDir().toString();
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      sc.setJobDescription("sparkfast finetune: " + n + " replicas");
      tTrain = System.nanoTime();
      results = DataParallel.run(sc, shards, settings,
          new ReplicaRun(spec, store, outDir, faults, VisionConfig.str(config, "distributed.cache"), batchNorm,
              Duration.ofMillis(config.getDuration("distributed.presize_timeout", TimeUnit.MILLISECONDS)),
              Duration.ofMillis(config.getDuration("distributed.checkpoint_timeout", TimeUnit.MILLISECONDS))));
    } catch (Exception | Error e) {
      // a run that failed before its first checkpoint leaves nothing to resume from; a later failure keeps them
      if (!store.deleteIfEmpty()) {
        logger.warn("The failed run's checkpoints are kept in {}; continue it with --set train.resume_from={}",
            store.dir(), store.dir());
      } else if (ckptDir == null) {
        new CheckpointStore(base).deleteIfEmpty(); // the default root next to --out, once no run keeps anything
      }
      throw e;
    }
    double trainSeconds = (System.nanoTime() - tTrain) / 1e9;
    store.delete();
    if (ckptDir == null) {
      new CheckpointStore(base).deleteIfEmpty();
    }

    Map<String, Object> rank0 = results.get(0);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("valid", rank0.get("valid"));
    m.put("baseline", VisionTraining.baseline(splits));
    m.put("replicas", n);
    m.put("arch", spec.model().arch());
    m.put("pretrained", spec.model().pretrained());
    m.put("schedule", spec.fit().schedule().name().toLowerCase());
    m.put("epochs", spec.fit().epochs());
    m.put("batch_per_replica", spec.fit().batchSize());
    m.put("global_batch", spec.fit().batchSize() * n);
    m.put("batchnorm", batchNorm.name().toLowerCase());
    m.put("train_images", splits.train().size());
    m.put("valid_images", splits.valid().size());
    long imagesTrained = 0;
    double allReduce = 0;
    double loop = 0;
    int attempt = 0;
    Map<String, Integer> cache = new LinkedHashMap<>();
    for (PresizeCache.Outcome o : PresizeCache.Outcome.values()) {
      cache.put(o.name().toLowerCase(), 0);
    }
    List<Map<String, Object>> perReplica = new ArrayList<>();
    for (Map<String, Object> r : results) {
      @SuppressWarnings("unchecked")
      Map<String, String> outcomes = (Map<String, String>) r.get("presize_cache");
      outcomes.values().forEach(o -> cache.merge(o, 1, Integer::sum));
      imagesTrained += ((Number) r.get("images_trained")).longValue();
      allReduce += ((Number) r.get("allreduce_seconds")).doubleValue();
      loop += ((Number) r.get("fit_seconds")).doubleValue();
      attempt = Math.max(attempt, ((Number) r.get("stage_attempt")).intValue());
      Map<String, Object> pr = new LinkedHashMap<>(r);
      pr.remove("valid");
      pr.remove("history");
      perReplica.add(pr);
    }
    double fitSeconds = ((Number) rank0.get("fit_seconds")).doubleValue();
    m.put("images_per_second", imagesTrained / Math.max(1e-9, fitSeconds));
    m.put("allreduce_share", loop > 0 ? allReduce / loop : 0.0);
    m.put("stage_attempts", attempt + 1);
    m.put("resumed_phases", rank0.get("resumed_phases"));
    m.put("presize_cache", cache);
    m.put("fit_seconds", fitSeconds);
    m.put("train_seconds", trainSeconds);
    m.put("seconds", (System.nanoTime() - t0) / 1e9);
    m.put("per_replica", perReplica);
    m.put("history", rank0.get("history"));
    return m;
  }

  /** {@code distributed.batchnorm}, checked. */
  static AllReduceGradientSync.BatchNormStats batchNorm(Config config) {
    try {
      return AllReduceGradientSync.BatchNormStats.parse(config.getString("distributed.batchnorm"));
    } catch (IllegalArgumentException e) {
      throw SparkfastException.config(e.getMessage());
    }
  }

  /** lr_find on one executor (a plain Spark task); the plot comes back with the suggestions. */
  public Map<String, Object> lrFind(OutputCommitter out) throws Exception {
    VisionSpec spec = VisionConfig.spec(config);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    sc.setJobDescription("sparkfast finetune --lr-find");
    List<Object[]> res = sc.parallelize(List.of(0), 1).map(x -> {
      Path tmp = Files.createTempDirectory("sparkfast-lrfind-");
      Map<String, Object> m = VisionTraining.lrFind(spec, tmp);
      byte[] png = Files.readAllBytes(tmp.resolve("plots/lr_find.png"));
      return new Object[] {new LinkedHashMap<>(m), png};
    }).collect();
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) res.get(0)[0];
    out.writeBytes("plots/lr_find.png", (byte[]) res.get(0)[1]);
    return m;
  }

  /** Strided shards of the seeded shuffle, truncated to equal size (equal step counts on every replica). */
  static List<Shard> shard(ImageSplits splits, int n, int batch, long seed) {
    List<ImageItem> train = new ArrayList<>(splits.train());
    Collections.shuffle(train, new Random(seed));
    int per = train.size() / n;
    if (per < batch) {
      throw SparkfastException.input("empty shard: " + splits.train().size() + " training images over " + n
          + " replicas leave " + per + " per replica, fewer than train.batch_size " + batch
          + "; use fewer replicas or a smaller batch");
    }
    if (splits.valid().size() < n) {
      throw SparkfastException.input("the validation split has " + splits.valid().size() + " images, fewer than the "
          + n + " replicas");
    }
    List<String> vocab = splits.vocab().labels();
    List<Shard> shards = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      List<String> tp = new ArrayList<>();
      int[] tl = new int[per];
      for (int i = 0; i < per; i++) {
        ImageItem it = train.get(r + i * n);
        tp.add(it.source().name());
        tl[i] = it.label();
      }
      List<String> vp = new ArrayList<>();
      List<Integer> vl = new ArrayList<>();
      for (int i = r; i < splits.valid().size(); i += n) {
        vp.add(splits.valid().get(i).source().name());
        vl.add(splits.valid().get(i).label());
      }
      List<String> all = r == 0 ? splits.valid().stream().map(i -> i.source().name()).toList() : List.of();
      int[] allLabels = r == 0 ? splits.valid().stream().mapToInt(ImageItem::label).toArray() : new int[0];
      shards.add(new Shard(tp, tl, vp, vl.stream().mapToInt(Integer::intValue).toArray(), vocab, all, allLabels));
    }
    return shards;
  }

  /** Copies the checkpoints to resume from into the run's store after checking they fit this model. */
  private static void seedFromResume(VisionSpec spec, ImageSplits splits, Path from, CheckpointStore store) {
    boolean any = false;
    for (String name : VisionTraining.CHECKPOINTS) {
      Path f = from.resolve(name);
      if (!Files.isRegularFile(f)) {
        continue;
      }
      any = true;
      try (NDManager m = NDManager.newBaseManager();
          VisionTraining.Prepared p = VisionTraining.prepare(spec, splits.vocab(), splits.train(), m)) {
        ImageDataset ds = VisionTraining.trainDataset(spec, splits.vocab(), p.pipeline(),
            VisionTraining.limit(splits.train(), spec.fit().batchSize(), 1));
        try (Learner learn = VisionTraining.learner(spec, p, ds, null,
            io.sparkfast.common.train.GradientSync.none(), 0, m)) {
          learn.loadCheckpoint(f); // throws a named error for another architecture or label set
        }
      } catch (IllegalArgumentException e) {
        throw SparkfastException.input("train.resume_from " + f + " does not fit this model: " + e.getMessage());
      }
      store.put(f, name);
    }
    if (!any) {
      throw SparkfastException.input("train.resume_from " + from + " holds no checkpoint ("
          + String.join(", ", VisionTraining.CHECKPOINTS) + ")");
    }
  }

  /** The replica: presize, broadcast, train with all-reduce, gather metrics, checkpoint, export. */
  static final class ReplicaRun implements DataParallel.ReplicaFn<Shard, Map<String, Object>> {
    private final VisionSpec spec;
    private final CheckpointStore store;
    private final String outDir;
    private final Faults faults;
    private final String cacheDir;
    private final AllReduceGradientSync.BatchNormStats batchNorm;
    private final Duration presizeTimeout;
    private final Duration checkpointTimeout;

    /**
     * {@code cacheDir}: the presize cache folder on every executor, or null for Spark's local directory;
     * {@code presizeTimeout}: how long replicas wait for the slowest to presize its shard; {@code checkpointTimeout}:
     * how long they wait for rank 0 to store a checkpoint.
     */
    ReplicaRun(VisionSpec spec, CheckpointStore store, String outDir, Faults faults, String cacheDir,
        AllReduceGradientSync.BatchNormStats batchNorm, Duration presizeTimeout, Duration checkpointTimeout) {
      this.spec = spec;
      this.store = store;
      this.outDir = outDir;
      this.faults = faults;
      this.cacheDir = cacheDir;
      this.batchNorm = batchNorm;
      this.presizeTimeout = presizeTimeout;
      this.checkpointTimeout = checkpointTimeout;
    }

    @Override
    public Map<String, Object> run(Shard shard, DataParallel.Replica replica) throws Exception {
      Collective c = replica.collective();
      int rank = replica.rank();
      boolean firstAttempt = replica.stageAttempt() == 0;
      Engine.getInstance().setRandomSeed((int) spec.fit().seed());
      io.sparkfast.runtime.EngineThreads.configureForTask();
      // task threads start with PyTorch's thread-local grad mode on; DJL expects it off outside autograd scopes
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
      Vocab vocab = Vocab.ofOrdered(shard.vocab());
      int presize = spec.pipeline().presize();
      long tPresize = System.nanoTime();
      PresizeCache cache = PresizeCache.onExecutor(cacheDir);
      String tag = "r" + rank + "of" + replica.size() + "-p" + presize + "-s" + spec.fit().seed();
      List<PresizeCache.Shard> cached = new ArrayList<>();
      Map<String, String> cacheOutcomes = new LinkedHashMap<>();
      PresizeCache.Presizer presizer = file -> presize(file, presize);
      cached.add(cache.load("train-" + tag, shard.train(), shard.trainLabels(), presizer));
      cached.add(cache.load("valid-" + tag, shard.valid(), shard.validLabels(), presizer));
      List<ImageItem> train = cached.get(0).items();
      List<ImageItem> valid = cached.get(1).items();
      cacheOutcomes.put("train", cached.get(0).outcome().name().toLowerCase());
      cacheOutcomes.put("valid", cached.get(1).outcome().name().toLowerCase());
      double presizeSeconds = (System.nanoTime() - tPresize) / 1e9;
      Path local = Files.createTempDirectory("sparkfast-replica-" + rank + "-");
      Path ckptLocal = Files.createDirectories(local.resolve("checkpoints"));
      // every replica has presized its shard before any reads the checkpoints; on a retry a replica on a fresh
      // executor presizes its whole shard while the others find theirs cached, so this wait gets its own deadline
      // rather than op_timeout
      c.barrier(presizeTimeout);
      boolean resume = false;
      for (String name : VisionTraining.CHECKPOINTS) {
        resume |= store.get(name, ckptLocal.resolve(name));
      }
      // ... and every replica read the same checkpoints (a task left over from a failed attempt could still be
      // replacing one) before rank 0 can write new ones
      c.requireSame(fingerprint(ckptLocal), "the checkpoints read from " + store.dir());
      Device device = DataParallel.djlDevice(replica.device());
      Map<String, Object> result = new LinkedHashMap<>();
      try (NDManager manager = NDManager.newBaseManager(device);
          VisionTraining.Prepared p = VisionTraining.prepare(spec, vocab, train, manager)) {
        AllReduceGradientSync.broadcastParameters(p.model().block(), c, 0);
        ImageDataset trainDs = VisionTraining.trainDataset(spec, vocab, p.pipeline(), train);
        ImageDataset validDs = VisionTraining.validDataset(spec, vocab, p.pipeline(), valid);
        AllReduceGradientSync sync = new AllReduceGradientSync(c, batchNorm);
        List<EpochMetrics> epochs = new ArrayList<>();
        List<Callback> extra = new ArrayList<>();
        extra.add(new GlobalMetrics(c, valid.size()));
        if (spec.fit().checkpointEvery() > 0) {
          extra.add(new AwaitCheckpoint(c, spec.fit().checkpointEvery(), checkpointTimeout));
        }
        if (firstAttempt && rank == faults.stallRank()) {
          extra.add(new Stall(faults.stallSeconds()));
        }
        if (firstAttempt && rank == faults.failRank()) {
          extra.add(new Fail());
        }
        long tFit = System.nanoTime();
        long nanos0 = c.nanosInCollectives();
        int resumed;
        try (Learner learn = VisionTraining.learner(spec, p, trainDs, validDs, sync, rank, manager)) {
          resumed = VisionTraining.runSchedule(learn, spec, ckptLocal, resume, epochs,
              file -> new SaveCheckpointCallback(file, spec.fit().checkpointEvery(), 0, written -> {
                if (firstAttempt && faults.slowCheckpointSeconds() > 0) {
                  slowUpload(faults.slowCheckpointSeconds());
                }
                store.put(written, written.getFileName().toString());
              }),
              extra);
        }
        double fitSeconds = (System.nanoTime() - tFit) / 1e9;
        result.put("rank", rank);
        result.put("stage_attempt", replica.stageAttempt());
        result.put("device", replica.device());
        result.put("resumed_phases", resumed);
        result.put("steps", sync.steps());
        result.put("images_trained", sync.steps() * (long) Math.min(spec.fit().batchSize(), train.size()));
        result.put("presize_seconds", presizeSeconds);
        result.put("fit_seconds", fitSeconds);
        result.put("allreduce_seconds", (c.nanosInCollectives() - nanos0) / 1e9);
        result.put("bytes_sent", c.bytesSent());
        if (rank == 0) {
          Path plots = Files.createDirectories(local.resolve("plots"));
          cached.add(cache.load("allvalid-" + tag, shard.allValid(), shard.allValidLabels(), presizer));
          cacheOutcomes.put("all_valid", cached.get(2).outcome().name().toLowerCase());
          result.put("valid", VisionTraining.evaluate(spec, p, vocab, cached.get(2).items(), plots));
          Plots.epochs(epochs, plots.resolve("epochs.png"));
          Path model = local.resolve("model");
          io.sparkfast.common.artifact.ModelExport.export(model, p.model().block(), p.model().config(), vocab,
              p.pipeline(), p.numFeatures(), true);
          upload(local, outDir, "model", "plots", "checkpoints");
          result.put("history", VisionTraining.history(epochs));
        }
      } finally {
        deleteTree(local);
      }
      result.put("presize_cache", cacheOutcomes);
      // only a successful replica drops its cache; a failed one keeps it for the stage's retry on this executor
      cached.forEach(PresizeCache::delete);
      return result;
    }

    /**
     * The file's bytes, or when its shorter side exceeds {@code presize} a PNG downscaled so that the shorter side
     * is {@code presize}: written once to the {@link PresizeCache}, so later epochs (and a retried stage on the
     * same executor) never read or resample the original files again.
     */
    static byte[] presize(Path file, int presize) throws IOException {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new IOException("cannot read image " + file + ": " + e.getMessage(), e);
      }
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
      if (img == null) {
        throw new IllegalArgumentException("cannot decode image " + file);
      }
      int shorter = Math.min(img.getWidth(), img.getHeight());
      if (shorter <= presize) {
        return bytes;
      }
      double s = (double) presize / shorter;
      int w = Math.max(1, (int) Math.round(img.getWidth() * s));
      int h = Math.max(1, (int) Math.round(img.getHeight() * s));
      BufferedImage small = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = small.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, w, h, null);
      g.dispose();
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      ImageIO.write(small, "png", bos);
      return bos.toByteArray();
    }

    /** CRC-32 of the checkpoint files present under {@code dir} (names and bytes), with their total size. */
    static long fingerprint(Path dir) throws IOException {
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      long bytes = 0;
      for (String name : VisionTraining.CHECKPOINTS) {
        Path f = dir.resolve(name);
        if (Files.exists(f)) {
          crc.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
          try (java.io.InputStream in = new java.util.zip.CheckedInputStream(Files.newInputStream(f), crc)) {
            bytes += in.transferTo(java.io.OutputStream.nullOutputStream());
          }
        }
      }
      return (bytes << 32) ^ crc.getValue();
    }

    static void upload(Path local, String outDir, String... names) throws IOException {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(outDir);
      FileSystem fs = target.getFileSystem(new Configuration());
      for (String name : names) {
        Path p = local.resolve(name);
        if (Files.exists(p)) {
          // a re-run stage uploads again: replace the earlier upload (copying a folder onto an existing folder
          // would nest it inside, as model/model)
          org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(target, name);
          fs.delete(dst, true);
          fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(p.toUri()), dst);
        }
      }
    }

    private static void deleteTree(Path root) {
      try (var walk = Files.walk(root)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        logger.warn("Cannot delete {}", root, e);
      }
    }
  }

  /**
   * Sums validation loss and metrics (weighted by each replica's validation count: exact for accuracy and error
   * rate) over replicas after each epoch and puts the global row into every replica's Recorder, before the
   * checkpoint stores it: the history, its plots and a resumed attempt's history see the global metrics.
   */
  static final class GlobalMetrics implements Callback {
    private final Collective c;
    private final int validCount;

    GlobalMetrics(Collective c, int validCount) {
      this.c = c;
      this.validCount = validCount;
    }

    @Override
    public int order() {
      return 60; // after the Recorder (50) has its epoch row, before checkpoints (70)
    }

    @Override
    public void afterEpoch(Learner learn) {
      List<EpochMetrics> rows = learn.recorder().values();
      EpochMetrics last = rows.get(rows.size() - 1);
      List<String> names = new ArrayList<>(last.metrics().keySet()); // the same metrics in the same order everywhere
      double[] sums = new double[4 + names.size()];
      sums[0] = last.validLoss() * validCount;
      sums[1] = validCount;
      sums[2] = last.trainLoss();
      sums[3] = 1;
      for (int i = 0; i < names.size(); i++) {
        sums[4 + i] = last.metrics().get(names.get(i)) * validCount;
      }
      c.allReduceSum(sums);
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        metrics.put(names.get(i), sums[4 + i] / sums[1]);
      }
      EpochMetrics global = new EpochMetrics(last.epoch(), sums[2] / sums[3], sums[0] / sums[1], metrics,
          last.seconds());
      learn.recorder().replaceLast(global);
      if (learn.rank() == 0) {
        logger.info("epoch {} (all replicas): train_loss {} valid_loss {} {}", global.epoch(), global.trainLoss(),
            global.validLoss(), metrics);
      }
    }
  }

  /** Test hook: sleeps once, mid-epoch, past the all-reduce timeout. */
  static final class Stall implements Callback {
    private final long seconds;
    private boolean done;

    Stall(long seconds) {
      this.seconds = seconds;
    }

    @Override
    public void afterBatch(Learner learn) {
      if (!done && learn.isTraining() && learn.trainIter() >= 2) {
        done = true;
        logger.warn("debug: replica {} stalls for {} s", learn.rank(), seconds);
        try {
          Thread.sleep(seconds * 1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * Every replica waits at the end of each checkpointed epoch until rank 0 has written and uploaded the checkpoint,
   * with its own deadline: otherwise the others would wait for that upload in the next epoch's first all-reduce,
   * whose op_timeout is sized for a training step, not for a large model going to slow shared storage. Order 71,
   * right after {@link SaveCheckpointCallback}.
   */
  static final class AwaitCheckpoint implements Callback {
    private final Collective collective;
    private final int everyEpochs;
    private final Duration timeout;

    AwaitCheckpoint(Collective collective, int everyEpochs, Duration timeout) {
      this.collective = collective;
      this.everyEpochs = everyEpochs;
      this.timeout = timeout;
    }

    @Override
    public int order() {
      return 71;
    }

    @Override
    public boolean runValid() {
      return false;
    }

    @Override
    public void afterEpoch(Learner learn) {
      if (SaveCheckpointCallback.dueAfterEpoch(learn, everyEpochs)) {
        collective.barrier(timeout);
      }
    }
  }

  /** Test hook: rank 0's checkpoint upload takes this long (slow shared storage). */
  private static void slowUpload(long seconds) {
    logger.warn("debug: the checkpoint upload takes {} s", seconds);
    try {
      Thread.sleep(seconds * 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Test hook: fails once after the first epoch's checkpoint. */
  static final class Fail implements Callback {
    @Override
    public int order() {
      return 80;
    }

    @Override
    public void afterBatch(Learner learn) {
      if (learn.isTraining() && learn.epoch() >= 1 && learn.trainIter() > 0) {
        throw new IllegalStateException("debug: replica " + learn.rank() + " fails on purpose (distributed.debug)");
      }
    }
  }
}
