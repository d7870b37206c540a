"""`hygiene.spark.clean`: the local clean's outputs written by Spark, as partitioned files.

The audit runs first (`audit_settings`, its findings kept on the executors). Then every
contact row is put in a group (a range of positions; a duplicate cluster's members go with
their survivor) and each group is planned by the local clean's own functions
(`clean_block.clean_group`). Whole-source facts the plan reads (which headers and ids a
target takes) are counted by Spark first. The per-target suppression files, where an
address appears once, are windows over the ledger. Only counts reach the driver; the
accounting is checked on their sums. Files go to a temporary folder beside the outputs and
are renamed into place once all are written.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..clean.merge import MergeError
from ..clean.plan import DISPOSITIONS, AccountingError, output_headers, safe_name, whole_counts
from ..clean.settings import load_settings
from ..clean.targets import SUPPRESSION_VALUES, Target, owns_counted, resolve_targets
from ..clean.writers import SUMMARY_SCHEMA, suppression_file
from ..errors import ConfigError
from ..load.presets import export_variant
from ..prepared import Prepared
from ..settings import Settings
from .clean_block import (
    CLUSTER,
    CONFIDENCE,
    EVIDENCE,
    FOUND_ORDER,
    GROUP,
    KIND,
    NO_CLUSTER,
    REASON,
    SURVIVOR,
    CleanJob,
    CleanSource,
    clean_group,
)
from .clean_write import Folder, write_all
from .engine import SparkAudit, audit_settings
from .errors import stage
from .options import spark_settings, spark_sources
from .partition import CHUNK_ROWS, SOURCE_NO, block_source, chunks, prefixed, seeded
from .read import FILE, POS, ROW
from .sizing import partitions_for, shuffled_into
from .sources import SparkSource, quiet_pandas_warning

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

#: File formats the outputs are written in (Parquet unless asked).
FORMATS = ("parquet", "csv")
#: clean_summary.json's note when no clusters frame is given.
NO_CLUSTERS = (
    "no clusters given: nothing was merged (pass clusters=, a frame of cluster, source, "
    "row, survivor, e.g. from the Spark matcher)"
)
CLUSTER_FIELDS = ("cluster", "source", "row", "survivor")
FOUND_COLUMNS = ("source", "code", "field", "pos", "suggestion", "message", FOUND_ORDER)


@dataclass
class SparkCleanResult:
    """Where the outputs went, the accounting and the summary (clean_summary.json)."""

    out: str
    files: dict[str, str]
    accounting: dict[str, Any]
    summary: dict[str, Any]
    audit: SparkAudit = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)


def clean(
    spark: SparkSession,
    sources: Mapping[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    out: str | os.PathLike[str] | None = None,
    target: str | Mapping[str, str] | None = None,
    clusters: DataFrame | None = None,
    suppress_roles: bool | None = None,
    file_format: str = "parquet",
    chunk_rows: int = CHUNK_ROWS,
    match: bool = False,
    **named: Any,
) -> SparkCleanResult:
    """Write what `hygiene clean` writes, on Spark: cleaned_<source>, suppression,
    suppression_<target>, merge_plan and changes as folders of Parquet (or CSV) part files
    with the local clean's columns and values, and clean_summary.json.

    `clusters`: duplicates to merge, a DataFrame of cluster (long), source (string), row
    (long: the record's position in its source, 0-based, as findings' `pos`), survivor
    (boolean), optionally confidence, evidence and survivor_reason; None merges nothing,
    unless `match`: then the clean's own audit matches (as `settings.match` says, the local
    clean's way) and its clusters are merged (`hygiene clean --engine spark` does this).
    `settings` (from `hygiene.settings.resolve`) replaces `out`, `target` and
    `suppress_roles`; sources come as for `hygiene.spark.audit`."""
    if file_format not in FORMATS:
        raise ConfigError(f"format {file_format!r}: choose parquet or csv")
    where = os.fspath(out) if out is not None else None
    settings = spark_settings(settings, clean_out=where, target=target,
                              suppress_roles=suppress_roles)
    where = where or (os.fspath(settings.clean_out) if settings.clean_out else None)
    if where is None:
        raise ConfigError("clean needs an output folder: --out DIR (or out=)")
    if settings.decisions is not None or (
        settings.decisions_file is not None
        and (settings.decisions_named or settings.decisions_file.is_file())
    ):
        raise ConfigError(
            f"{settings.decisions_file or 'decisions'}: review decisions are not applied by "
            "the Spark engine yet; give --no-decisions or use --engine local"
        )
    quiet_pandas_warning()
    given = {**(sources or {}), **named}
    with stage("clusters", "check clusters"):
        members = _check_clusters(clusters)
    t0 = time.perf_counter()
    # Clusters given as an argument: the audit under the plan matches nothing.
    matching = match and clusters is None and settings.match is not None
    audited = audit_settings(spark, settings if matching else replace(settings, match=None),
                             given, chunk_rows)
    if matching and audited.matched is not None:
        from .merges import merge_clusters

        clusters = merge_clusters(audited.matched)
        with stage("clusters", "check clusters"):
            members = _check_clusters(clusters)
    timings = {"audit": time.perf_counter() - t0}
    t0 = time.perf_counter()
    assert audited.job is not None
    contacts = [s for s in audited.sources if s.plan.kind != "reference"]
    names = [s.plan.name for s in contacts]
    variants = {s.plan.name: export_variant(_headers_only(s)) for s in contacts}
    chosen = resolve_targets(names, settings.target, variants)
    folder = Folder(spark, where)
    outputs = _output_names(names, chosen, file_format)
    folder.refuse_inputs(outputs, [p for spec, frame in spark_sources(settings, given)
                                   if frame is None for p in spec.paths])

    clean_settings = load_settings(settings.suppress_roles)
    sources_job = []
    for sj, s in zip(audited.job.sources, contacts, strict=True):
        with stage(s.plan.name, "count ids and headers"):
            counts = _whole_counts(s, sj, chosen[s.plan.name])
        sources_job.append(CleanSource(sj, chosen[s.plan.name], counts,
                                       _planned_headers(s, chosen[s.plan.name], counts)))
    job = CleanJob(tuple(sources_job), audited.job.rules, clean_settings,
                   _shown_fields(chosen.values()))
    with stage("clusters", "check clusters"):
        _check_rows(members, {s.plan.name: s.rows for s in contacts})
    label = ",".join(names)
    # A task per group's worth of rows, as the audit's buckets (`sizing`).
    parts = partitions_for(spark, sum(s.rows for s in contacts), chunk_rows)
    with stage(label, "plan the clean"), shuffled_into(spark, parts):
        planned = _planned(spark, audited, contacts, job, members, chunk_rows)
        partials = [json.loads(r["partial"]) for r in
                    planned.filter(f"{KIND} = 'partial'").select("partial").collect()]
        accounting = _accounting(partials, contacts, chosen)
    timings["plan"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        with stage(label, "write the cleaned files"):
            info = write_all(folder, planned, job, partials, chosen, file_format, outputs)
        summary = _summary(info, partials, accounting, job, clean_settings.suppress_roles,
                           clusters is None, file_format, outputs)
        folder.write_text("clean_summary.json",
                          json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
        files = folder.commit([*outputs.values(), "clean_summary.json"])
        timings["write"] = time.perf_counter() - t0
    except BaseException:
        folder.abort()
        raise
    finally:
        planned.unpersist()
    return SparkCleanResult(where, files, accounting, summary, audited, timings)


def _headers_only(s: SparkSource) -> Any:
    """The source's headers without rows (what the target and headers are chosen from)."""
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in [*s.headers, FILE, ROW]})
    return block_source(empty, s.plan, s.headers)


