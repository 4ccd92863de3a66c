package io.sparkfast.jobs.vision;

import com.typesafe.config.Config;
import io.sparkfast.common.data.AugConfig;
import io.sparkfast.common.data.CsvLayout;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ItemCrop;
import io.sparkfast.common.data.NormStats;
import io.sparkfast.common.data.PadMode;
import io.sparkfast.common.data.ResizeMethod;
import io.sparkfast.common.vision.VisionSpec;
import io.sparkfast.jobs.SparkfastException;
import io.sparkfast.jobs.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Reads the vision jobs' HOCON ({@code vision-reference.conf}) into a {@link VisionSpec}; errors name the key. */
public final class VisionConfig {

  private VisionConfig() {}

  /** The spec of {@code c}; a bad value is a configuration error naming its key. */
  public static VisionSpec spec(Config c) {
    try {
      String path = str(c, "data.path");
      if (path == null) {
        throw SparkfastException.config("data.path must be set (a folder of images, IDX files or mnist JSON)");
      }
      String cache = str(c, "data.cache");
      String format = str(c, "data.format");
      String labelDelim = str(c, "data.label_delim");
      VisionSpec.Csv csv = null;
      if ("csv".equalsIgnoreCase(String.valueOf(format).strip())) {
        csv = new VisionSpec.Csv(str(c, "data.labels_csv"), str(c, "data.folder"), new CsvLayout(
            str(c, "data.fn_col"), str(c, "data.label_col"), str(c, "data.valid_col"), labelDelim,
            str(c, "data.suffix")));
      } else if (labelDelim != null) {
        throw SparkfastException.config("data.label_delim applies to data.format = csv (labels from a CSV); got"
            + " data.format = " + format);
      }
      VisionSpec.Data data = new VisionSpec.Data(format, path, cache, str(c, "data.train_folder"),
          str(c, "data.valid_folder"), dbl(c, "data.valid_pct"), integer(c, "data.train_per_class"),
          integer(c, "data.limit_train"), integer(c, "data.limit_valid"), lng(c, "data.seed"), csv);
      String arch = str(c, "model.arch");
      if (str(c, "model.torchscript") == null && !io.sparkfast.common.model.Backbones.ARCHS.contains(arch)) {
        throw SparkfastException.config("model.arch: unknown backbone '" + arch + "'; valid backbones are "
            + io.sparkfast.common.model.Backbones.ARCHS + " (or set model.torchscript)");
      }
      boolean multiLabel = multiLabel(c, labelDelim);
      VisionSpec.ModelSpec model = new VisionSpec.ModelSpec(str(c, "model.arch"), str(c, "model.pretrained"),
          str(c, "model.torchscript"), multiLabel);
      int size = integer(c, "input.size");
      int channels = integer(c, "input.channels");
      AugConfig aug = new AugConfig(bool(c, "input.aug.flip"), dbl(c, "input.aug.max_rotate"),
          dbl(c, "input.aug.min_zoom"), dbl(c, "input.aug.max_zoom"), dbl(c, "input.aug.max_lighting"),
          dbl(c, "input.aug.p_affine"), dbl(c, "input.aug.p_lighting"), 1.0, PadMode.REFLECTION);
      ImagePipelineConfig pipe = new ImagePipelineConfig(size, integer(c, "input.presize"),
          enumOf(ItemCrop.class, c, "input.item_crop"), enumOf(ResizeMethod.class, c, "input.resize_method"),
          PadMode.REFLECTION, dbl(c, "input.min_scale"), aug, NormStats.imagenet().forChannels(channels), channels);
      VisionSpec.Fit fit = new VisionSpec.Fit(VisionSpec.Schedule.parse(str(c, "train.schedule")),
          integer(c, "train.epochs"), dbl(c, "train.lr"), integer(c, "train.freeze_epochs"),
          dbl(c, "train.lr_mult"), dbl(c, "train.pct_start"), dbl(c, "train.div"), integer(c, "train.batch_size"),
          dbl(c, "train.wd"), dbl(c, "train.label_smoothing"), dbl(c, "train.mixup"), integer(c, "train.n_acc"),
          lng(c, "train.seed"), integer(c, "train.checkpoint_every"));
      VisionSpec.LrFind lr = new VisionSpec.LrFind(dbl(c, "lr_find.start_lr"), dbl(c, "lr_find.end_lr"),
          integer(c, "lr_find.num_it"));
      if (multiLabel && fit.labelSmoothing() > 0) {
        throw SparkfastException.config("train.label_smoothing applies to single-label (softmax) models; set it to"
            + " 0 with model.multi_label = true");
      }
      VisionSpec.Eval eval = new VisionSpec.Eval(bool(c, "eval.tta"), integer(c, "eval.tta_n"),
          integer(c, "eval.top_losses"), dbl(c, "eval.threshold"));
      return new VisionSpec(data, model, pipe, VisionSpec.Norm.parse(str(c, "input.norm")), fit, lr, eval);
    } catch (IllegalArgumentException e) {
      throw SparkfastException.config(e.getMessage());
    }
  }

  /**
   * {@code model.multi_label}, or when it is null whether {@code data.label_delim} is set (labels split into
   * sets make a multi-label problem, as fastai's {@code label_delim} gives a {@code MultiCategoryBlock}).
   */
  static boolean multiLabel(Config c, String labelDelim) {
    if (c.getIsNull("model.multi_label")) {
      return labelDelim != null;
    }
    boolean multi = bool(c, "model.multi_label");
    if (!multi && labelDelim != null) {
      throw SparkfastException.config("data.label_delim = \"" + labelDelim + "\" gives items sets of labels, which"
          + " needs model.multi_label = true (or null to infer it); got false");
    }
    return multi;
  }

  public static String str(Config c, String key) {
    return c.getIsNull(key) ? null : ConfigLoader.read(c, key, Config::getString);
  }

  static double dbl(Config c, String key) {
    return ConfigLoader.read(c, key, Config::getDouble);
  }

  static int integer(Config c, String key) {
    return ConfigLoader.read(c, key, Config::getInt);
  }

  static long lng(Config c, String key) {
    return ConfigLoader.read(c, key, Config::getLong);
  }

  static boolean bool(Config c, String key) {
    return ConfigLoader.read(c, key, Config::getBoolean);
  }

  static long millis(Config c, String key) {
    return ConfigLoader.read(c, key, (cfg, k) -> cfg.getDuration(k, TimeUnit.MILLISECONDS));
  }

  static <E extends Enum<E>> E enumOf(Class<E> type, Config c, String key) {
    String v = str(c, key);
    try {
      return Enum.valueOf(type, v.strip().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw SparkfastException.config("config key '" + key + "': '" + v + "' is not one of "
          + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
    }
  }
}
