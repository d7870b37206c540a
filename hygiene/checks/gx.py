"""Column rules compiled into Great Expectations suites, run on one ephemeral context per process.

Each expectation carries its rule code and field in `meta`, so results are matched back by
code, never by position. The batch frame holds only the columns the suite reads (normalised
values), indexed by row position.

Knobs turned, each measured on a large file with many failing values (GX 1.24):
- Failing rows come from `unexpected_index_list` over the frame's RangeIndex (= row position).
  Naming an index column with `unexpected_index_column_names` makes GX look every failing row
  up with `DataFrame.at`, many times slower.
- The suite runs through one `Validator` per batch: `Batch.validate` fetches the batch a second
  time and GX fingerprints (hashes) the whole frame on every fetch.
- No `ValidationDefinition.run`: it serialises every result into a results store.
- No batch fingerprint: GX hashes every frame under `HASH_THRESHOLD` (1 GB) with
  `pd.util.hash_pandas_object` to label the batch, costly on a large file, for a label the
  audit never reads. `_no_fingerprint` sets the threshold to 0 while the suite runs (and
  restores it).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..normalize.base import TEXT
from ..prepared import Prepared
from ..runtime import Background
from .registry import hits
from .rules import GX_TYPES, Rule

if TYPE_CHECKING:
    import great_expectations as gx

SUITE_NAME = "crm_hygiene_column_rules"
_MAX_SUITES = 512


@dataclass(frozen=True)
class Compiled:
    """One expectation: the rule it came from and the field (batch column) it reads."""

    rule: Rule
    field: str
    kwargs: dict[str, Any]

    @property
    def gx_class(self) -> str:
        assert self.rule.expect is not None
        return GX_TYPES[str(self.rule.expect["type"])]


def compile_rules(rules: Iterable[Rule], fields: Mapping[str, Sequence[str]]) -> list[Compiled]:
    """Expand each GX rule over its fields. `fields` maps rule code -> fields present."""
    out: list[Compiled] = []
    for rule in rules:
        if rule.expect is None:
            continue
        kwargs = {k: v for k, v in rule.expect.items() if k != "type"}
        for f in fields.get(rule.code, rule.fields):
            out.append(Compiled(rule, f, dict(kwargs)))
    return out


_gx_lock = threading.Lock()
_gx_module: Any = None


def _gx() -> Any:
    """Import GX once, quietly: it takes seconds, so only runs that need it pay. Under a
    lock, not `functools.cache`: the preload's thread and the checks may both ask before
    the import is done, and two threads running `_guard_spark_connect` and GX's import at
    once can see each other's half-imported modules."""
    global _gx_module
    if _gx_module is None:
        with _gx_lock:
            if _gx_module is None:
                os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
                _guard_spark_connect()
                import great_expectations

                _gx_module = great_expectations
    return _gx_module


def _guard_spark_connect() -> None:
    """GX imports pyspark's Spark Connect module when pyspark is installed (the `spark`
    extra); without Connect's own dependencies that module calls sys.exit(0) if the main
    module has no file (`python -c`, pytest-xdist workers). Marked absent instead, GX sees
    the ImportError it expects."""
    import importlib.util
    import sys

    if "pyspark.sql.connect" in sys.modules or importlib.util.find_spec("pyspark") is None:
        return
    import warnings

    # pyspark's "not yet fully support pandas >= 3" on import: not an audit's concern (a
    # cron run must print nothing).
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    try:
        import pyspark.sql.connect  # noqa: F401
    except SystemExit:
        sys.modules["pyspark.sql.connect"] = None  # type: ignore[assignment]
    except ImportError:
        pass


def preload() -> Background[Any]:
    """Import GX on a background thread (the runtime's `Background`, always beside, serial
    runs included) while the exports load.

    Reading a large export is mostly pyarrow's CSV reader and zlib, which release the GIL,
    so the import runs beside it instead of after it (see DEVELOPERS.md,
    "Performance"). `_gx()` then finds the module imported."""
    return Background(_gx, serial=False)


def expectation(item: Compiled) -> Any:
    """The GX Expectation object of one compiled rule."""
    gx = _gx()
    cls = getattr(gx.expectations, item.gx_class)
    meta = {"code": item.rule.code, "field": item.field, "pack": item.rule.pack}
    return cls(column=item.field, meta=meta, **item.kwargs)


def build_suite(items: Sequence[Compiled], name: str = SUITE_NAME) -> gx.ExpectationSuite:
    gx = _gx()
    suite = gx.ExpectationSuite(name=name)
    for item in items:
        suite.add_expectation(expectation(item))
    return suite


def ephemeral_context() -> Any:
    """A GX data context in memory: no stores on disk, no data-docs site, no analytics.
    GX needs an active context to build a suite, and the audit writes nothing on its
    behalf."""
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def suite_json(items: Sequence[Compiled], name: str = SUITE_NAME) -> str:
    """The suite as GX's own JSON, for `hygiene rules export --gx` and teams' pipelines."""
    # Without a context GX cannot add an expectation to a suite: the export failed in a
    # fresh process (it passed in the tests only after an audit had made one).
    ephemeral_context()
    suite = build_suite(items, name)
    return json.dumps(suite.to_json_dict(), indent=2, sort_keys=True, default=str)


