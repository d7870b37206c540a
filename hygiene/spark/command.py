"""`hygiene audit --engine spark`: the command's options handed to `hygiene.spark.audit`,
the outputs written, and the exit code from the result (as for the local engine)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError
from ..settings import Settings
from .errors import SparkStageError, stage
from .session import LOG_FILE, is_local

#: Outputs the Spark engine writes (report.html and review.xlsx are the local engine's).
SPARK_FORMATS = ("json",)


def audit_on_spark(
    sources: Sequence[str],
    *,
    out_dir: Path,
    master: str | None,
    formats: Sequence[str] = (),
    workflows: Sequence[str] | None = None,
    platforms: Sequence[str] = (),
    maps: Sequence[str] = (),
    region: str | None = None,
    date_orders: Sequence[str] = (),
    rule_packs: Sequence[str] = (),
    disable: Sequence[str] = (),
    workflow_files: Sequence[str | Path] = (),
    kinds: Mapping[str, str] | None = None,
    fail_under: float | None = None,
    quiet: bool = False,
    refused: Mapping[str, bool] | None = None,
) -> int:
    """Run the audit on Spark and write `out_dir/audit.json` and `out_dir/findings/`;
    returns the exit code (1 when the gate fails). Spark's log goes to `out_dir/spark.log`."""
    import click

    given_options = [o for o, on in (refused or {}).items() if on]
    if given_options:
        raise ConfigError(
            f"{', '.join(given_options)}: not available with --engine spark yet; give the "
            "sources, --map, --platform, --workflow and --fail-under on the command line"
        )
    unsupported = [f for f in formats if f not in SPARK_FORMATS]
    if unsupported:
        raise ConfigError(
            f"--format {','.join(unsupported)}: the Spark engine writes audit.json and "
            "findings/ (Parquet); drop --format or use --engine local"
        )
    if not sources:
        raise ConfigError("no sources given; pass at least one export, e.g. crm=contacts.csv")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(
            "--engine spark needs pyspark: pip install 'crm-hygiene[spark]'"
        ) from None
    from ..settings import resolve
    from .engine import audit
    from .session import start_session

    settings = resolve(
        list(sources), workflows=workflows, platforms=platforms, maps=maps, region=region,
        date_orders=date_orders, rule_packs=rule_packs, disable=disable,
        workflow_files=workflow_files, kinds=kinds, fail_under=fail_under,
        decisions=False,
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    log = out / LOG_FILE
    try:
        with stage("all", "start Spark"), _jvm_stderr_to(log):
            spark = start_session(master, log_dir=out, shuffle_partitions=_partitions(master))
        before = spark.sparkContext.getCheckpointDir()
        result = audit(
            spark, settings=settings, checkpoint_dir=str(out.resolve() / "checkpoints")
        )
        written = result.save(out)
        shutil.rmtree(out / "checkpoints", ignore_errors=True)
        if before is not None:
            # A session the command did not start (a notebook's) keeps checkpointing where
            # it did, not into the folder just removed.
            spark.sparkContext.setCheckpointDir(before)
    except SparkStageError as err:
        if not log.is_file():  # a session started before (a notebook's) logs elsewhere
            raise
        raise SparkStageError(err.source, err.step, f"{_cause(err)}; Spark's log: {log}") from err
    if not quiet:
        s = result.score
        click.echo(f"Score {s.overall:.1f} ({s.grade}) over {sum(x.rows for x in result.sources):,}"
                   f" records; {sum(result.counts.values()):,} findings")
        for name, w in s.workflows.items():
            click.echo(f"  {name}: {w.score:.1f} {w.status}")
        if result.matched is not None:
            click.echo(f"Duplicates: {result.matched.count:,} clusters ({written['clusters']})")
        click.echo(f"Wrote {written['json']} and {written['findings']}")
    gate = result.score.gate
    if gate is not None and not gate.passed:
        click.echo(f"hygiene: {gate.describe()}", err=True)
        return gate.exit_code
    return 0


def clean_on_spark(
    settings: Settings,
    *,
    master: str | None,
    file_format: str = "parquet",
    review: Path | None = None,
    quiet: bool = False,
) -> int:
    """`hygiene clean --engine spark`: the outputs as folders of part files in
    `settings.clean_out`, Spark's log beside them (`spark.log`); returns the exit code."""
    import click

    if review is not None:
        raise ConfigError("--review: decisions are not applied by the Spark engine yet; "
                          "use --engine local")
    if settings.clean_out is None:
        raise ConfigError("clean needs an output folder: --out DIR (or [clean] out)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(
            "--engine spark needs pyspark: pip install 'crm-hygiene[spark]'"
        ) from None
    from .clean import clean
    from .session import start_session

    out = Path(settings.clean_out)
    out.mkdir(parents=True, exist_ok=True)
    log = out / LOG_FILE
    try:
        with stage("all", "start Spark"), _jvm_stderr_to(log):
            spark = start_session(master, log_dir=out, shuffle_partitions=_partitions(master))
        result = clean(spark, settings=settings, file_format=file_format, match=True)
    except SparkStageError as err:
        if not log.is_file():
            raise
        raise SparkStageError(err.source, err.step, f"{_cause(err)}; Spark's log: {log}") from err
    if not quiet:
        for s in result.accounting["sources"]:
            click.echo(
                f"{s['source']} -> {s['target']}: {s['rows']:,} rows in = {s['kept']:,} kept + "
                f"{s['merged']:,} merged + {s['suppressed']:,} suppressed; "
                f"{s['cleaned_rows']:,} rows in cleaned file"
            )
        click.echo(f"{result.summary['clusters']:,} duplicate clusters merged")
        click.echo(f"every input row accounted for; wrote {len(result.files)} outputs to {out}")
    return 0


@contextmanager
def _jvm_stderr_to(log: Path) -> Iterator[None]:
    """Standard error sent to `log` while the session starts: the JVM it starts (and the
    Python workers that JVM starts) inherit it, so the launcher's own messages (a failed
    start's Java stack) are kept in the log instead of flooding the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as fh:
        os.dup2(fh.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _cause(err: SparkStageError) -> str:
    text = str(err)
    marker = " failed on Spark: "
    return text.split(marker, 1)[1] if marker in text else text


def _partitions(master: str | None) -> int | None:
    """Few shuffle partitions on a local master (the default 200 is for clusters)."""
    if not is_local(master):
        return None
    return max(2, 2 * (os.cpu_count() or 2))
