"""sparkfast on Airflow: daily scoring of the ``{{ ds }}`` image partition and a weekly fine-tune.

Two DAGs, one SparkSubmitOperator task each, built from the specs in ``sparkfast_tasks.py`` (copy both files into
the dags folder):

- ``sparkfast_daily_score`` (@daily): ``sparkfast score`` of ``<base>/images/dt=<ds>`` with the model in the
  ``model_dir`` param, into ``<base>/scores/dt=<ds>``.
- ``sparkfast_weekly_finetune`` (@weekly): ``sparkfast finetune`` (data-parallel, ``replicas`` executors) of the
  labeled folders in ``train_data`` into ``<base>/models/finetune/dt=<ds>``; point ``model_dir`` at its ``model/``
  to score with it.

Every argument (jar, Spark conf, name, application args) is a Jinja template of the logical date and ``params``;
defaults are in ``sparkfast_tasks.PARAMS`` and a run's trigger conf overrides them. ``ds`` is the start of the
data interval (the day whose partition is complete): the schedules are data-interval timetables, as ``@daily`` and
``@weekly`` are on Airflow 2, also on Airflow 3. Outputs are keyed by the logical date and each job replaces its
``--out`` atomically, so retries, clears and backfills are idempotent. ``max_active_runs=1``; catchup is off unless
the environment variable ``SPARKFAST_CATCHUP=true`` is set where the DAGs are parsed. The Spark master and deploy
mode come from the ``conn_id`` connection (default ``spark_default``).

Exit codes (``spark-jobs/src/main/java/io/sparkfast/jobs/ExitCodes.java``), which spark-submit returns in client
mode (in YARN/Kubernetes cluster mode spark-submit exits 1 on any failure, so everything is retried):

====  ===============  ========================================================================  =========
code  name             meaning                                                                   retried
====  ===============  ========================================================================  =========
0     ok               outputs, ``metrics.json`` and ``_SUCCESS`` are in place                   -
2     bad_config       bad usage or configuration (unknown key, wrong type, bad option)          no
3     bad_input        bad input (missing/empty partition, unreadable model, label mismatch)     no
4     runtime_failure  cluster, engine or I/O failure                                            yes (2x)
5     cancelled        the run was cancelled                                                     yes (2x)
====  ===============  ========================================================================  =========

Airflow retries every failure by default; ``SparkfastSubmitOperator`` (a SparkSubmitOperator) turns exit codes 2
and 3 into ``AirflowFailException``, which fails the task at once: a retry would fail the same way. A partition
that lands late is exit code 3 too; put a sensor on ``<base>/images/dt=<ds>`` upstream if that happens. Other
failures are retried twice, 10 minutes apart; a failed run leaves the previous output of the same date in place.

Results: each job writes ``metrics.json`` beside its outputs (score: ``images``, ``errors``, ``images_per_second``,
the exactly-once counts; finetune: ``valid`` accuracy, per-epoch ``history``, ...). It is plain JSON at a path known
from the logical date, so a downstream task can read it and return it to XCom, e.g. for alerts or quality gates.

Render the exact commands of a date without Airflow: ``scripts/airflow/render --date 2026-11-28 --param base=...``.
"""

import os
from datetime import datetime, timedelta, timezone

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.timetables.interval import CronDataIntervalTimetable

try:  # Airflow 3
    from airflow.sdk import Param
except ImportError:  # Airflow 2
    from airflow.models.param import Param

import sparkfast_tasks as tasks

CONN_ID = os.environ.get("SPARKFAST_SPARK_CONN_ID", "spark_default")
CATCHUP = os.environ.get("SPARKFAST_CATCHUP", "false").lower() in ("1", "true", "yes")
START_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)


class SparkfastSubmitOperator(SparkSubmitOperator):
    """A SparkSubmitOperator that fails at once, without retries, on sparkfast's permanent exit codes (2, 3)."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:
            code = _exit_code(str(e))
            if code in tasks.NO_RETRY_EXIT_CODES:
                name, meaning = tasks.EXIT_CODES[code]
                raise AirflowFailException(f"sparkfast exit code {code} ({name}: {meaning}); not retried") from e
            raise


def _exit_code(message):
    """The spark-submit exit code in the hook's error ("... Error code is: 3."), or None."""
    marker = "Error code is: "
    at = message.rfind(marker)
    if at < 0:
        return None
    digits = message[at + len(marker):].split(".")[0].strip()
    return int(digits) if digits.isdigit() else None


def _dag(task_id):
    spec = tasks.TASKS[task_id]
    dag = DAG(
        dag_id=spec["dag_id"],
        description=f"sparkfast {task_id} ({spec['schedule']}), outputs keyed by the logical date",
        schedule=CronDataIntervalTimetable(spec["schedule"], timezone="UTC"),
        start_date=START_DATE,
        catchup=CATCHUP,
        max_active_runs=1,
        params={k: Param(default, type="string", description=doc) for k, (default, doc) in tasks.PARAMS.items()},
        default_args={
            "owner": "sparkfast",
            "retries": 2,
            "retry_delay": timedelta(minutes=10),
        },
        doc_md=__doc__,
        tags=["sparkfast"],
    )
    SparkfastSubmitOperator(
        task_id=task_id,
        dag=dag,
        conn_id=CONN_ID,
        application=spec["application"],
        java_class=spec["java_class"],
        name=spec["name"],
        conf=dict(spec["conf"]),
        application_args=list(spec["application_args"]),
        execution_timeout=timedelta(hours=spec["execution_timeout_hours"]),
    )
    return dag


sparkfast_daily_score = _dag("score")
sparkfast_weekly_finetune = _dag("finetune")
