package io.sparkfast.common.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.sparkfast.common.train.EpochMetrics;
import io.sparkfast.common.train.FitPlan;
import io.sparkfast.common.train.Learner;
import io.sparkfast.common.train.TrainingPosition;
import io.sparkfast.common.train.callback.Recorder;
import io.sparkfast.common.train.optim.GroupOptimizer;
import io.sparkfast.common.train.param.ParamGroups;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint file: the model's parameters (BatchNorm statistics included) by hierarchical name, the
 * optimizer's per-parameter state and hyper-parameters, the fit plan (epochs and schedule), the position in it,
 * the seed, the freeze state and the Recorder's history. {@link Learner#resume(Path)} continues the fit with the
 * same losses as an uninterrupted run.
 *
 * <p>Layout: a magic string and version, a JSON header (everything but arrays, plus every parameter's name and
 * shape), then the parameter arrays and the optimizer buffers in DJL's NDArray encoding. Files are written to a
 * temporary file in the same directory and renamed over the target, so a crash never leaves a partial
 * checkpoint under the target name.
 */
public final class Checkpoint {

  private static final String MAGIC = "SPARKFAST-CHECKPOINT";
  private static final int VERSION = 1;
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  /** What a checkpoint says about the fit it was taken in. */
  public record Contents(FitPlan plan, TrainingPosition position, long seed, int frozenIndex) {}

  private record ParamInfo(String name, long[] shape) {}

  private record Header(
      int version, long seed, int frozenIndex, FitPlan plan, TrainingPosition position,
      List<Map<String, Double>> hypers, Recorder.State recorder, List<ParamInfo> params) {}

  private Checkpoint() {}

