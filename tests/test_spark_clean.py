"""`hygiene clean --engine spark` (hygiene.spark.clean) against the local clean, on local[2].

A generated CRM + ESP pair (as tests/test_spark.py audits, smaller) is cleaned by both
engines (the local audit without matching, as the Spark audit runs), the Spark one with
groups much smaller than a source, so whole-source facts (which headers and ids a target
takes, each address once in a target's suppression file) must be put together across
groups. Each output folder, read back, holds the same rows as the local clean's CSV of the
same name, as a multiset: without merges, and with the clusters the local matcher found
handed over as a DataFrame.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

pyspark = pytest.importorskip("pyspark", reason="the spark extra is installed by `make test`")

import pyarrow.parquet as pq  # noqa: E402

import hygiene  # noqa: E402
from hygiene.clean.merge import MergeError  # noqa: E402
from hygiene.errors import ConfigError  # noqa: E402
from hygiene.match import MatchResult  # noqa: E402
from hygiene.settings import resolve  # noqa: E402
from hygiene.spark import clean  # noqa: E402
from tests.spark_helpers import generated_pair  # noqa: E402

pytestmark = pytest.mark.slow

#: The local clean's CSVs the Spark engine writes as folders of the same stem.
OUTPUTS = ("cleaned_crm", "cleaned_esp", "suppression", "suppression_hubspot",
           "suppression_mailchimp", "merge_plan", "changes")


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    return generated_pair(tmp_path_factory.mktemp("spark-clean"), 800, 560)


def _args(exports) -> list[str]:
    return [f"{n}={p}" for n, p in exports.items()]


@pytest.fixture(scope="module")
def matched(exports):
    """The local matcher's clusters (the Spark engine's come from another engineer's work)."""
    return hygiene.audit(*_args(exports), decisions=False).match.clusters


def _local(exports, tmp: Path, clusters=None):
    # The audit without matching, as the Spark audit runs; merges only from `clusters`.
    audited = hygiene.audit(*_args(exports), match=False, decisions=False)
    if clusters is not None:
        audited.match = MatchResult(clusters=list(clusters))
    return hygiene.clean(audited=audited, out=tmp, decisions=False)


def _clusters_frame(spark, clusters):
    rows = [(c.id, c.source, m, m == c.survivor, c.confidence, list(c.evidence),
             c.survivor_reason) for c in clusters for m in c.members]
    frame = pd.DataFrame(rows, columns=["cluster", "source", "row", "survivor", "confidence",
                                        "evidence", "survivor_reason"])
    return spark.createDataFrame(frame)


def _csv_rows(path: Path) -> tuple[list[str], Counter]:
    f = pd.read_csv(path, dtype=str, keep_default_na=False)
    return list(f.columns), Counter(map(tuple, f.to_numpy().tolist()))


def _folder_rows(path: Path, fmt: str = "parquet") -> tuple[list[str], Counter]:
    """A folder of part files as (columns, multiset of rows); a missing cell reads as "" (a
    CSV cannot tell the two apart)."""
    if fmt == "parquet":
        f = pq.read_table(path).to_pandas()
    else:
        parts = sorted(path.glob("part-*.csv"))
        frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in parts]
        f = pd.concat(frames, ignore_index=True)
    f = f.astype(object).where(f.notna(), "")
    return list(f.columns), Counter(map(tuple, f.to_numpy().tolist()))


def _same_outputs(local_dir: Path, spark_dir: Path, fmt: str = "parquet") -> None:
    for name in OUTPUTS:
        want_cols, want = _csv_rows(local_dir / f"{name}.csv")
        got_cols, got = _folder_rows(spark_dir / f"{name}.{fmt}", fmt)
        assert got_cols == want_cols, name
        assert got == want, (name, list((want - got).items())[:2], list((got - want).items())[:2])


def _accounted(accounting) -> None:
    """Every input row kept, merged or suppressed, per source and per file."""
    for s in accounting["sources"]:
        assert s["kept"] + s["merged"] + s["suppressed"] == s["rows"]
        assert sum(f["rows"] for f in s["files"]) == s["rows"]
        for f in s["files"]:
            assert f["kept"] + f["merged"] + f["suppressed"] == f["rows"]