def _output_names(
    names: Sequence[str], chosen: Mapping[str, Target], file_format: str
) -> dict[str, str]:
    """Output -> folder name: the local clean's file names, each a folder of part files."""
    ext = f".{file_format}"
    out = {f"cleaned:{n}": f"cleaned_{safe_name(n)}{ext}" for n in names}
    out["suppression"] = f"suppression{ext}"
    for t in dict.fromkeys(chosen[n].name for n in names):
        out[f"suppression:{t}"] = suppression_file(t).removesuffix(".csv") + ext
    out["merge_plan"] = f"merge_plan{ext}"
    out["changes"] = f"changes{ext}"
    return out


def _whole_counts(s: SparkSource, sj: Any, target: Target) -> dict[str, int]:
    """`whole_counts` of the whole source: per block, summed by Spark."""
    from pyspark.sql import functions as F

    def per_block(batches: Any) -> Any:
        quiet_pandas_warning()
        for pdf in chunks(batches):
            prep = seeded(block_source(pdf, sj.plan, sj.headers), sj)
            got = whole_counts(prep, target)
            yield pd.DataFrame({"key": list(got), "n": list(got.values())})

    rows = (s.frame.mapInPandas(per_block, "key string, n long")
            .groupBy("key").agg(F.sum("n").alias("n")).collect())
    out = {str(r["key"]): int(r["n"]) for r in rows}
    for key in ("ids.filled", "ids.of_form", "ids.any"):
        out.setdefault(key, 0)
    return out


