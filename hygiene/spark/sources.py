"""A source on the Spark engine: its frame and plan, and the driver's passes that plan it
(mapping from the headers, counts by value, date orders, the loader's column findings).
What runs per row lives in `partition`; the audit's order of steps in `engine`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..checks.categorical import canonical_from_counts
from ..checks.email import suggest_domains
from ..checks.rules import Rule
from ..load import source_kind
from ..load.mapping import map_columns
from ..load.presets import detect_platform
from ..load.source import (
    check_override_columns,
    settle_date_orders,
    undecided_dates,
    unrecognised_finding,
)
from ..load.spec import SourceSpec
from ..model import Source
from ..normalize.dates import HEAD_ROWS, date_order_from
from .partition import (
    FACT_COLUMNS,
    SourceFacts,
    SourcePlan,
    canonical_fields,
    chunks,
    count_facts,
    typo_tuning,
)
from .read import POS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@dataclass
class SparkSource:
    """One source on Spark: its frame (text cells plus provenance) and the driver's plan."""

    plan: SourcePlan
    frame: DataFrame
    headers: tuple[str, ...]
    rows: int = 0
    files: list[str] = field(default_factory=list)
    load_findings: pd.DataFrame | None = None
    #: `--date-order` for this source, if given; the date columns no value decides.
    given_order: str | None = None
    undecided: list[str] = field(default_factory=list)
    consent_readable: bool = True

    def record(self) -> dict[str, Any]:
        """The source as audit.json lists it."""
        p = self.plan
        return {
            "name": p.name,
            "platform": p.platform,
            "kind": p.kind,
            "files": list(self.files),
            "rows": int(self.rows),
            "columns": dict(p.columns),
            "confidence": {c: round(float(v), 3) for c, v in p.confidence.items()},
            "platform_confidence": round(float(p.platform_confidence), 3),
            "unmapped": [c for c in self.headers if c not in p.columns],
        }


def quiet_pandas_warning() -> None:
    """pyspark warns on every pandas conversion that it is not tested with pandas 3; the
    conversions used here (text columns, Arrow on) are covered by the engines' equality test."""
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")


def spread(spark: SparkSession, data: DataFrame) -> DataFrame:
    """`data` over at least as many partitions as the session has cores: a CSV file is
    read by one task (see `read.read_one`), and every later pass over a source would
    otherwise run on one core. Rows keep their numbers; a block sorts by them."""
    from pyspark.sql import functions as F

    cores = int(spark.sparkContext.defaultParallelism)
    if data.rdd.getNumPartitions() >= cores:
        return data
    return data.repartition(cores, F.col(POS))


def refuse_missing(spark: SparkSession, spec: SourceSpec) -> None:
    from .read import missing_path

    for path in spec.paths:
        err = missing_path(spark, spec.name, path)
        if err is not None:
            raise err


def plan_source(
    spec: SourceSpec, data: DataFrame, headers: tuple[str, ...], kinds: Mapping[str, str]
) -> SparkSource:
    """Platform and column mapping from the headers, as the local loader decides them."""
    if spec.platform:
        platform, conf = spec.platform, 1.0
    else:
        platform, conf = detect_platform(list(headers))
    check_override_columns(spec.name, list(headers), spec.columns)
    columns, confidence = map_columns(list(headers), platform, dict(spec.columns))
    kind = source_kind(platform, kinds.get(spec.name))
    plan = SourcePlan(spec.name, platform, kind, columns, confidence, {}, conf)
    return SparkSource(plan=plan, frame=data, headers=headers, given_order=spec.date_order)


def ddl_schema(columns: Sequence[str], longs: Sequence[str] = ()) -> str:
    return ", ".join(f"`{c}` {'long' if c in longs else 'string'}" for c in columns)


