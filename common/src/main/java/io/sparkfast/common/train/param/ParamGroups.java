package io.sparkfast.common.train.param;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ordered parameter groups of a model, fastai's {@code splitter}: group 0 is nearest the input, the last group
 * is the head. Freezing, discriminative learning rates ({@code slice}) and per-group optimizer settings are
 * expressed against group indices.
 *
 * <p>Groups are resolved from the block's hierarchical parameter names (as {@link Block#getParameters()} lists
 * them) and then keyed by {@link Parameter#getId()}, the id DJL's optimizers receive in {@code update}.
 *
 * <p><b>Freezing</b> ({@link #freezeTo}) mirrors fastai's {@code Optimizer.freeze_to}: parameters of groups
 * before {@code n} stop requiring gradients ({@link Parameter#freeze}), so PyTorch computes no gradient for them
 * and the optimizer skips them. Normalization parameters (those owned by {@link BatchNorm} or {@link LayerNorm}
 * blocks, found by block type, not by name) stay trainable when {@code trainBn} is set, fastai's
 * {@code train_bn=True}. Parameters that never required a gradient (BatchNorm running statistics) are never
 * touched. This object therefore carries the freeze state of the block's parameters; it is not thread-safe.
 */
public final class ParamGroups {

  private static final Logger logger = LoggerFactory.getLogger(ParamGroups.class);

  /** One named group of parameters. */
  public record Group(String name, List<String> parameterNames, List<Parameter> parameters) {
    public Group {
      parameterNames = List.copyOf(parameterNames);
      parameters = List.copyOf(parameters);
    }
  }

  private final List<Group> groups;
  private final Map<String, Integer> groupById;
  private final Set<String> normIds;
  private final Set<String> trainableIds;
  private final Map<String, String> nameById;
  private int frozenIndex;

  private ParamGroups(List<Group> groups, Set<String> normIds) {
    this.groups = List.copyOf(groups);
    Map<String, Integer> byId = new HashMap<>();
    Set<String> trainable = new HashSet<>();
    Map<String, String> names = new HashMap<>();
    for (int g = 0; g < groups.size(); g++) {
      Group group = groups.get(g);
      for (int i = 0; i < group.parameters().size(); i++) {
        Parameter p = group.parameters().get(i);
        byId.put(p.getId(), g);
        names.put(p.getId(), group.parameterNames().get(i));
        if (p.requiresGradient()) {
          trainable.add(p.getId());
        }
      }
    }
    this.groupById = Collections.unmodifiableMap(byId);
    this.normIds = Set.copyOf(normIds);
    this.trainableIds = Set.copyOf(trainable);
    this.nameById = Collections.unmodifiableMap(names);
  }

  /** All parameters of {@code block} in one group (a model trained from scratch). */
  public static ParamGroups single(Block block) {
    return split(block, List.of("all"), List.of(name -> true));
  }

  /**
   * Splits {@code block}'s parameters into groups: each parameter goes to the first group whose predicate
   * accepts its hierarchical name. Every parameter must land in a group and no group may be empty.
   *
   * @param block an initialized block
   * @param names group names, input side first
   * @param matchers one predicate per group over the parameter's hierarchical name
   */
  public static ParamGroups split(Block block, List<String> names, List<Predicate<String>> matchers) {
    if (names.size() != matchers.size() || names.isEmpty()) {
      throw new IllegalArgumentException(
          "ParamGroups needs one matcher per group name; got " + names.size() + " names and "
              + matchers.size() + " matchers");
    }
    List<List<String>> groupNames = new ArrayList<>();
    List<List<Parameter>> groupParams = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      groupNames.add(new ArrayList<>());
      groupParams.add(new ArrayList<>());
    }
    PairList<String, Parameter> params = block.getParameters();
    for (Pair<String, Parameter> pair : params) {
      int g = -1;
      for (int i = 0; i < matchers.size(); i++) {
        if (matchers.get(i).test(pair.getKey())) {
          g = i;
          break;
        }
      }
      if (g < 0) {
        throw new IllegalArgumentException(
            "Parameter '" + pair.getKey() + "' matches no parameter group " + names);
      }
      groupNames.get(g).add(pair.getKey());
      groupParams.get(g).add(pair.getValue());
    }
    List<Group> groups = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (groupParams.get(i).isEmpty()) {
        throw new IllegalArgumentException("Parameter group '" + names.get(i) + "' matched no parameters");
      }
      groups.add(new Group(names.get(i), groupNames.get(i), groupParams.get(i)));
    }
    Set<String> norm = new HashSet<>();
    collectNormParameters(block, norm);
    return new ParamGroups(groups, norm);
  }

  private static void collectNormParameters(Block block, Set<String> out) {
    if (block instanceof BatchNorm || block instanceof LayerNorm) {
      for (Pair<String, Parameter> p : block.getParameters()) {
        out.add(p.getValue().getId());
      }
      return;
    }
    for (Pair<String, Block> child : block.getChildren()) {
      collectNormParameters(child.getValue(), out);
    }
  }

  /** Number of groups. */
  public int size() {
    return groups.size();
  }

  /** The groups, input side first. */
  public List<Group> groups() {
    return groups;
  }

  /** Group {@code index}. */
  public Group get(int index) {
    return groups.get(index);
  }

  /** The group index of the parameter with DJL id {@code parameterId}, or -1 when it belongs to no group. */
  public int groupOf(String parameterId) {
    Integer g = groupById.get(parameterId);
    return g == null ? -1 : g;
  }

  /** The hierarchical name of the parameter with DJL id {@code parameterId}, or null when it is in no group. */
  public String nameOf(String parameterId) {
    return nameById.get(parameterId);
  }

  /** Whether the parameter belongs to a normalization block (BatchNorm, LayerNorm), detected by block type. */
  public boolean isNormParameter(String parameterId) {
    return normIds.contains(parameterId);
  }

  /** Whether the parameter was trainable (required a gradient) when the groups were built. */
  public boolean isTrainable(String parameterId) {
    return trainableIds.contains(parameterId);
  }

  /**
   * Freezes groups {@code 0 .. n-1} and unfreezes groups {@code n ..} (fastai's {@code freeze_to}); a negative
   * {@code n} counts from the end ({@code -1} freezes all but the last group). With {@code trainBn},
   * normalization parameters of frozen groups stay trainable.
   *
   * @param n number of leading groups to freeze, or a negative index from the end
   * @param trainBn keep BatchNorm/LayerNorm parameters trainable in frozen groups (fastai default true)
   */
  public void freezeTo(int n, boolean trainBn) {
    int idx = n >= 0 ? n : groups.size() + n;
    if (idx < 0) {
      throw new IllegalArgumentException(
          "freezeTo(" + n + ") reaches before the first of " + groups.size() + " parameter groups");
    }
    if (idx >= groups.size()) {
      logger.warn("Freezing {} groups; model has {}; whole model is frozen.", idx, groups.size());
    }
    for (int g = 0; g < groups.size(); g++) {
      boolean frozenGroup = g < idx;
      for (Parameter p : groups.get(g).parameters()) {
        if (!trainableIds.contains(p.getId())) {
          continue;
        }
        boolean keep = !frozenGroup || (trainBn && normIds.contains(p.getId()));
        if (p.requiresGradient() != keep) {
          p.freeze(!keep);
        }
      }
    }
    frozenIndex = Math.min(idx, groups.size());
  }

  /** Freezes every group but the last (fastai's {@code freeze}); needs at least two groups. */
  public void freeze(boolean trainBn) {
    if (groups.size() < 2) {
      throw new IllegalStateException(
          "freeze() needs at least two parameter groups (body and head); this model has " + groups.size()
              + ". Build ParamGroups with split(...) to separate the head");
    }
    freezeTo(-1, trainBn);
  }

  /** Makes every originally trainable parameter trainable again (fastai's {@code unfreeze}). */
  public void unfreeze() {
    freezeTo(0, true);
  }

  /** Number of leading groups currently frozen (0 when unfrozen). */
  public int frozenIndex() {
    return frozenIndex;
  }

  /** The parameters that currently require a gradient, i.e. that the optimizer updates, in group order. */
  public List<Parameter> trainableParameters() {
    List<Parameter> out = new ArrayList<>();
    for (Group g : groups) {
      for (Parameter p : g.parameters()) {
        if (trainableIds.contains(p.getId()) && p.requiresGradient()) {
          out.add(p);
        }
      }
    }
    return out;
  }
}