def _planned_headers(s: SparkSource, target: Target, counts: Mapping[str, int]
                     ) -> tuple[str, ...]:
    """The headers cleaned_<source> may have, in the local clean's order: each column's
    (`output_headers`), then the opt-out columns the target adds (`mark_opt_outs`), less the
    read-only ones."""
    src = _headers_only(s)
    own = owns_counted(target, src.platform, counts["ids.filled"], counts["ids.of_form"])
    headers = list(output_headers(Prepared(src), target, own, counts).values())
    taken = {h.casefold() for h in headers}
    for spec in target.opt_out:
        if src.column_for(spec.field) is None and spec.add_as is not None:
            if spec.add_as.casefold() not in taken:
                headers.append(spec.add_as)
                taken.add(spec.add_as.casefold())
    return tuple(h for h in headers if not target.is_read_only(h))


def _shown_fields(targets: Any) -> tuple[str, ...]:
    """Canonical fields the targets' suppression files show."""
    out: list[str] = []
    for t in targets:
        for what in t.suppression.columns.values():
            if not what.startswith("=") and what not in SUPPRESSION_VALUES:
                out.append(what)
    return tuple(dict.fromkeys(out))


def _check_clusters(clusters: DataFrame | None) -> DataFrame | None:
    """The clusters frame checked (each record in one cluster, each cluster in one source
    with one survivor) and laid out per member with its survivor's position; None: none."""
    if clusters is None:
        return None
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    missing = [c for c in CLUSTER_FIELDS if c not in clusters.columns]
    if missing:
        raise ConfigError(
            f"clusters: no column {', '.join(missing)}; the frame needs cluster (long), "
            "source (string), row (long, the record's 0-based position), survivor (boolean)"
        )
    cols = clusters.columns
    evidence: Column = F.lit(None).cast("string")
    if "evidence" in cols:
        kind = dict(clusters.dtypes)["evidence"]
        evidence = F.to_json(F.col("evidence")) if kind.startswith("array") else F.to_json(
            F.split(F.col("evidence"), "; "))
    c = clusters.select(
        F.col("cluster").cast("long").alias(CLUSTER),
        F.col("source").cast("string").alias("source"),
        F.col("row").cast("long").alias("row"),
        F.col("survivor").cast("boolean").alias(SURVIVOR),
        (F.col("confidence").cast("double") if "confidence" in cols
         else F.lit(None).cast("double")).alias(CONFIDENCE),
        evidence.alias(EVIDENCE),
        (F.col("survivor_reason").cast("string") if "survivor_reason" in cols
         else F.lit(None).cast("string")).alias(REASON),
    )
    empty = c.filter(F.col(CLUSTER).isNull() | F.col("source").isNull() | F.col("row").isNull()
                     | F.col(SURVIVOR).isNull()).limit(1).collect()
    if empty:
        raise ConfigError(f"clusters: a member with a missing cluster, source, row or survivor "
                          f"({empty[0].asDict()}); every member needs all four")
    twice = c.groupBy("source", "row").count().filter("count > 1").limit(1).collect()
    if twice:
        raise MergeError(
            f"clusters: record {twice[0]['row']} of {twice[0]['source']} is in more than one "
            "duplicate cluster, so no merge could be placed safely; nothing was written"
        )
    per = c.groupBy(CLUSTER).agg(
        F.countDistinct("source").alias("sources"),
        F.sum(F.col(SURVIVOR).cast("int")).alias("survivors"),
    ).filter("sources <> 1 OR survivors <> 1").limit(1).collect()
    if per:
        raise ConfigError(
            f"clusters: cluster {per[0][CLUSTER]} has {per[0]['survivors']} survivors over "
            f"{per[0]['sources']} sources; each cluster needs one survivor in one source"
        )
    whole = Window.partitionBy(CLUSTER)
    return c.withColumn(
        "_surv_pos", F.max(F.when(F.col(SURVIVOR), F.col("row"))).over(whole)
    )


