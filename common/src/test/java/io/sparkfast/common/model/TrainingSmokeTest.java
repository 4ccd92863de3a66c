package io.sparkfast.common.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.sparkfast.common.data.AugConfig;
import io.sparkfast.common.data.ImageDataset;
import io.sparkfast.common.data.ImageFolders;
import io.sparkfast.common.data.ImagePipelineConfig;
import io.sparkfast.common.data.ImageSplits;
import io.sparkfast.common.testing.TestImages;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pieces the Learner combines (ImageDataset batches, the classifier block, its loss and metric) train
 * with a plain DJL Trainer: the loss on an easy two-colour problem goes down.
 */
class TrainingSmokeTest {

  @Test
  void classifierTrainsOnImageFolderBatches(@TempDir Path root) throws Exception {
    TestImages.writeFolderTree(root, new String[] {"train", "valid"}, new String[] {"red", "blue"}, 8, 16);
    ImageSplits splits = ImageFolders.fromSplitFolders(root, "train", "valid");
    ImagePipelineConfig pipe = ImagePipelineConfig.defaults(16).withAug(AugConfig.defaults().withFlip(true));
    ImageDataset[] ds = ImageDataset.of(splits, pipe, 8, 1);
    ImageModel im = ImageModels.create(new ModelConfig("resnet18-small", 2, 3, 16, false));
    try (Model model = Model.newInstance("smoke", "PyTorch")) {
      model.setBlock(im.block());
      DefaultTrainingConfig cfg = new DefaultTrainingConfig(im.loss())
          .addEvaluator(im.metric())
          .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
      try (Trainer trainer = model.newTrainer(cfg)) {
        trainer.initialize(im.inputShape(8));
        // training-mode loss per epoch (batch statistics): a few steps are too few for BatchNorm's running
        // statistics, so an eval-mode loss would measure those rather than learning
        float first = Float.NaN;
        float last = Float.NaN;
        for (int epoch = 0; epoch < 6; epoch++) {
          float sum = 0;
          int n = 0;
          for (Batch b : trainer.iterateDataset(ds[0])) {
            try (b; ai.djl.training.GradientCollector gc = trainer.newGradientCollector()) {
              ai.djl.ndarray.NDList preds = trainer.forward(b.getData(), b.getLabels());
              ai.djl.ndarray.NDArray loss = im.loss().evaluate(b.getLabels(), preds);
              gc.backward(loss);
              sum += loss.getFloat();
              n++;
            }
            trainer.step();
          }
          if (epoch == 0) {
            first = sum / n;
          }
          last = sum / n;
        }
        assertTrue(last < first, "training loss went from " + first + " to " + last);
      }
    }
  }

  @SuppressWarnings("unused")
  private static float validLoss(Trainer trainer, ImageDataset valid, ImageModel im) throws Exception {
    float sum = 0;
    int n = 0;
    for (Batch b : trainer.iterateDataset(valid)) {
      try (b) {
        ai.djl.ndarray.NDList preds = trainer.evaluate(b.getData());
        sum += im.loss().evaluate(b.getLabels(), preds).getFloat() * b.getSize();
        n += b.getSize();
      }
    }
    return sum / n;
  }
}
