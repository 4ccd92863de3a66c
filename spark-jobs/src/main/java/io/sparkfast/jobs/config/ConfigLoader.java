package io.sparkfast.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
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
   * @param overrides {@code key=value} strings from {@code --set}, values parsed as HOCON
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
      try {
        Config one = ConfigFactory.parseString(o.substring(0, eq).trim() + " = " + o.substring(eq + 1));
        user = one.withFallback(user);
      } catch (ConfigException e) {
        throw SparkfastException.config("cannot parse --set " + o + ": " + e.getMessage());
      }
    }
    requireKnownKeys(user, reference);
    try {
      return user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw SparkfastException.config(e.getMessage());
    }
  }

  private static void requireKnownKeys(Config user, Config reference) {
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
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

  private static TreeSet<String> validKeys(Config reference) {
    TreeSet<String> keys = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      keys.add(e.getKey());
    }
    return keys;
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
