"""The sparkfast jobs that the Airflow DAGs run, defined once (pure Python: no Airflow import).

``sparkfast_dag.py`` builds a SparkSubmitOperator from each spec below; ``scripts/airflow/render`` renders the same
specs with Jinja, outside Airflow, to print or run the command lines that a given logical date produces. Every
string in a spec is a Jinja template rendered with Airflow's context (``ds``, ``ds_nodash``, ``params``, ...);
``params`` defaults are in ``PARAMS`` (override them per run with the trigger's conf, or edit them here).

Paths are keyed by the logical date, so a re-run (retry, clear, backfill) of a date writes the same output, which
the jobs replace atomically:

- score, daily:     ``<base>/images/dt=<ds>``  ->  ``<base>/scores/dt=<ds>``           (model: ``model_dir``)
- finetune, weekly: ``train_data``             ->  ``<base>/models/finetune/dt=<ds>``  (its ``model/`` is scorable)
"""

# The job jar's main class (scripts/lib.sh SPARKFAST_MAIN); the first application argument is the subcommand.
MAIN_CLASS = "io.sparkfast.jobs.SparkfastCli"

# Java 17 module opens that Spark and DJL need on the driver and the executors, plus offline DJL: the same options
# as SPARKFAST_JAVA_OPTS in scripts/lib.sh (scripts/submit adds those itself; spark-submit under Airflow does not).
JAVA_OPTS = (
    "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED "
    "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED "
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED "
    "--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED "
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Dai.djl.offline=true -Djava.awt.headless=true"
)

# Default run parameters (Airflow ``params``), each with its meaning. Values are used literally (params are not
# templates); an empty path means the default named in the description.
PARAMS = {
    "base": ("/data/sparkfast", "data root, any Hadoop path: images/dt=<ds> in, scores/ and models/ out"),
    "jar": ("/opt/sparkfast/sparkfast-jobs-0.1.0-SNAPSHOT-job.jar", "the job jar (spark-jobs/target/*-job.jar)"),
    "score_conf": ("/opt/sparkfast/conf/score-daily.conf", "HOCON config of the daily score job"),
    "finetune_conf": ("/opt/sparkfast/conf/finetune-weekly.conf", "HOCON config of the weekly finetune job"),
    "model_dir": ("", "exported model the daily score uses (a finetune output's model/); "
                      "empty: <base>/models/current/model"),
    "train_data": ("", "labeled image folders of the weekly finetune (train/<class>, valid/<class>); "
                       "empty: <base>/labeled"),
    "pretrained": ("", "model/ folder whose body weights start the fine-tune; empty: none (train from scratch)"),
    "replicas": ("2", "finetune data-parallel replicas (at most the executor task slots)"),
    "score_partitions": ("0", "partitions to score in; 0: Spark's choice"),
    "executor_memory": ("2g", "spark.executor.memory"),
}


def param_defaults():
    """The ``params`` of a run when nothing is overridden."""
    return {k: v[0] for k, v in PARAMS.items()}


_MODEL_DIR = "{{ params.model_dir or params.base ~ '/models/current/model' }}"


def _spark_conf():
    return {
        "spark.driver.extraJavaOptions": JAVA_OPTS,
        "spark.executor.extraJavaOptions": JAVA_OPTS,
        "spark.executor.memory": "{{ params.executor_memory }}",
    }


# One spec per task: the SparkSubmitOperator arguments (application, java_class, conf, name, application_args).
# application_args are exactly what `sparkfast <job>` accepts: the subcommand, --conf FILE, --set KEY=VALUE (the
# value is HOCON: `tojson` quotes paths, which hold '=' in dt=...), job options and --out.
TASKS = {
    "finetune": {
        "dag_id": "sparkfast_weekly_finetune",
        "schedule": "@weekly",
        "execution_timeout_hours": 12,
        "application": "{{ params.jar }}",
        "java_class": MAIN_CLASS,
        "name": "sparkfast-finetune-{{ ds }}",
        "conf": _spark_conf(),
        "application_args": [
            "finetune",
            "--conf", "{{ params.finetune_conf }}",
            "--replicas", "{{ params.replicas }}",
            "--set", "data.path={{ (params.train_data or params.base ~ '/labeled') | tojson }}",
            "--set", "model.pretrained={{ params.pretrained | tojson if params.pretrained else 'null' }}",
            "--out", "{{ params.base }}/models/finetune/dt={{ ds }}",
        ],
    },
    "score": {
        "dag_id": "sparkfast_daily_score",
        "schedule": "@daily",
        "execution_timeout_hours": 3,
        "application": "{{ params.jar }}",
        "java_class": MAIN_CLASS,
        "name": "sparkfast-score-{{ ds }}",
        "conf": _spark_conf(),
        "application_args": [
            "score",
            "--conf", "{{ params.score_conf }}",
            "--model", _MODEL_DIR,
            "--input", "{{ params.base }}/images/dt={{ ds }}",
            "--set", "score.partitions={{ params.score_partitions }}",
            "--out", "{{ params.base }}/scores/dt={{ ds }}",
        ],
    },
}

# Process exit codes of every sparkfast job (spark-jobs/.../ExitCodes.java) and whether a retry can help.
EXIT_CODES = {
    0: ("ok", "success: outputs, metrics.json and _SUCCESS are in place"),
    2: ("bad_config", "bad usage or configuration (unknown key, wrong type, bad option)"),
    3: ("bad_input", "bad input data (missing or empty partition, unreadable model, bad labels)"),
    4: ("runtime_failure", "runtime failure (cluster, engine, I/O)"),
    5: ("cancelled", "the run was cancelled"),
}
# Exit codes that retrying the same command cannot fix: the DAG fails the task at once on these.
NO_RETRY_EXIT_CODES = frozenset({2, 3})
