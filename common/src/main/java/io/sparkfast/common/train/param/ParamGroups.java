package io.sparkfast.common.train.param;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Ordered parameter groups of a model, fastai's {@code splitter}: group 0 is nearest the input, the last group
 * is the head. Freezing, discriminative learning rates ({@code slice}) and per-group optimizer settings are
 * expressed against group indices.
 *
 * <p>Groups are resolved from the block's hierarchical parameter names (as {@link Block#getParameters()} lists
 * them) and then keyed by {@link Parameter#getId()}, the id DJL's optimizers receive in {@code update}.
 */
public final class ParamGroups {

  /** One named group of parameters. */
  public record Group(String name, List<String> parameterNames, List<Parameter> parameters) {
    public Group {
      parameterNames = List.copyOf(parameterNames);
      parameters = List.copyOf(parameters);
    }
  }

  private final List<Group> groups;
  private final Map<String, Integer> groupById;

  private ParamGroups(List<Group> groups) {
    this.groups = List.copyOf(groups);
    Map<String, Integer> byId = new HashMap<>();
    for (int g = 0; g < groups.size(); g++) {
      for (Parameter p : groups.get(g).parameters()) {
        byId.put(p.getId(), g);
      }
    }
    this.groupById = Collections.unmodifiableMap(byId);
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
    return new ParamGroups(groups);
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
}
