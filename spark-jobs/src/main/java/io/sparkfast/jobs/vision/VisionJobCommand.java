package io.sparkfast.jobs.vision;

import com.typesafe.config.Config;
import io.sparkfast.jobs.JobCommand;
import java.util.List;

/** The vision jobs' shared shape: their config keys ({@code vision-reference.conf}) and input (data.path). */
public abstract class VisionJobCommand extends JobCommand {

  @Override
  protected String referenceResource() {
    return "vision-reference.conf";
  }

  @Override
  protected List<String> inputs(Config config) {
    return List.of(String.valueOf(VisionConfig.str(config, "data.path")));
  }
}
