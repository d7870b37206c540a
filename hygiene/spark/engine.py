"""`hygiene.spark.audit`: the audit's rules and score run on Spark DataFrames.

The steps are the local audit's (read, map, normalise and check, score), each a Spark job
over the same definitions: column mapping from the platform presets on the driver (headers
only), two passes of `mapInPandas` over each source's rows (counts by value, then the checks
and each block's share of the score), findings kept on the executors. Only aggregates and
bounded samples reach the driver.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..checks.registry import CheckOptions
from ..checks.rules import Rule, load_rules
from ..errors import ConfigError, HygieneError
from ..links.state import sent_types, unmeasured
from ..load.spec import apply_overrides
from ..match.types import MatchSettings
from ..model import FINDING_COLUMNS
from ..prepared import Prepared
from ..score import Score
from ..settings import Settings, check_kinds, check_region, check_threshold
from ..workflows import Workflow, load_workflows, required_by_kind, required_fields, select
from .errors import SparkStageError, stage
from .link_buckets import HandOff, regroup_keys
from .match import MatchSource, SparkMatch, find_duplicates
from .options import spark_settings, spark_sources
from .partition import (
    BUCKET,
    CHUNK_ROWS,
    FIXED,
    KEY,
    OUT_COLUMNS,
    SOURCE_NO,
    BlockJob,
    SourceJob,
    bucket_block,
    bucket_keys,
    gathered,
    prefixed,
)
from .read import FILE, POS, PROVENANCE, ROW, from_frame, read_source
from .samples import sample_records
from .score import merge_link_stats, merge_partials
from .session import use_checkpoints
from .sizing import partitions_for, shuffled_into
from .sources import (
    SparkSource,
    ddl_schema,
    plan_source,
    quiet_pandas_warning,
    refuse_missing,
    source_facts,
    spread,
)
from .uniqueness import duplicate_partials

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Why uniqueness is not measured by this engine (audit.json `score.unmeasured`).
NO_MATCHING = (
    "the Spark engine does not look for duplicates when matching is off; run it with "
    "matching for duplicate clusters"
)
#: Findings shown per code in audit.json (the Parquet output holds all of them).
SAMPLES_PER_CODE = 20
@dataclass
class SparkAudit:
    """The result: the score, counts and samples on the driver; every finding in `findings`
    (a Spark DataFrame of FINDING_COLUMNS plus `pos`, kept on the executors)."""

    sources: list[SparkSource]
    score: Score
    findings: DataFrame
    counts: dict[str, int]
    severities: dict[str, int]
    records_with_errors: int
    samples: list[dict[str, Any]]
    workflows: list[Workflow]
    rules: list[Rule]
    #: Per link: pairs, rows linked on each side, pairs by method (summed over buckets).
    link_stats: list[dict[str, Any]] = field(default_factory=list)
    #: What the buckets ran on (the mapped sources, their whole-source facts, the rules):
    #: `hygiene.spark.clean` plans on the same.
    job: BlockJob | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    timings: dict[str, float] = field(default_factory=dict)
    #: Duplicate clusters found on Spark (None when matching was off).
    matched: SparkMatch | None = None

    def to_dict(self) -> dict[str, Any]:
        """audit.json: the findings are the samples (up to SAMPLES_PER_CODE per code)."""
        from ..report.jsonout import SCHEMA
        from ..version import __version__

        return {
            "schema": SCHEMA,
            "generated_at": self.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tool": {"name": "crm-hygiene", "version": __version__},
            "sources": [s.record() for s in self.sources],
            "score": self.score.to_dict(),
            "findings": self.samples,
            "duplicates": sample_records(self.matched) if self.matched else [],
            "links": {"pairs": sum(int(st.get("pairs", 0)) for st in self.link_stats),
                      "links": list(self.link_stats)},
            "summary": {
                "rows": int(sum(s.rows for s in self.sources)),
                "findings": dict(sorted(self.counts.items())),
                "severities": {k: int(self.severities.get(k, 0))
                               for k in ("error", "warning", "info")},
                "records_with_errors": int(self.records_with_errors),
                "duplicate_clusters": self.matched.count if self.matched else 0,
                "workflows": list(self.score.workflows),
                "seconds": {k: round(v, 3) for k, v in self.timings.items()},
            },
        }

    def save(
        self, out_dir: str | os.PathLike[str], findings_to: str | None = None
    ) -> dict[str, str]:
        """Write `out_dir/audit.json` (on the driver, atomically) and the findings as Parquet
        partitioned by source and code into `findings_to` (default `out_dir/findings`; on a
        cluster, a path every executor can write: s3a://, abfss://, dbfs:/, hdfs://)."""
        from ..fileio import atomic_write

        out = os.fspath(out_dir)
        os.makedirs(out, exist_ok=True)
        target = findings_to or os.path.join(out, "findings")
        with stage("all", "write findings"):
            (
                self.findings.select(*FINDING_COLUMNS)
                .write.mode("overwrite")
                .partitionBy("source", "code")
                .parquet(target)
            )
        written = {"findings": target}
        if self.matched is not None:
            written["clusters"] = os.path.join(os.path.dirname(target.rstrip("/")), "clusters")
            with stage("all", "write clusters"):
                self.matched.members.write.mode("overwrite").partitionBy("source").parquet(
                    written["clusters"]
                )
            if self.matched.links is not None:
                written["links"] = os.path.join(os.path.dirname(target.rstrip("/")), "links")
                with stage("all", "write links"):
                    self.matched.links.write.mode("overwrite").parquet(written["links"])
        path = os.path.join(out, "audit.json")
        with stage("all", "write audit.json"):  # its duplicates sample is read by Spark
            doc = self.to_dict()
        with atomic_write(path, encoding="utf-8") as fh:
            fh.write(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
        return {**written, "json": path}


def audit(
    spark: SparkSession,
    sources: Mapping[str, DataFrame | str | os.PathLike[str] | Sequence[str]] | None = None,
    *,
    settings: Settings | None = None,
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
    chunk_rows: int = CHUNK_ROWS,
    match: bool = True,
    match_settings: MatchSettings | None = None,
    checkpoint_dir: str | None = None,
    **named: DataFrame | str | os.PathLike[str] | Sequence[str],
) -> SparkAudit:
    """Audit sources on Spark: `crm=dataframe` (a Spark DataFrame, e.g. a synced table) or
    `crm="s3a://bucket/contacts.csv"` (CSV or Parquet, a file or a folder; a list joins
    files). `settings` (from `hygiene.settings.resolve`, as the local audit takes) holds the
    options and may name the sources (NAME=PATH); else the other arguments mean what they
    mean for `hygiene.audit`. `match=False` skips duplicate matching. Label propagation
    checkpoints into `checkpoint_dir` (on a cluster, a path every executor reaches; default:
    the session's, else a temporary folder on this machine)."""
    settings = spark_settings(
        settings, workflows=workflows, platforms=platforms, maps=maps, region=region,
        date_orders=date_orders, rule_packs=rule_packs, disable=disable,
        workflow_files=workflow_files, kinds=kinds, fail_under=fail_under,
        match=match_settings if match_settings is not None else match,
    )
    return audit_settings(
        spark, settings, {**(sources or {}), **named}, chunk_rows, checkpoint_dir=checkpoint_dir
    )


def audit_settings(
    spark: SparkSession,
    settings: Settings,
    given: Mapping[str, Any],
    chunk_rows: int = CHUNK_ROWS,
    *,
    checkpoint_dir: str | None = None,
) -> SparkAudit:
    """`audit` on resolved settings and the sources given by name; duplicates are matched
    as `settings.match` says (None: not matched)."""
    from pyspark import StorageLevel

    quiet_pandas_warning()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    workflows = settings.workflows
    fail_under = settings.fail_under
    chosen = select(load_workflows(settings.workflow_files), workflows)
    asked = list(dict.fromkeys(workflows or ()))
    if fail_under is not None:
        fail_under = check_threshold(fail_under)
        chosen = [replace(w, ready_at=fail_under) if w.name in asked else w for w in chosen]
    region = check_region(settings.region) if settings.region else None
    rules = sent_types(load_rules(settings.rule_packs, settings.disable), chosen)
    specs_frames = spark_sources(settings, given)
    specs = apply_overrides([s for s, _ in specs_frames], settings.platforms, settings.maps,
                            settings.date_orders)
    overrides = check_kinds(settings.kinds or {}, [s.name for s in specs])

    loaded: list[SparkSource] = []
    for spec, (_, frame) in zip(specs, specs_frames, strict=True):
        with stage(spec.name, "read"):
            if frame is None:
                refuse_missing(spark, spec)
                data, raw = read_source(spark, spec.paths)
            else:
                data, raw = from_frame(frame, spec.name)
            headers = tuple(c for c in data.columns if c not in PROVENANCE)
            # Numbered once: every later step reads this copy, not the files again.
            data = spread(spark, data).persist(StorageLevel.MEMORY_AND_DISK)
            data.count()
            raw.unpersist()
        with stage(spec.name, "map columns"):
            loaded.append(plan_source(spec, data, headers, overrides))
    refs = [s.plan.name for s in loaded if s.plan.kind == "reference"]
    if refs:
        raise ConfigError(
            f"{', '.join(refs)}: reference sources (lookup tables for links) are not run by "
            "the Spark engine yet; leave them out or use --engine local"
        )
    options = CheckOptions(
        region=region,
        required=required_fields(chosen),
        required_by_source={
            s.plan.name: required_by_kind(chosen, s.plan.kind) for s in loaded
        },
    )
    timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    facts = {}
    for s in loaded:
        with stage(s.plan.name, "count values"):
            facts[s.plan.name] = source_facts(s, rules, region, chunk_rows)
    timings["normalize"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    contacts = [s for s in loaded if s.plan.kind != "reference"]
    job = BlockJob(
        sources=tuple(
            SourceJob(
                plan=s.plan,
                headers=s.headers,
                rules=tuple(rules),
                options=options,
                facts=facts[s.plan.name],
                load_findings=s.load_findings,
                consent_readable=s.consent_readable,
            )
            for s in contacts
        ),
        rules=tuple(rules),
        options=options,
        workflows=tuple(chosen),
        kinds={s.plan.name: s.plan.kind for s in loaded},
        titles={r.code: r.title for r in rules},
        asked=tuple(asked),
    )
    contact_rows = sum(s.rows for s in contacts)
    buckets = max(1, -(-contact_rows // chunk_rows))
    # Matched before the links: its links and clusters take part in them.
    matched = None
    if settings.match is not None and contacts:
        with stage(",".join(s.plan.name for s in contacts), "match duplicates"):
            matched = find_duplicates(
                spark,
                [s.plan.name for s in contacts],
                [MatchSource(s.frame, sj, s.rows)
                 for s, sj in zip(contacts, job.sources, strict=True)],
                settings.match,
                checkpoint_dir,
            )
        timings["match"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        job = replace(job, matched=True)
    # The buckets are regrouped by label propagation, which checkpoints.
    use_checkpoints(spark, checkpoint_dir)
    with stage(",".join(s.plan.name for s in contacts), "checks and links"):
        hand_off = HandOff.of(matched) if matched is not None else None
        # A task per bucket's worth of rows, not as few as the buckets' bytes would give.
        with shuffled_into(spark, partitions_for(spark, contact_rows, chunk_rows)):
            checked = _checked(job, contacts, buckets, hand_off).persist(
                StorageLevel.MEMORY_AND_DISK)
            partials = [json.loads(r["partial"]) for r in
                        checked.filter("pos = -2").select("partial").collect()]
    found = checked.filter("pos <> -2").drop("partial")
    extra = _load_findings_frame(spark, contacts)
    if extra is not None:
        found = found.unionByName(extra)
    timings["checks"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with stage("all", "score"):
        if matched is not None:
            partials += duplicate_partials(contacts, job, found, matched, chunk_rows)
        score = merge_partials(partials, chosen, asked, fail_under)
        link_stats = merge_link_stats(partials)
        preps = [Prepared(s.plan.skeleton()) for s in contacts]
        score.unmeasured = unmeasured(rules, preps, bool(link_stats))
        if matched is None:
            score.unmeasured["uniqueness"] = NO_MATCHING
        counts, severities, with_errors, samples = _summaries(found)
    timings["score"] = time.perf_counter() - t0
    return SparkAudit(
        job=job,
        sources=loaded,
        score=score,
        findings=found,
        counts=counts,
        severities=severities,
        records_with_errors=with_errors,
        samples=samples,
        workflows=chosen,
        rules=rules,
        link_stats=link_stats,
        timings=timings,
        matched=matched,
    )


def _load_findings_frame(spark: SparkSession, contacts: Sequence[SparkSource]) -> DataFrame | None:
    frames = [s.load_findings for s in contacts if s.load_findings is not None]
    if not frames:
        return None
    pdf = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame({c: [None if v is None or v != v else str(v) for v in pdf[c]]
                        for c in FINDING_COLUMNS if c != "row"})
    out["row"] = pd.array([None] * len(pdf), dtype="Int64")
    out["pos"] = -1
    schema = ddl_schema([c for c in OUT_COLUMNS if c != "partial"], ("row", "pos"))
    return spark.createDataFrame(out[[c for c in OUT_COLUMNS if c != "partial"]], schema)


def _checked(
    job: BlockJob, contacts: Sequence[SparkSource], buckets: int,
    hand_off: HandOff | None = None,
) -> DataFrame:
    """Pass 2: each row's bucket, every source's rows in one wide frame, and per bucket the
    checks, the links and the bucket's share of the score. With the matcher's `hand_off`,
    rows go to their link component's bucket, with its links and clusters."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StructField, StructType

    wide = None
    for i, (s, sj) in enumerate(zip(contacts, job.sources, strict=True)):

        def keyed(batches: Any, sj: SourceJob = sj) -> Any:
            quiet_pandas_warning()
            for whole, parts in gathered(batches):
                bucket, key, fixed = bucket_keys(whole, sj, buckets)
                start = 0
                for part in parts:
                    end = start + len(part)
                    out = part.assign(**{BUCKET: bucket[start:end]})
                    out[KEY] = key[start:end]
                    out[FIXED] = fixed[start:end]
                    yield out
                    start = end

        # A new schema: StructType.add changes the frame's own (cached) one in place.
        schema = StructType([*s.frame.schema.fields, StructField(BUCKET, LongType()),
                             StructField(KEY, LongType()), StructField(FIXED, LongType())])
        part = s.frame.mapInPandas(keyed, schema).select(
            *[F.col(f"`{c}`").alias(prefixed(i, c)) for c in s.headers],
            FILE, ROW, POS, BUCKET, KEY, FIXED, F.lit(i).alias(SOURCE_NO),
        )
        wide = part if wide is None else wide.unionByName(part, allowMissingColumns=True)
    assert wide is not None
    if hand_off is not None:
        wide = hand_off.regroup(wide, [s.plan.name for s in contacts], buckets)
    else:
        wide = regroup_keys(wide, buckets)

    def per_bucket(pdf: pd.DataFrame) -> pd.DataFrame:
        quiet_pandas_warning()
        return bucket_block(pdf, job)

    return wide.groupBy(BUCKET).applyInPandas(per_bucket, ddl_schema(OUT_COLUMNS, ("row", "pos")))


def _summaries(
    found: DataFrame,
) -> tuple[dict[str, int], dict[str, int], int, list[dict[str, Any]]]:
    """Counts per code and severity, records with an error, and the first findings of each
    code (by source and row): all computed by Spark, only the small results collected."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    per = found.groupBy("code", "severity").count().toPandas()
    counts = {str(k): int(v) for k, v in per.groupby("code")["count"].sum().items()}
    severities = {str(k): int(v) for k, v in per.groupby("severity")["count"].sum().items()}
    with_errors = (
        found.filter((F.col("severity") == "error") & (F.col("pos") >= 0))
        .select("source", "pos").distinct().count()
    )
    first = Window.partitionBy("code").orderBy("source", "pos", "field")
    sample = (
        found.withColumn("_n", F.row_number().over(first))
        .filter(F.col("_n") <= SAMPLES_PER_CODE)
        .drop("_n")
        .orderBy("code", "source", "pos")
        .toPandas()
    )
    return counts, severities, int(with_errors), _records(sample)


def _records(sample: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in sample.to_dict("records"):
        rec: dict[str, Any] = {}
        for c in FINDING_COLUMNS:
            v = row.get(c)
            if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
                continue
            if c == "row":
                v = int(v)
            elif c == "related":
                v = json.loads(v)
            rec[c] = v
        out.append(rec)
    return out


__all__ = ["HygieneError", "SparkAudit", "SparkStageError", "audit"]
