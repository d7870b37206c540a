"""A SparkSession for the `hygiene` command: the master asked for, UI off, few shuffle
partitions for small inputs, the driver's log kept in the output folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Where a session started by `hygiene audit --engine spark` writes its log4j output.
LOG_FILE = "spark.log"


def _log4j(path: Path) -> Path:
    """A log4j2 properties file sending Spark's log to `path` (WARN and above)."""
    conf = path.with_name("log4j2-hygiene.properties")
    conf.write_text(
        "rootLogger.level = warn\n"
        "rootLogger.appenderRef.file.ref = file\n"
        "appender.file.type = File\n"
        "appender.file.name = file\n"
        f"appender.file.fileName = {path}\n"
        "appender.file.layout.type = PatternLayout\n"
        "appender.file.layout.pattern = %d{ISO8601} %p %c{1}: %m%n\n",
        encoding="utf-8",
    )
    return conf


def is_local(master: str | None) -> bool:
    """Whether a session on `master` runs on this machine: local[...], or no master and no
    spark-submit (which starts the JVM first and says so in the gateway port)."""
    if master is None:
        return "PYSPARK_GATEWAY_PORT" not in os.environ
    return master.startswith("local")


def local_driver_memory() -> str | None:
    """The heap of a local master's JVM: a quarter of the machine's memory, 1 to 32 GB
    (the rest is left to the Python workers, one per core, and to the system). None where
    the memory cannot be read (Spark's 1 GB then)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    if total <= 0:
        return None
    return f"{max(1, min(32, total // 4 // 2**30))}g"


def start_session(
    master: str | None = None,
    *,
    log_dir: str | os.PathLike[str] | None = None,
    shuffle_partitions: int | None = None,
    app_name: str = "crm-hygiene",
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """The active session, or a new one on `master` (default: the one spark-submit set, else
    local[*]). With `log_dir`, a new session's log goes to `log_dir/spark.log`; `conf` adds
    Spark settings for a new session. A local master's executors live in the driver's JVM,
    whose heap Spark sets to 1 GB unless told: a new local session gets
    `local_driver_memory()` instead, unless `conf` or SPARK_DRIVER_MEMORY says otherwise."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    builder = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if is_local(master) and not os.environ.get("PYSPARK_PYTHON"):
        # Local workers run this interpreter (with crm-hygiene installed), not "python3"
        # (pyspark reads the variable when the context starts).
        os.environ["PYSPARK_PYTHON"] = sys.executable
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    heap = local_driver_memory() if is_local(master) else None
    if heap and "spark.driver.memory" not in (conf or {}) and not os.environ.get(
        "SPARK_DRIVER_MEMORY"
    ):
        builder = builder.config("spark.driver.memory", heap)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    if log_dir is not None:
        folder = Path(log_dir).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        log_conf = _log4j(folder / LOG_FILE)
        option = f"-Dlog4j2.configurationFile=file:{log_conf}"
        builder = builder.config("spark.driver.extraJavaOptions", option)
        builder = builder.config("spark.executor.extraJavaOptions", option)
    return builder.getOrCreate()


def use_checkpoints(spark: SparkSession, checkpoint_dir: str | None = None) -> None:
    """Checkpoints go to `checkpoint_dir` when given, else to the folder the session already
    has, else to a new temporary folder (label propagation and the matcher checkpoint)."""
    if checkpoint_dir is not None:
        spark.sparkContext.setCheckpointDir(checkpoint_dir)
    elif not spark.sparkContext.getCheckpointDir():
        import tempfile

        spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="hygiene-checkpoints-"))
