package io.sparkfast.jobs;

import io.sparkfast.jobs.finetune.FinetuneCommand;
import io.sparkfast.jobs.score.ScoreCommand;
import io.sparkfast.jobs.tabular.TabularCommand;
import io.sparkfast.jobs.vision.LrFindCommand;
import io.sparkfast.jobs.vision.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sparkfast} command: one entry point with a subcommand per job, for {@code scripts/sparkfast} and for
 * {@code spark-submit --class io.sparkfast.jobs.SparkfastCli}.
 */
@Command(
    name = "sparkfast",
    mixinStandardHelpOptions = true,
    versionProvider = SparkfastCli.Version.class,
    description = "Practical deep learning and tabular ML on Apache Spark.",
    subcommands = {TabularCommand.class, TrainCommand.class, LrFindCommand.class, ScoreCommand.class, FinetuneCommand.class, CommandLine.HelpCommand.class})
public final class SparkfastCli implements Runnable {

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its {@link ExitCodes exit code}. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line in-process and returns its exit code (tests call this). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new SparkfastCli());
    cli.setExitCodeExceptionMapper(t -> ExitCodes.BAD_CONFIG);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          // the same prefix as a job's own errors: "sparkfast tabular: error: ..."
          ex.getCommandLine().getErr().println(
              ex.getCommandLine().getCommandSpec().qualifiedName() + ": error: " + ex.getMessage());
          ex.getCommandLine().usage(ex.getCommandLine().getErr());
          return ExitCodes.BAD_CONFIG;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reports the version from the jar manifest, falling back to the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SparkfastCli.class.getPackage().getImplementationVersion();
      return new String[] {"sparkfast " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
