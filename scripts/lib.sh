# Shared settings for the sparkfast scripts (sourced, not run).
SPARKFAST_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPARKFAST_JAR="${SPARKFAST_JAR:-$SPARKFAST_ROOT/spark-jobs/target/sparkfast-jobs-0.1.0-SNAPSHOT-job.jar}"
SPARKFAST_SPARK_JARS="${SPARKFAST_SPARK_JARS:-$SPARKFAST_ROOT/spark-jobs/target/spark-jars}"
SPARKFAST_MAIN=io.sparkfast.jobs.SparkfastCli
# Java 17 module opens that Spark (and DJL under Spark) need, plus offline DJL.
SPARKFAST_JAVA_OPTS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Dai.djl.offline=true -Djava.awt.headless=true"

sparkfast_require_build() {
  if [[ ! -f "$SPARKFAST_JAR" || ! -d "$SPARKFAST_SPARK_JARS" ]]; then
    echo "$(basename "$0"): the job jar is not built ($SPARKFAST_JAR); run: mvn -B -q package -DskipTests" >&2
    exit 2
  fi
}