def source_facts(s: SparkSource, rules: Sequence[Rule], region: str | None, chunk_rows: int
           ) -> SourceFacts:
    """Pass 1: the whole source's counts by value, added up by Spark."""
    from pyspark.sql import functions as F

    plan, headers = s.plan, s.headers
    fact_rules = tuple(rules)

    def per_block(batches: Any) -> Any:
        quiet_pandas_warning()
        for pdf in chunks(batches, chunk_rows):
            counted = count_facts(pdf, plan, headers, fact_rules, region)
            files = pdf.groupby("_hygiene_file").size()
            extra = pd.DataFrame({"fact": "file", "field": None, "key": files.index.astype(str),
                                  "value": None, "style": None, "n": files.to_numpy()})
            yield pd.concat([counted, extra[list(FACT_COLUMNS)]], ignore_index=True)

    counted = s.frame.mapInPandas(per_block, ddl_schema(FACT_COLUMNS, ("n",)))
    keys = ["fact", "field", "key", "value", "style"]
    rows = counted.groupBy(*keys).agg(F.sum("n").alias("n")).toPandas()
    file_rows = rows[rows["fact"] == "file"]
    s.rows = int(file_rows["n"].sum())
    # Files in the order their first rows come (first file given first).
    if len(file_rows):
        firsts = s.frame.groupBy("_hygiene_file").agg(F.min(POS).alias("p")).toPandas()
        s.files = firsts.sort_values("p")["_hygiene_file"].astype(str).tolist()

    def series(fact: str) -> pd.Series:
        part = rows[rows["fact"] == fact]
        out = pd.Series(part["n"].to_numpy(dtype="int64"), index=part["key"].astype(str))
        return out.sort_values(ascending=False, kind="stable") if len(out) else out.astype("int64")

    domains = series("domain").sort_index()
    domains = domains.sort_values(ascending=False, kind="stable")
    domains.name = "count"
    canonical = {}
    spell = rows[rows["fact"] == "spelling"]
    for fld in canonical_fields(rules):
        part = spell[spell["field"] == fld]
        if not len(part):
            continue
        cols = ["key", "value", "n"] if part["style"].isna().all() else [
            "key", "value", "style", "n"]
        canonical[fld] = canonical_from_counts(fld, part[cols].reset_index(drop=True))
    s.plan = replace(s.plan, date_orders=date_orders(s, rows))
    s.consent_readable = bool(rows.loc[rows["fact"] == "consent", "n"].sum() > 0)
    s.load_findings = load_findings(s)
    countries = series("country").sort_index().sort_values(ascending=False, kind="stable")
    return SourceFacts(
        domain_counts=domains,
        typo_fixes=suggest_domains(domains, typo_tuning(rules)),
        country_counts=countries,
        canonical=canonical,
    )


def date_orders(s: SparkSource, rows: pd.DataFrame) -> dict[str, str]:
    """Column -> "dmy"/"mdy"/"ambiguous"-undecided, as `hygiene.load.source` decides it."""
    dates = rows[rows["fact"] == "dates"]
    columns = list(dict.fromkeys(dates["field"].astype(str)))
    if not columns:
        return {}
    from pyspark.sql import functions as F

    head = (
        s.frame.filter(F.col(POS) < HEAD_ROWS)
        .select(POS, *[F.col(f"`{c}`") for c in columns])
        .toPandas()
        .sort_values(POS)
    )
    found: dict[str, str | None] = {}
    for column in columns:
        ev = dates[dates["field"] == column].set_index("key")["n"]
        found[column] = date_order_from(
            head[column].astype("str").where(head[column].notna()),
            bool(ev.get("day_first", 0)),
            bool(ev.get("month_first", 0)),
        )
    orders, s.undecided = settle_date_orders(found, s.given_order)
    return orders


def header_source(s: SparkSource) -> Source:
    """The source's headers and files without its rows, for the loader's column-level
    findings (they read only the headers, the file names and whether there are rows)."""
    data = pd.DataFrame({c: pd.Series([None] * min(s.rows, 1), dtype=object)
                         for c in s.headers})
    prov = pd.DataFrame({"file": s.files, "sheet": [None] * len(s.files),
                         "row": range(1, len(s.files) + 1)})
    return Source(s.plan.name, s.plan.platform, data, prov, dict(s.plan.columns),
                  dict(s.plan.confidence), platform_confidence=s.plan.platform_confidence,
                  date_orders=dict(s.plan.date_orders))


def load_findings(s: SparkSource) -> pd.DataFrame | None:
    src = header_source(s)
    notes = [f for f in (unrecognised_finding(src),
                         undecided_dates(src, s.undecided))
             if f is not None]
    return pd.concat(notes, ignore_index=True) if notes else None