def _check_rows(members: DataFrame | None, rows: Mapping[str, int]) -> None:
    """Every member a record of a contact source (positions count from 0)."""
    if members is None:
        return
    from pyspark.sql import functions as F

    size = F.create_map(*[x for n, r in rows.items() for x in (F.lit(n), F.lit(r))])
    bad_row = members.filter(
        F.col(CLUSTER).isNull() | F.col("row").isNull() | F.col(SURVIVOR).isNull()
        | F.col("source").isNull() | size[F.col("source")].isNull() | (F.col("row") < 0)
        | (F.col("row") >= size[F.col("source")])
    ).limit(1).collect()
    if bad_row:
        r = bad_row[0]
        raise ConfigError(
            f"clusters: cluster {r[CLUSTER]}, source {r['source']!r}, row {r['row']}: not a "
            f"record of a contact source ({', '.join(rows)}; rows count from 0) or a value "
            "is missing"
        )


def _planned(
    spark: SparkSession,
    audited: SparkAudit,
    contacts: Sequence[SparkSource],
    job: CleanJob,
    members: DataFrame | None,
    chunk_rows: int,
) -> DataFrame:
    """Every group planned: the output rows of all files and one partial row per group."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    wide = None
    places = None
    for i, (s, cs) in enumerate(zip(contacts, job.sources, strict=True)):
        part = s.frame
        if members is not None:
            mine = members.filter(F.col("source") == s.plan.name).drop("source")
            part = part.join(mine, part[POS] == mine["row"], "left").drop("row")
            anchor = F.coalesce(F.col("_surv_pos"), F.col(POS))
        else:
            for c, kind in ((CLUSTER, "long"), (SURVIVOR, "boolean"), (CONFIDENCE, "double"),
                            (EVIDENCE, "string"), (REASON, "string")):
                part = part.withColumn(c, F.lit(None).cast(kind))
            anchor = F.col(POS)
        part = part.select(
            *[F.col(f"`{c}`").alias(prefixed(i, c)) for c in cs.job.headers],
            FILE, ROW, POS, F.coalesce(F.col(CLUSTER), F.lit(NO_CLUSTER)).alias(CLUSTER),
            SURVIVOR, CONFIDENCE, EVIDENCE, REASON,
            F.lit(i).cast("long").alias(SOURCE_NO),
            F.floor(anchor / F.lit(chunk_rows)).cast("long").alias(GROUP),
        )
        # A new column, not `part`'s: the cogroup below would find two of the same lineage.
        place = part.select(F.lit(s.plan.name).alias("source"), F.col(POS).alias("pos"),
                            (F.col(GROUP) + F.lit(0)).alias(GROUP))
        wide = part if wide is None else wide.unionByName(part, allowMissingColumns=True)
        places = place if places is None else places.unionByName(place)
    assert wide is not None and places is not None
    # A row's findings come out of its bucket in the local engine's order (rule order, then
    # links); the first one names a suppression's detail, so the order is kept over the join.
    found = (
        audited.findings.withColumn(FOUND_ORDER, F.monotonically_increasing_id())
        .filter(F.col("pos") >= 0)
        .select(*FOUND_COLUMNS)
        .join(places, ["source", "pos"], "inner")
    )
    empty = pd.DataFrame({c: pd.Series(dtype="int64" if c in ("pos", FOUND_ORDER) else object)
                          for c in FOUND_COLUMNS})

    def per_group(rows: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
        quiet_pandas_warning()
        if not len(rows):
            return pd.DataFrame({c: pd.Series(dtype=object) for c in job.columns()})
        return clean_group(rows, hits if len(hits.columns) else empty, job)

    planned = wide.groupBy(GROUP).cogroup(found.groupBy(GROUP)).applyInPandas(
        per_group, job.schema()
    )
    return planned.persist(StorageLevel.MEMORY_AND_DISK)


def _accounting(
    partials: Sequence[Mapping[str, Any]], contacts: Sequence[SparkSource],
    chosen: Mapping[str, Target],
) -> dict[str, Any]:
    """check_accounting's answer for the whole sources, from the groups' counts; every row
    of every source counted once (AccountingError otherwise)."""
    keys = ("rows", *DISPOSITIONS, "cleaned_rows")
    per: dict[str, dict[str, int]] = {s.plan.name: dict.fromkeys(keys, 0) for s in contacts}
    files: dict[str, dict[str, dict[str, int]]] = {s.plan.name: {} for s in contacts}
    for p in partials:
        for a in p["accounting"]:
            for k in keys:
                per[a["source"]][k] += int(a[k])
            for f in a["files"]:
                got = files[a["source"]].setdefault(str(f["file"]), dict.fromkeys(
                    ("rows", *DISPOSITIONS), 0))
                for k in got:
                    got[k] += int(f[k])
    problems = []
    out: dict[str, Any] = {"ok": True, "sources": []}
    for s in contacts:
        got = per[s.plan.name]
        if got["rows"] != s.rows or sum(got[k] for k in DISPOSITIONS) != s.rows:
            problems.append(f"{s.plan.name}: {s.rows} rows in, {got['rows']} planned, "
                            f"{sum(got[k] for k in DISPOSITIONS)} accounted for")
        order = [f for f in s.files if f in files[s.plan.name]]
        order += [f for f in files[s.plan.name] if f not in order]
        out["sources"].append({
            "source": s.plan.name, "target": chosen[s.plan.name].name, **got,
            "files": [{"file": f, **files[s.plan.name][f]} for f in order],
        })  # fmt: skip
    if problems:
        raise AccountingError(
            "the clean plan does not account for every row: " + "; ".join(problems)
        )
    return out


def _summary(
    info: Mapping[str, Any],
    partials: Sequence[Mapping[str, Any]],
    accounting: Mapping[str, Any],
    job: CleanJob,
    suppress_roles: bool,
    no_clusters: bool,
    file_format: str,
    outputs: Mapping[str, str],
) -> dict[str, Any]:
    """clean_summary.json: the local clean's keys, summed over the groups."""
    reasons: dict[str, int] = {}
    rules: dict[str, int] = {}
    left_out: dict[str, list[str]] = {}
    for p in partials:
        for k, v in p["reasons"].items():
            reasons[k] = reasons.get(k, 0) + int(v)
        for k, v in p["changes_by_rule"].items():
            rules[k] = rules.get(k, 0) + int(v)
        for k, v in p["left_out"].items():
            left_out.setdefault(k, list(v))
    out = {
        "schema": SUMMARY_SCHEMA,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "engine": "spark",
        "format": file_format,
        "targets": {cs.name: cs.target.name for cs in job.sources},
        "suppression_files": dict(info.get("suppression_files", {})),
        "accounting": dict(accounting),
        "clusters": sum(int(p["clusters"]) for p in partials),
        "suppressed_by_reason": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        "changes": sum(rules.values()),
        "changes_by_rule": dict(sorted(rules.items(), key=lambda kv: -kv[1])),
        "decisions": {"keep_separate_pairs": 0, "rejected_fixes": 0, "accepted_fixes": 0},
        "suppress_roles": suppress_roles,
        "left_out_columns": left_out,
        "files": list(outputs.values()),
    }
    if no_clusters:
        out["merges"] = NO_CLUSTERS
    return out
