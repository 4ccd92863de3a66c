package io.sparkfast.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.sparkfast.jobs.SparkfastException;
import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads a job's HOCON configuration: {@code --set} overrides, then the {@code --conf} file (or the job's embedded
 * default), then the job's reference defaults. Every key given by the user must exist in the reference; an unknown
 * key is an error that names it and lists the valid keys.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /**
   * Loads and validates a configuration.
   *
   * @param referenceResource classpath resource with every valid key and its default
   * @param defaultResource classpath resource used when {@code confFile} is null (the embedded default), or null
   * @param confFile the user's {@code --conf} file, or null
   * @param overrides {@code key=value} strings from {@code --set}, values parsed as HOCON (see {@link #override})
   */
  public static Config load(String referenceResource, String defaultResource, File confFile, List<String> overrides) {
    ConfigParseOptions strict = ConfigParseOptions.defaults().setAllowMissing(false);
    Config reference = ConfigFactory.parseResources(ConfigLoader.class, "/" + referenceResource, strict);
    Config user;
    try {
      if (confFile != null) {
        if (!confFile.isFile()) {
          throw SparkfastException.config("config file not found: " + confFile);
        }
        user = ConfigFactory.parseFile(confFile, strict);
      } else if (defaultResource != null) {
        user = ConfigFactory.parseResources(ConfigLoader.class, "/" + defaultResource, strict);
      } else {
        user = ConfigFactory.empty();
      }
    } catch (ConfigException e) {
      throw SparkfastException.config("cannot parse config " + (confFile == null ? defaultResource : confFile)
          + ": " + e.getMessage());
    }
    for (String o : overrides == null ? List.<String>of() : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw SparkfastException.config("--set expects key=value but got '" + o + "'");
      }
      user = override(o.substring(0, eq).trim(), o.substring(eq + 1).trim()).withFallback(user);
    }
    requireKnownKeys(user, reference);
    try {
      return user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw SparkfastException.config(e.getMessage());
    }
  }

  /**
   * One {@code --set key=value}. The value is HOCON ({@code 1e-2}, {@code true}, {@code null}, {@code "quoted"},
   * {@code [a, b]}), except that an unquoted value which HOCON would reject or cut short is taken verbatim as a
   * string, as a user typing a path or URL means it: {@code hdfs:///data/x.json} ({@code //} starts a HOCON
   * comment), {@code *.png}, {@code /tmp/run#2} ({@code #} too). Quoted strings, arrays and objects must parse.
   */
  static Config override(String key, String value) {
    boolean structured = value.startsWith("\"") || value.startsWith("[") || value.startsWith("{");
    boolean wouldCutShort = value.contains("//") || value.contains("#");
    try {
      if (structured || !wouldCutShort) {
        try {
          return ConfigFactory.parseString(key + " = " + value);
        } catch (ConfigException e) {
          if (structured) {
            throw e;
          }
        }
      }
      return ConfigValueFactory.fromAnyRef(value).atPath(key);
    } catch (ConfigException e) {
      throw SparkfastException.config("cannot parse --set " + key + "=" + value + ": " + e.getMessage());
    }
  }

  private static void requireKnownKeys(Config user, Config reference) {
    List<String> keys = new java.util.ArrayList<>();
    collectKeys(user.root(), List.of(), keys);
    for (String key : keys) {
      if (!reference.hasPathOrNull(key) && !underOpenSection(key, reference)) {
        throw SparkfastException.config(
            "unknown config key '" + key + "'; valid keys: " + String.join(", ", validKeys(reference)));
      }
    }
  }

  /** Sections whose reference value is an empty object accept any key (e.g. free-form Spark settings). */
  private static boolean underOpenSection(String key, Config reference) {
    int dot = key.lastIndexOf('.');
    while (dot > 0) {
      String parent = key.substring(0, dot);
      if (reference.hasPath(parent) && reference.getValue(parent) instanceof com.typesafe.config.ConfigObject obj
          && obj.isEmpty()) {
        return true;
      }
      dot = parent.lastIndexOf('.');
    }
    return false;
  }

  /** Every leaf key of the reference. */
  private static TreeSet<String> validKeys(Config reference) {
    TreeSet<String> keys = new TreeSet<>();
    collectKeys(reference.root(), List.of(), keys);
    return keys;
  }

  /**
   * Every leaf key under {@code object}, nulls and empty objects included ({@link Config#entrySet()} leaves those out,
   * so {@code model.numTreez = null} or {@code modle {}} would pass unnoticed, and reference keys whose default is
   * null would be missing from the list of valid keys).
   */
  private static void collectKeys(com.typesafe.config.ConfigObject object, List<String> prefix,
      java.util.Collection<String> keys) {
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      List<String> path = new java.util.ArrayList<>(prefix);
      path.add(e.getKey());
      if (e.getValue() instanceof com.typesafe.config.ConfigObject child && !child.isEmpty()) {
        collectKeys(child, path, keys);
      } else {
        keys.add(com.typesafe.config.ConfigUtil.joinPath(path));
      }
    }
  }

  /** Reads a typed value, turning Typesafe Config's type errors into configuration errors naming the key. */
  public static <T> T read(Config config, String key, java.util.function.BiFunction<Config, String, T> getter) {
    try {
      return getter.apply(config, key);
    } catch (ConfigException.WrongType e) {
      throw SparkfastException.config("config key '" + key + "' has the wrong type: " + e.getMessage());
    } catch (ConfigException e) {
      throw SparkfastException.config("config key '" + key + "': " + e.getMessage());
    }
  }
}
