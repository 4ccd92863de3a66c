package io.sparkfast.jobs.tabular;

import com.typesafe.config.Config;
import io.sparkfast.jobs.JobCommand;
import io.sparkfast.jobs.config.ConfigLoader;
import io.sparkfast.runtime.io.OutputCommitter;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/** {@code sparkfast tabular}: feature pipeline + random forest / GBT baseline on a table. */
@Command(
    name = "tabular",
    description = {
      "Trains a tabular baseline: reads CSV/JSON/Parquet, splits (time or random), fits the configured feature",
      "pipeline and a random forest or GBT on the training split, evaluates on the validation split next to a",
      "naive baseline, and writes model/, predictions/, metrics.json, importance.csv/png, plots and _SUCCESS.",
      "Without --conf it runs the embedded quick-start config (conf/tabular-flights.conf)."
    })
public final class TabularCommand extends JobCommand {

  @Override
  protected String referenceResource() {
    return "tabular-reference.conf";
  }

  @Override
  protected String defaultResource() {
    return "conf/tabular-flights.conf";
  }

  @Override
  protected List<String> inputs(Config config) {
    return List.of(ConfigLoader.read(config, "input.path", Config::getString));
  }

  @Override
  protected Map<String, Object> runJob(SparkSession spark, Config config, OutputCommitter out) throws Exception {
    return new TabularJob(spark, config).run(out);
  }
}
