package io.sparkfast.runtime;

import io.sparkfast.common.artifact.ExportedModel;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor-side model cache: each exported model is loaded once per executor JVM, keyed by model URI + device,
 * and shared by every task (thread-safe); each task creates its own predictor from it and closes it when the task
 * ends. Models stay loaded until the JVM exits (a shutdown hook releases their native memory).
 */
public final class ModelCache {

  private static final Logger logger = LoggerFactory.getLogger(ModelCache.class);
  private static final ConcurrentHashMap<String, ExportedModel> MODELS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> MODELS.values().forEach(ExportedModel::close)));
  }

  private ModelCache() {}

  /**
   * The model {@code ref} names (a sparkfast folder, a TorchScript file or a URL) on {@code device} ({@code cpu} or
   * {@code gpu:N}, the GPU Spark assigned to the task), loaded once.
   */
  public static ExportedModel get(ModelRef ref, String device) {
    return MODELS.computeIfAbsent(ref.key() + "|" + device, k -> {
      long t0 = System.nanoTime();
      ExportedModel m = ref.open(DataParallel.djlDevice(device));
      logger.info("Loaded model {} on {} in {} ms (cached for this executor)", ref.uri(), device,
          (System.nanoTime() - t0) / 1_000_000);
      return m;
    });
  }
}