def batch_column(prep: Prepared, field: str) -> pd.Series | None:
    """The normalised values GX checks for a field (derived email parts included)."""
    if field in ("email", "email_local", "email_domain"):
        parts = prep.email()
        if parts is None:
            return None
        return parts[{"email": "email", "email_local": "local", "email_domain": "domain"}[field]]
    return prep.value(field)


@contextlib.contextmanager
def _no_fingerprint() -> Iterator[None]:
    """GX's pandas engine skips its batch fingerprint (a hash of the whole frame) inside."""
    from great_expectations.execution_engine import pandas_execution_engine as engine

    before = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = before


class SuiteRunner:
    """One ephemeral GX context per process (`shared_runner`); one validation per field of
    a source. Suites are kept per rule set and field; the data of a validation is not kept
    past its `run`."""

    def __init__(self) -> None:
        self._context = ephemeral_context()
        self._datasource = self._context.data_sources.add_pandas("hygiene")
        # One asset and batch definition for every batch: the frame comes with each
        # validation (batch parameters).
        asset = self._datasource.add_dataframe_asset("batch")
        self._definition = asset.add_batch_definition_whole_dataframe("whole")
        self._suites: dict[tuple[Any, ...], Any] = {}
        # One validation at a time: the datasource's execution engine holds the batch.
        self._lock = threading.Lock()

    def run(self, prep: Prepared, items: Sequence[Compiled]) -> dict[tuple[str, str], pd.DataFrame]:
        """Validate the source; hits per (rule code, field).

        One batch per field, holding that column alone: GX filters the batch's whole frame
        for each metric of each expectation (non-null rows, then the unexpected ones), so
        with every field in one frame each filter copied all of them, which took most of
        the time."""
        by_field: dict[str, list[Compiled]] = {}
        for item in items:
            by_field.setdefault(item.field, []).append(item)
        found: dict[tuple[str, str], pd.DataFrame] = {}
        with self._lock:
            try:
                for field, group in by_field.items():
                    col = batch_column(prep, field)
                    if col is not None:
                        found.update(self._validate(field, col, group))
            finally:
                self._forget_batches()
        return found

    def _validate(
        self, field: str, col: pd.Series, group: Sequence[Compiled]
    ) -> dict[tuple[str, str], pd.DataFrame]:
        from great_expectations.validator.v1_validator import Validator

        # copy=False: the view is read-only here.
        frame = pd.DataFrame({field: col.reset_index(drop=True).astype(TEXT)}, copy=False)
        validator = Validator(
            batch_definition=self._definition,
            result_format={"result_format": "COMPLETE", "partial_unexpected_count": 0},
            batch_parameters={"dataframe": frame},
        )
        with _no_fingerprint():
            outcome = validator.validate_expectation_suite(self._suite(group))
        return _hits_of(outcome)

    def _suite(self, group: Sequence[Compiled]) -> gx.ExpectationSuite:
        """The suite of a field's expectations, built once per rule set: a Spark worker
        checks the same rules on every bucket it is given."""
        key = tuple(
            (i.rule.code, i.rule.pack, i.field, i.gx_class,
             json.dumps(i.kwargs, sort_keys=True, default=repr))
            for i in group
        )
        suite = self._suites.get(key)
        if suite is None:
            if len(self._suites) >= _MAX_SUITES:  # a long-lived process with many rule packs
                self._suites.clear()
            suite = self._suites[key] = build_suite(group, f"{SUITE_NAME}_{len(self._suites)}")
        return suite

    def _forget_batches(self) -> None:
        """Drop the frames and metrics GX's execution engine keeps after a validation (it
        caches them on the datasource, which outlives the run): no values of one source or
        Spark bucket stay in memory, or can answer for the next one."""
        engine = self._datasource.get_execution_engine()
        engine.batch_manager.reset_batch_cache()
        engine.batch_manager.batch_data_cache.clear()
        metrics = getattr(engine, "_metric_cache", None)
        if isinstance(metrics, dict):
            metrics.clear()


_shared: SuiteRunner | None = None
_shared_lock = threading.Lock()


def shared_runner() -> SuiteRunner:
    """The process's GX context and suites, built on first use: a Spark Python worker checks
    many buckets, and building a context for each cost more than validating one. Holds no
    data between runs (`SuiteRunner._forget_batches`)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SuiteRunner()
        return _shared


def _hits_of(outcome: Any) -> dict[tuple[str, str], pd.DataFrame]:
    """Hits per (rule code, field) of one validation's results."""
    found: dict[tuple[str, str], pd.DataFrame] = {}
    for res in outcome.results:
        config = res.expectation_config
        meta = (config.meta if config is not None else None) or {}
        key = (str(meta["code"]), str(meta["field"]))
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"Great Expectations failed on rule {key[0]} ({key[1]}): "
                f"{res.exception_info.get('exception_message')}"
            )
        idx = res.result.get("unexpected_index_list") or []
        found[key] = hits(np.asarray(idx, dtype=np.int64), key[1])
    return found
