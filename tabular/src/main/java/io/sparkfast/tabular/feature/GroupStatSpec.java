package io.sparkfast.tabular.feature;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One group statistic of {@link GroupStats}, parsed from {@code "<stat>(<value>) by <key>[,<key>...] as <output>"}
 * or {@code "count by <keys> as <output>"}, e.g. {@code "mean(delay) by origin,hour as origin_hour_delay_mean"}.
 *
 * @param stat count, mean, sum, min, max, std, nunique or rank
 * @param value the value column, or null for a row count
 * @param keys the group key columns
 * @param output the new column
 */
public record GroupStatSpec(String stat, String value, List<String> keys, String output) implements Serializable {

  /** The statistics understood. */
  public static final Set<String> STATS = Set.of("count", "mean", "sum", "min", "max", "std", "nunique", "rank");
  /** The grammar, for error messages. */
  public static final String GRAMMAR = "\"<stat>(<column>) by <key>[,<key>...] as <output>\" or "
      + "\"count by <keys> as <output>\", stat one of count, mean, sum, min, max, std, nunique, rank";
  private static final Pattern SPEC = Pattern.compile(
      "^\\s*(\\w+)\\s*(?:\\(\\s*([^()]+?)\\s*\\))?\\s+by\\s+(.+?)\\s+as\\s+(\\S+)\\s*$", Pattern.CASE_INSENSITIVE);

  /** Validates and copies. */
  public GroupStatSpec {
    keys = List.copyOf(keys);
  }

  /** Parses one spec; fails with the grammar on bad syntax. */
  public static GroupStatSpec parse(String spec) {
    Matcher m = SPEC.matcher(spec == null ? "" : spec);
    if (!m.matches()) {
      throw new IllegalArgumentException("GroupStats spec '" + spec + "' does not parse; expected " + GRAMMAR);
    }
    String stat = m.group(1).toLowerCase(java.util.Locale.ROOT);
    if (!STATS.contains(stat)) {
      throw new IllegalArgumentException("GroupStats spec '" + spec + "' uses unknown statistic '" + stat
          + "'; expected " + GRAMMAR);
    }
    String value = m.group(2);
    if (value == null && !stat.equals("count")) {
      throw new IllegalArgumentException("GroupStats spec '" + spec + "': " + stat + " needs a column, as in "
          + stat + "(delay)");
    }
    List<String> keys = new ArrayList<>();
    for (String k : m.group(3).split(",")) {
      if (k.isBlank()) {
        throw new IllegalArgumentException("GroupStats spec '" + spec + "' has an empty key; expected " + GRAMMAR);
      }
      keys.add(k.trim());
    }
    return new GroupStatSpec(stat, value, keys, m.group(4));
  }
}
