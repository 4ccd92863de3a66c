package io.sparkfast.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.sparkfast.jobs.SparkfastException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  private static Config load(String... sets) {
    return ConfigLoader.load("tabular-reference.conf", null, null, List.of(sets));
  }

  @Test
  void setValuesAreHocon() {
    Config c = load("model.numTrees=7", "model.cacheNodeIds=false", "input.path=\"data/a b.csv\"",
        "exclude=[ts, day]", "split.seed = 3");
    assertEquals(7, c.getInt("model.numTrees"));
    assertEquals(ConfigValueType.NUMBER, c.getValue("model.numTrees").valueType());
    assertEquals(false, c.getBoolean("model.cacheNodeIds"));
    assertEquals("data/a b.csv", c.getString("input.path"));
    assertEquals(List.of("ts", "day"), c.getStringList("exclude"));
    assertEquals(3, c.getInt("split.seed"));
    assertEquals("data/flights.csv", load("input.path=data/flights.csv").getString("input.path"));
  }

  @Test
  void pathsAndUrlsThatHoconWouldRejectOrCutShortAreTakenVerbatim() {
    // HOCON reads "//" and "#" as the start of a comment and rejects ':' and '*' in unquoted text; a user typing a
    // path means the whole path
    for (String path : List.of("hdfs:///data/flights-20k.json", "s3a://bucket/dir/flights.parquet", "/tmp/run#2/x.csv",
        "file:/tmp/x.csv", "*.png", "C:\\data\\x.csv")) {
      assertEquals(path, load("input.path=" + path).getString("input.path"), path);
    }
  }

  @Test
  void malformedStructuredValuesAndUnknownKeysAreErrors() {
    SparkfastException open = assertThrows(SparkfastException.class, () -> load("exclude=[ts, day"));
    assertTrue(open.getMessage().contains("cannot parse --set exclude=[ts, day"), open.getMessage());
    SparkfastException quote = assertThrows(SparkfastException.class, () -> load("input.path=\"data/x.csv"));
    assertTrue(quote.getMessage().contains("--set input.path"), quote.getMessage());
    SparkfastException unknown = assertThrows(SparkfastException.class, () -> load("input.pth=hdfs:///x.csv"));
    assertTrue(unknown.getMessage().contains("unknown config key 'input.pth'"), unknown.getMessage());
    SparkfastException noEquals = assertThrows(SparkfastException.class, () -> load("model.numTrees"));
    assertTrue(noEquals.getMessage().contains("--set expects key=value"), noEquals.getMessage());
  }
  @Test
  void unknownKeysSetToNullOrAnEmptyObjectAreErrorsToo() {
    // Config.entrySet() leaves out null values and empty objects: a misspelled key is still unknown
    SparkfastException nul = assertThrows(SparkfastException.class, () -> load("model.numTreez=null"));
    assertTrue(nul.getMessage().contains("unknown config key 'model.numTreez'"), nul.getMessage());
    assertTrue(nul.getMessage().contains("model.numTrees"), nul.getMessage());
    SparkfastException empty = assertThrows(SparkfastException.class, () -> load("modle={}"));
    assertTrue(empty.getMessage().contains("unknown config key 'modle'"), empty.getMessage());
    // known keys still take null and known sections an empty object
    load("input.csv={}", "plots={}");
    ConfigLoader.load("vision-reference.conf", null, null, List.of("model.pretrained=null", "train.resume_from=null"));
  }
  @Test
  void validKeysListIncludesKeysWhoseDefaultIsNull() {
    // data.path, model.pretrained, train.resume_from default to null; a user who misspells one must see it listed
    SparkfastException e = assertThrows(SparkfastException.class,
        () -> ConfigLoader.load("vision-reference.conf", null, null, List.of("data.pth=/data/x")));
    assertTrue(e.getMessage().contains("unknown config key 'data.pth'"), e.getMessage());
    for (String key : List.of("data.path", "data.cache", "model.pretrained", "train.resume_from",
        "distributed.checkpoint_dir")) {
      assertTrue(e.getMessage().contains(key), key + " listed: " + e.getMessage());
    }
  }
}