  /** Writes {@code learn}'s state to {@code file} atomically. */
  public static void write(Learner learn, Path file) throws IOException {
    GroupOptimizer opt = learn.optimizer();
    ParamGroups groups = learn.paramGroups();
    List<Pair<String, Parameter>> params = learn.block().getParameters().stream().toList();
    List<ParamInfo> infos = new ArrayList<>();
    for (Pair<String, Parameter> p : params) {
      infos.add(new ParamInfo(p.getKey(), p.getValue().getArray().getShape().getShape()));
    }
    Header header = new Header(VERSION, learn.seed(), groups.frozenIndex(), learn.plan(), learn.position(),
        opt.hypers(), learn.recorder().state(), infos);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    try {
      try (OutputStream os = Files.newOutputStream(tmp);
          DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os))) {
        out.writeUTF(MAGIC);
        out.writeInt(VERSION);
        writeBytes(out, GSON.toJson(header).getBytes(StandardCharsets.UTF_8));
        out.writeInt(params.size());
        for (Pair<String, Parameter> p : params) {
          out.writeUTF(p.getKey());
          writeBytes(out, p.getValue().getArray().encode());
        }
        List<String> stateful = new ArrayList<>(opt.statefulParameters());
        stateful.sort(null);
        out.writeInt(stateful.size());
        for (String id : stateful) {
          GroupOptimizer.ParamState st = opt.state(id);
          out.writeUTF(groups.nameOf(id));
          out.writeInt(st.step());
          out.writeInt(st.buffers().size());
          for (Map.Entry<String, NDArray> e : st.buffers().entrySet()) {
            out.writeUTF(e.getKey());
            writeBytes(out, e.getValue().encode());
          }
        }
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads {@code file} into {@code learn}: checks every parameter's name and shape against the model first
   * (nothing is changed on a mismatch), then restores the freeze state, parameters, optimizer state,
   * hyper-parameters, Recorder history and seed.
   *
   * @throws IllegalArgumentException naming the first parameter that differs, when the checkpoint was taken
   *     from another architecture
   */
  public static Contents read(Learner learn, Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Checkpoint file " + file + " does not exist");
    }
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(is));
        NDManager m = learn.manager().newSubManager()) {
      m.setName("checkpoint load");
      Header header = readHeader(in, file);
      List<Pair<String, Parameter>> params = learn.block().getParameters().stream().toList();
      checkArchitecture(header.params(), params, file);

      learn.freezeTo(header.frozenIndex());
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        NDArray value = NDArray.decode(m, readBytes(in));
        Parameter p = params.get(i).getValue();
        if (!name.equals(params.get(i).getKey()) || !value.getShape().equals(p.getArray().getShape())) {
          throw new IllegalArgumentException(
              "Checkpoint " + file + " is corrupt: array " + i + " is '" + name + "' " + value.getShape()
                  + ", expected '" + params.get(i).getKey() + "' " + p.getArray().getShape());
        }
        value.toType(p.getArray().getDataType(), false).copyTo(p.getArray());
      }
      GroupOptimizer opt = learn.optimizer();
      ParamGroups groups = learn.paramGroups();
      Map<String, String> idByName = new HashMap<>();
      for (Pair<String, Parameter> p : params) {
        idByName.put(p.getKey(), p.getValue().getId());
      }
      opt.clearState();
      int nState = in.readInt();
      for (int i = 0; i < nState; i++) {
        String name = in.readUTF();
        int step = in.readInt();
        int nBuf = in.readInt();
        Map<String, NDArray> bufs = new LinkedHashMap<>();
        for (int b = 0; b < nBuf; b++) {
          String bufName = in.readUTF();
          bufs.put(bufName, NDArray.decode(m, readBytes(in)));
        }
        String id = idByName.get(name);
        if (id == null || groups.groupOf(id) < 0) {
          throw new IllegalArgumentException(
              "Checkpoint " + file + " has optimizer state for parameter '" + name + "', which the model's"
                  + " parameter groups do not hold");
        }
        opt.setState(id, step, bufs);
      }
      opt.setHypers(header.hypers());
      learn.recorder().restore(header.recorder());
      learn.restoreSeed(header.seed());
      return new Contents(header.plan(), header.position(), header.seed(), header.frozenIndex());
    }
  }

  /**
   * The Recorder's per-epoch rows stored in {@code file}, read from its header without a Learner (a resumed
   * schedule takes the rows of the phases it skips from their checkpoints).
   *
   * @throws IllegalArgumentException when {@code file} is not a sparkfast checkpoint of this format version
   */
  public static List<EpochMetrics> history(Path file) throws IOException {
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(is))) {
      Header header = readHeader(in, file);
      return header.recorder() == null ? List.of() : header.recorder().values();
    }
  }

  private static Header readHeader(DataInputStream in, Path file) throws IOException {
    String magic;
    try {
      magic = in.readUTF();
    } catch (IOException e) {
      magic = null;
    }
    if (!MAGIC.equals(magic)) {
      throw new IllegalArgumentException(file + " is not a sparkfast checkpoint");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IllegalArgumentException(
          "Checkpoint " + file + " has format version " + version + "; this build reads version " + VERSION);
    }
    return GSON.fromJson(new String(readBytes(in), StandardCharsets.UTF_8), Header.class);
  }

  private static void checkArchitecture(List<ParamInfo> saved, List<Pair<String, Parameter>> model, Path file) {
    int n = Math.min(saved.size(), model.size());
    for (int i = 0; i < n; i++) {
      ParamInfo s = saved.get(i);
      String name = model.get(i).getKey();
      Shape shape = model.get(i).getValue().getArray().getShape();
      if (!s.name().equals(name)) {
        throw new IllegalArgumentException(
            "Checkpoint " + file + " does not match the model: parameter " + i + " is '" + s.name()
                + "' in the checkpoint but '" + name + "' in the model (another architecture?)");
      }
      if (!Arrays.equals(s.shape(), shape.getShape())) {
        throw new IllegalArgumentException(
            "Checkpoint " + file + " does not match the model: parameter '" + name + "' has shape "
                + new Shape(s.shape()) + " in the checkpoint but " + shape + " in the model");
      }
    }
    if (saved.size() != model.size()) {
      String first = saved.size() > model.size()
          ? "'" + saved.get(n).name() + "' is in the checkpoint but not in the model"
          : "'" + model.get(n).getKey() + "' is in the model but not in the checkpoint";
      throw new IllegalArgumentException(
          "Checkpoint " + file + " does not match the model: it has " + saved.size() + " parameters, the model "
              + model.size() + "; parameter " + first);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len < 0) {
      throw new IOException("Negative block length " + len + " in checkpoint");
    }
    byte[] b = new byte[len];
    in.readFully(b);
    return b;
  }
}
