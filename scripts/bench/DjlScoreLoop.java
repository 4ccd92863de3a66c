import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark baseline: the plain single-JVM DJL loop a user would write without Spark (DJL's own image
 * classification translator, batchPredict in batches), over the files listed in FILE_LIST.
 *
 *   java -cp JARS scripts/bench/DjlScoreLoop.java MODEL.pt LABELS.txt FILE_LIST SIZE BATCH
 *
 * Prints one JSON line: images, seconds (decode + inference, after one warm-up batch), images_per_second.
 */
public class DjlScoreLoop {
  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    List<String> labels = Files.readAllLines(Path.of(args[1]));
    List<String> files = Files.readAllLines(Path.of(args[2]));
    int size = Integer.parseInt(args[3]);
    int batch = Integer.parseInt(args[4]);
    ImageClassificationTranslator translator = ImageClassificationTranslator.builder()
        .setImageSize(size, size)
        .addTransform(new Resize(size, size))
        .addTransform(new ToTensor())
        .addTransform(new Normalize(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}))
        .optSynset(labels)
        .optApplySoftmax(true)
        .build();
    Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
        .optModelPath(model).optEngine("PyTorch").optTranslator(translator).build();
    try (ZooModel<Image, Classifications> zoo = criteria.loadModel();
        Predictor<Image, Classifications> predictor = zoo.newPredictor()) {
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
      ImageFactory f = ImageFactory.getInstance();
      List<Image> warm = new ArrayList<>();
      for (int i = 0; i < Math.min(batch, files.size()); i++) {
        warm.add(f.fromFile(Path.of(files.get(i))));
      }
      predictor.batchPredict(warm);
      long t0 = System.nanoTime();
      long n = 0;
      for (int start = 0; start < files.size(); start += batch) {
        List<Image> images = new ArrayList<>();
        for (String p : files.subList(start, Math.min(files.size(), start + batch))) {
          images.add(f.fromFile(Path.of(p)));
        }
        n += predictor.batchPredict(images).size();
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(java.util.Locale.ROOT, "{\"images\": %d, \"seconds\": %.3f, \"images_per_second\": %.2f, "
          + "\"threads\": %d}%n", n, s, n / s, ai.djl.pytorch.jni.JniUtils.getNumThreads());
    }
  }
}