def test_without_clusters_equals_the_local_clean(spark, exports, tmp_path):
    local = _local(exports, tmp_path / "local")
    got = clean(spark, {n: str(p) for n, p in exports.items()}, out=tmp_path / "spark",
                chunk_rows=200)
    _same_outputs(tmp_path / "local", tmp_path / "spark")
    assert got.accounting == local.accounting
    _accounted(got.accounting)
    assert sum(s["rows"] for s in got.accounting["sources"]) == 1360
    summary = json.loads((tmp_path / "spark" / "clean_summary.json").read_text())
    assert summary["merges"].startswith("no clusters given")
    assert summary["clusters"] == 0
    for key in ("suppressed_by_reason", "changes", "changes_by_rule", "suppression_files",
                "left_out_columns", "targets"):
        want = local.summary[key]
        if key == "suppression_files":
            want = {t: {**v, "file": v["file"].replace(".csv", ".parquet")}
                    for t, v in want.items()}
        assert summary[key] == want, key
    # Nothing but the outputs, the summary and no temporary folder is left.
    left = {p.name for p in (tmp_path / "spark").iterdir()}
    assert left == {f"{n}.parquet" for n in OUTPUTS} | {"clean_summary.json"}


def test_with_clusters_equals_the_local_clean(spark, exports, matched, tmp_path):
    assert matched, "the generated pair has duplicates"
    local = _local(exports, tmp_path / "local", matched)
    settings = resolve(_args(exports), match=False, decisions=False,
                       clean_out=tmp_path / "spark")
    got = clean(spark, settings=settings, clusters=_clusters_frame(spark, matched),
                chunk_rows=200)
    _same_outputs(tmp_path / "local", tmp_path / "spark")
    assert got.accounting == local.accounting
    _accounted(got.accounting)
    assert got.summary["clusters"] == len(matched) == local.summary["clusters"]
    assert sum(s["merged"] for s in got.accounting["sources"]) == sum(
        len(c.members) - 1 for c in matched)


def test_cli_clean_merges_the_spark_matchers_clusters(spark, exports, matched, tmp_path):
    """`hygiene clean --engine spark` (match=True): the clean's own audit matches, as the
    local CLI clean does from the same settings, and merges the Spark matcher's clusters
    (confidence, evidence and survivor reason in merge_plan) as the local clean merges the
    local matcher's."""
    # The local clean as `hygiene clean` runs it: its own audit, matching on.
    local = hygiene.clean(settings=resolve(_args(exports), decisions=False,
                                           clean_out=tmp_path / "local"))
    settings = resolve(_args(exports), decisions=False, clean_out=tmp_path / "spark")
    assert settings.match is not None
    got = clean(spark, settings=settings, match=True, chunk_rows=200)
    _same_outputs(tmp_path / "local", tmp_path / "spark")
    assert got.accounting == local.accounting
    _accounted(got.accounting)
    assert got.summary["clusters"] == local.summary["clusters"] == len(matched) > 0
    assert "merges" not in got.summary


HOSTILE = (
    "Record ID,Email,First Name,=cmd|' /C calc'!A0,Phone Number,Country\n"
    "1,Ann@Example.com,ann,=HYPERLINK(\"http://x\"),+1 415 555 2671,us\n"
    "2,bob@example.com,@SUM(1),-2+3,(415) 555-2672,=1+1\n"
    "3,not-an-address,\"Carl, \"\"C\"\"\",+cmd,415.555.2673,Germany\n"
    "4,,dora,\t=tab,,fr\n"
)


def test_formulas_escaped_and_csv_format_as_local(spark, tmp_path):
    """Cells and headers that would run as spreadsheet formulas are escaped as the local
    clean escapes them (OWASP CSV injection list: = + - @ tab); quotes and commas survive
    the CSV writer as RFC 4180 has them."""
    crm = tmp_path / "crm.csv"
    crm.write_text(HOSTILE, encoding="utf-8")
    _local({"crm": crm}, tmp_path / "local")
    clean(spark, crm=str(crm), out=str(tmp_path / "spark"), file_format="csv", chunk_rows=2)
    for name in ("cleaned_crm", "suppression", "changes"):
        want_cols, want = _csv_rows(tmp_path / "local" / f"{name}.csv")
        got_cols, got = _folder_rows(tmp_path / "spark" / f"{name}.csv", "csv")
        assert got_cols == want_cols and got == want, name
    cols, rows = _csv_rows(tmp_path / "local" / "cleaned_crm.csv")
    assert "'=cmd|' /C calc'!A0" in cols
    assert any("'=HYPERLINK(\"http://x\")" in r for r in rows)
    assert crm.read_text(encoding="utf-8") == HOSTILE  # the input is never written


