import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.sparkfast.common.infer.OneDnn;
import java.nio.file.Path;

/**
 * The forward pass alone, on a random batch: a TorchScript model through DJL with dense NCHW input (DJL's default)
 * and with the input in oneDNN's blocked layout ({@link OneDnn}, what {@code sparkfast score} uses on CPU), softmax
 * and the copy out included.
 *
 *   java -cp JARS scripts/bench/ForwardLayout.java MODEL.pt BATCH SIZE ITERATIONS
 *
 * Prints one JSON line per layout: layout, batch, ms_per_batch, images_per_second (mean of two measured rounds of
 * ITERATIONS batches per layout, alternating, after a warm-up round of both).
 */
public class ForwardLayout {
  public static void main(String[] args) throws Exception {
    int batch = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
        .optModelPath(Path.of(args[0])).optEngine("PyTorch").optTranslator(new NoopTranslator()).build();
    try (ZooModel<NDList, NDList> model = criteria.loadModel();
        Predictor<NDList, NDList> predictor = model.newPredictor();
        NDManager manager = NDManager.newBaseManager()) {
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
      manager.getEngine().setRandomSeed(0);
      NDArray x = manager.randomNormal(new Shape(batch, 3, size, size));
      // Rounds alternate the layouts; the first round only warms up. The first batches a process runs are faster
      // than its steady state (the C heap is still unfragmented), which would favour whichever layout went first.
      String[] layouts = {"dense", "onednn"};
      double[] nanos = new double[layouts.length];
      int rounds = 3;
      for (int round = 0; round < rounds; round++) {
        for (int l = 0; l < layouts.length; l++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < iterations; i++) {
            try (NDManager step = manager.newSubManager()) {
              NDArray in = layouts[l].equals("onednn") ? OneDnn.toOneDnn(x, step) : x;
              NDArray out = predictor.predict(new NDList(in)).singletonOrThrow();
              out.attach(step);
              OneDnn.toDense(out).softmax(-1).toFloatArray();
            }
          }
          if (round > 0) {
            nanos[l] += System.nanoTime() - t0;
          }
        }
      }
      for (int l = 0; l < layouts.length; l++) {
        double ms = nanos[l] / 1e6 / iterations / (rounds - 1);
        System.out.printf("{\"layout\": \"%s\", \"batch\": %d, \"ms_per_batch\": %.1f, \"images_per_second\": %.1f}%n",
            layouts[l], batch, ms, batch * 1000 / ms);
      }
    }
  }
}