def test_bad_clusters_frame_is_refused(spark, tmp_path):
    crm = tmp_path / "crm.csv"
    crm.write_text(HOSTILE, encoding="utf-8")
    twice = spark.createDataFrame(pd.DataFrame({
        "cluster": [1, 1, 2, 2], "source": ["crm"] * 4, "row": [0, 1, 1, 2],
        "survivor": [True, False, True, False]}))
    with pytest.raises(MergeError, match="more than one duplicate cluster"):
        clean(spark, crm=str(crm), out=str(tmp_path / "a"), clusters=twice)
    with pytest.raises(ConfigError, match="no column survivor"):
        clean(spark, crm=str(crm), out=str(tmp_path / "b"), clusters=twice.drop("survivor"))
    two = twice.filter("cluster = 1").withColumn("survivor", pyspark.sql.functions.lit(True))
    with pytest.raises(ConfigError, match="one survivor"):
        clean(spark, crm=str(crm), out=str(tmp_path / "c"), clusters=two)
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())


def test_cli_spark_failure_names_source_and_step_and_keeps_the_log(tmp_path):
    """A failure inside Spark: exit 2, one line naming the source and the step, Spark's log
    kept in the output folder (a new process: the command starts its own session)."""
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 this is not a parquet file")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "hygiene", "clean", "--engine", "spark", "--master", "local[1]",
         f"crm={bad}", "--out", str(out), "--no-decisions"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 2, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith("hygiene:")]
    assert len(lines) == 1 and "source crm: read failed on Spark" in lines[0], run.stderr
    assert "Traceback" not in run.stderr
    assert (out / "spark.log").is_file() and str(out / "spark.log") in lines[0]
    assert bad.read_bytes() == b"PAR1 this is not a parquet file"


def test_example_clean_job_and_databricks_recipe(spark, tmp_path):
    """examples/spark/clean_job.py runs as written (on the test's session); the Databricks
    job's clean task passes parameters it accepts."""
    import importlib.util

    crm = tmp_path / "crm.csv"
    crm.write_text(HOSTILE, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent / "examples" / "spark"
    spec = importlib.util.spec_from_file_location("clean_job", root / "clean_job.py")
    assert spec is not None and spec.loader is not None
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    out = tmp_path / "out"
    assert job.main([f"crm={crm}", "--out", str(out), "--target", "hubspot"]) == 0
    assert (out / "cleaned_crm.parquet").is_dir() and (out / "clean_summary.json").is_file()
    recipe = json.loads((root / "databricks-job.json").read_text(encoding="utf-8"))
    task = next(t for t in recipe["tasks"] if t["task_key"] == "clean")
    args = job.parser().parse_args(task["spark_python_task"]["parameters"])
    assert args.table and args.out and task["depends_on"] == [{"task_key": "audit"}]


def test_audit_takes_the_local_settings(spark, tmp_path):
    """`hygiene.spark.audit(spark, settings=...)` takes the Settings the local audit takes
    and answers as the keyword form; what Spark cannot honour is refused, not skipped."""
    from hygiene.spark import audit

    crm = tmp_path / "crm.csv"
    crm.write_text(HOSTILE, encoding="utf-8")
    settings = resolve([f"crm={crm}"], workflows=["newsletter"], region="us", match=False,
                       decisions=False)
    by_settings = audit(spark, settings=settings)
    by_keywords = audit(spark, crm=str(crm), workflows=["newsletter"], region="us", match=False)
    # The settings' own `match` (None here) decides whether duplicates are matched.
    assert by_settings.matched is None and by_keywords.matched is None
    assert by_settings.counts == by_keywords.counts
    assert by_settings.score.to_dict() == by_keywords.score.to_dict()
    with pytest.raises(ConfigError, match="not both"):
        audit(spark, settings=settings, region="us")
    with pytest.raises(ConfigError, match="links"):
        audit(spark, settings=resolve([f"crm={crm}"], links=["esp=crm"],
                                      match=False, decisions=False))
    with pytest.raises(ConfigError, match="given twice"):
        audit(spark, settings=settings, crm=str(crm))


def test_an_output_never_replaces_an_input(spark, tmp_path):
    """An input named like an output (or inside an output's folder) is refused before
    anything is written; other inputs in --out are fine."""
    from hygiene.spark.clean_write import Folder

    folder = Folder(spark, str(tmp_path))
    outputs = {"cleaned:crm": "cleaned_crm.parquet", "merge_plan": "merge_plan.parquet"}
    with pytest.raises(ConfigError, match="is an input"):
        folder.refuse_inputs(outputs, [str(tmp_path / "cleaned_crm.parquet")])
    with pytest.raises(ConfigError, match="is an input"):
        folder.refuse_inputs(outputs, [str(tmp_path / "merge_plan.parquet" / "part-0.parquet")])
    with pytest.raises(ConfigError, match="is an input"):
        folder.refuse_inputs(outputs, [str(tmp_path / "clean_summary.json")])
    folder.refuse_inputs(outputs, [str(tmp_path / "contacts.csv"),
                                   str(tmp_path / "cleaned_crm.parquet.bak")])
