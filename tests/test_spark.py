"""The Spark engine (hygiene/spark) against the local engine, on local[2].

One SparkSession for the whole file; a generated CRM + ESP pair audited by both engines, the
Spark one with buckets much smaller than a source, so every source-level fact (domain counts,
canonical spellings, row countries, date orders, whether opt-outs can be read, whole-column
findings, the score) has to be put together from several buckets to come out equal, and the
links between the sources must find their pairs inside the buckets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pyspark = pytest.importorskip("pyspark", reason="the spark extra is installed by `make test`")

import hygiene  # noqa: E402
from hygiene.cli import main  # noqa: E402
from hygiene.model import is_missing  # noqa: E402
from hygiene.schema import problems  # noqa: E402
from hygiene.spark import SparkStageError, audit  # noqa: E402
from tests.spark_helpers import generated_pair  # noqa: E402

pytestmark = pytest.mark.slow

KEY = ("code", "source", "row", "field", "suggestion")


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """A generated HubSpot export and a Mailchimp audience as one CSV (the three member files
    joined by the local loader, its Member Status column included), as both engines read."""
    return generated_pair(tmp_path_factory.mktemp("spark-demo"), 2000, 1400)


@pytest.fixture(scope="module")
def local(exports):
    # Both engines without matching here (tests/test_spark_match.py compares the clusters).
    return hygiene.audit(*(f"{n}={p}" for n, p in exports.items()), match=False,
                         decisions=False)


@pytest.fixture(scope="module")
def on_spark(spark, exports):
    # Arrow batches far smaller than a chunk, as at scale (10,000-row batches, 50,000-row
    # chunks): a chunk gathers many batches, whose text columns are then chunked arrays.
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
    try:
        yield audit(spark, {n: str(p) for n, p in exports.items()}, chunk_rows=300,
                    match=False)
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")


def _plain(column: str, v):
    if is_missing(v):
        return None
    return int(v) if column == "row" else str(v)


def _local_rows(result, columns) -> Counter:
    f = result.findings
    return Counter(
        tuple(_plain(c, v) for c, v in zip(columns, rec, strict=True))
        for rec in zip(*(f[c].astype(object) for c in columns), strict=True)
    )


def _local_keys(result) -> Counter:
    return _local_rows(result, KEY)


def _spark_keys(result) -> Counter:
    rows = result.findings.select(*KEY).collect()
    return Counter(
        (r["code"], r["source"], None if r["row"] is None else int(r["row"]), r["field"],
         r["suggestion"]) for r in rows
    )


def test_findings_equal_the_local_engine(local, on_spark):
    mine, theirs = _spark_keys(on_spark), _local_keys(local)
    assert mine == theirs, {
        "only_spark": list((mine - theirs).items())[:10],
        "only_local": list((theirs - mine).items())[:10],
    }
    assert on_spark.counts == {str(k): int(v) for k, v in local.counts().items()}


def test_values_and_messages_equal_the_local_engine(local, on_spark):
    cols = ("code", "source", "row", "field", "value", "message")
    spark_rows = Counter(tuple(r) for r in on_spark.findings.select(*cols).collect())
    assert spark_rows == _local_rows(local, cols)


def test_findings_cover_checks_links_and_consent(on_spark):
    """The comparison above is not vacuous: every kind of step found something."""
    for code in ("email.typo_domain", "field.inconsistent", "phone.invalid",
                 "field.missing_column", "link.orphan", "link.consent_conflict",
                 "link.status_mismatch", "consent.double_opt_in_missing"):
        assert on_spark.counts.get(code, 0) > 0, code


def test_score_equals_the_local_engine(local, on_spark):
    mine, theirs = on_spark.score.to_dict(), local.score.to_dict()
    # The one difference, on purpose: without matching, uniqueness is said to be unmeasured
    # (the local engine run with match=False says nothing).
    assert mine["unmeasured"].pop("uniqueness").startswith("the Spark engine does not look")
    assert mine == theirs


def test_link_counts_equal_the_local_engine(local, on_spark):
    # `consent` (a description of each side's states) is the local engine's only.
    theirs = [{k: v for k, v in st.items() if k != "consent"} for st in local.link_stats]
    assert on_spark.link_stats == theirs


def test_sources_equal_the_local_engine(local, on_spark):
    for s in on_spark.sources:
        rec = s.record()
        want = local.source_record(local.source(s.plan.name))
        for key in ("platform", "kind", "rows", "columns", "files", "unmapped"):
            assert rec[key] == want[key], key


def test_outputs(on_spark, tmp_path):
    written = on_spark.save(tmp_path)
    doc = json.loads(Path(written["json"]).read_text(encoding="utf-8"))
    assert problems(doc, "audit") == []
    assert doc["summary"]["findings"] == on_spark.counts
    # Samples are bounded per code, and each is a real finding.
    per_code = Counter(f["code"] for f in doc["findings"])
    assert all(n <= 20 for n in per_code.values())
    import pyarrow.dataset as ds

    table = ds.dataset(written["findings"], format="parquet", partitioning="hive").to_table()
    assert table.num_rows == sum(on_spark.counts.values())
    layout = {p.name for p in Path(written["findings"]).iterdir() if p.is_dir()}
    assert layout == {"source=crm", "source=esp"}


@pytest.fixture(scope="module")
def small(exports, tmp_path_factory) -> dict[str, Path]:
    """The first 80 CRM rows and 50 members: small enough for many runs."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("spark-small")
    paths = {}
    for name, n in (("crm", 80), ("esp", 50)):
        out = folder / f"{name}.csv"
        pd.read_csv(exports[name], dtype=str, keep_default_na=False, na_values=[""],
                    nrows=n).to_csv(out, index=False)
        paths[name] = out
    return paths


@pytest.fixture(scope="module")
def small_on_spark(spark, small):
    return audit(spark, {n: str(p) for n, p in small.items()}, chunk_rows=4)


def test_many_small_buckets(small, small_on_spark):
    """Buckets holding one source's rows and not the other's (or a handful of rows) still
    give the local engine's answer, matching on (rows a matcher link or a cluster joins are
    put in one bucket)."""
    want = hygiene.audit(*(f"{n}={p}" for n, p in small.items()), decisions=False)
    assert _spark_keys(small_on_spark) == _local_keys(want)
    assert small_on_spark.score.to_dict() == want.score.to_dict()


@pytest.mark.parametrize("match", [False, True])
def test_a_corrected_address_keeps_its_own_key(spark, small, tmp_path, match):
    """Invariant: the links join a row on its email key and, where the checks fix a
    misspelt domain, on the corrected address too, so the rows of both keys must meet in one
    bucket whatever the number of buckets. A CRM address on a misspelt company domain
    (fixed to the CRM's common one) still links the member written with the same
    misspelling, which the ESP (without that domain) does not fix."""
    import pandas as pd

    crm = pd.read_csv(small["crm"], dtype=str, keep_default_na=False, na_values=[""])
    esp = pd.read_csv(small["esp"], dtype=str, keep_default_na=False, na_values=[""])
    crm.loc[:11, "Email"] = [f"staff{i}@acmecorp.com" for i in range(12)]
    crm.loc[12, "Email"] = "jo.typo@acmecrop.com"
    esp.loc[0, "Email Address"] = "jo.typo@acmecrop.com"
    paths = {"crm": tmp_path / "crm.csv", "esp": tmp_path / "esp.csv"}
    crm.to_csv(paths["crm"], index=False)
    esp.to_csv(paths["esp"], index=False)
    want = hygiene.audit(*(f"{n}={p}" for n, p in paths.items()), decisions=False, match=match)
    f = want.findings
    typo = f[f["code"] == "email.typo_domain"]
    assert set(typo["suggestion"]) >= {"jo.typo@acmecorp.com"}, "the CRM fixes the domain"
    assert not (typo["source"] == "esp").any(), "the ESP has no such fix"
    member = int(want.sources[1].provenance["row"].iloc[0])
    orphans = f[(f["code"] == "link.orphan") & (f["source"] == "esp")]
    assert member not in set(orphans["row"].astype(int)), "linked on the address as written"
    got = audit(spark, {n: str(p) for n, p in paths.items()}, chunk_rows=2, match=match)
    assert _spark_keys(got) == _local_keys(want)
    assert got.link_stats == [{k: v for k, v in st.items() if k != "consent"}
                              for st in want.link_stats]


def test_parquet_input_gives_the_same_findings(spark, small, small_on_spark, tmp_path):
    """Invariant: the same rows as Parquet (one file per source, text columns) give the same
    findings and score as the CSV files."""
    import pandas as pd

    paths = {}
    for name, path in small.items():
        out = tmp_path / f"{name}.parquet"
        pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]).to_parquet(out)
        paths[name] = str(out)
    got = audit(spark, paths, chunk_rows=40)
    assert _spark_keys(got) == _spark_keys(small_on_spark)
    assert got.score.to_dict() == small_on_spark.score.to_dict()


def test_headers_and_delimiter_as_the_local_loader(spark, tmp_path):
    """A semicolon file with a BOM, a repeated header and a blank one (as Excel writes in
    some locales): the same columns, mapping and findings as the local loader's."""
    path = tmp_path / "contacts.csv"
    path.write_bytes(
        "\ufeffEmail;First Name;Last Name;Email; ;Country\n"
        "ann@gmial.com;Ann;Lee;ann@work.example;x;Deutschland\n"
        '"bob@example.com";"Bob";"Ray, Jr";;;DE\n'
        "info@example.org;;;;;Germany\n".encode()
    )
    got = audit(spark, crm=str(path))
    want = hygiene.audit(f"crm={path}", match=False, decisions=False)
    assert list(got.sources[0].headers) == list(want.source("crm").data.columns)
    assert got.sources[0].plan.columns == want.source("crm").columns
    assert _spark_keys(got) == _local_keys(want)


def test_dataframe_input_and_gate(spark, small):
    frame = spark.read.option("header", True).option("multiLine", True).option(
        "escape", '"').csv(str(small["crm"]))
    got = audit(spark, crm=frame, workflows=["newsletter"], fail_under=100)
    assert got.sources[0].files == ["crm"]
    assert got.sources[0].rows == 80
    assert got.score.gate is not None and not got.score.gate.passed
    assert got.score.gate.exit_code == 1


def test_cli_exit_codes(spark, small, tmp_path, capsys):
    crm = f"crm={small['crm']}"
    out = tmp_path / "out"
    assert main(["audit", "--engine", "spark", "--out", str(out), "-q", crm,
                 "--fail-under", "100"]) == 1
    assert (out / "audit.json").is_file()
    assert main(["audit", "--engine", "spark", "--out", str(out), "-q", crm,
                 "--fail-under", "1"]) == 0
    capsys.readouterr()
    assert main(["audit", "--engine", "spark", "--out", str(out), "-q",
                 f"crm={tmp_path / 'nope.csv'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "source crm: read failed" in err and "nope.csv" in err
    assert main(["audit", "--engine", "spark", "--out", str(out), "-q", crm,
                 "--map", "crm:No Such Column=email"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "No Such Column" in err
    assert main(["audit", "--engine", "spark", "--out", str(out), crm, "--format",
                 "html"]) == 2
    assert "--engine local" in capsys.readouterr().err


def test_example_job_and_databricks_recipe(spark, small, tmp_path, monkeypatch):
    """examples/spark: the job script runs as written (on the test's session), and the
    Databricks job's parameters are ones it accepts."""
    import importlib.util

    root = Path(__file__).resolve().parent.parent / "examples" / "spark"
    spec = importlib.util.spec_from_file_location("audit_job", root / "audit_job.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    out, findings = tmp_path / "out", tmp_path / "findings"
    code = job.main([f"crm={small['crm']}", f"esp={small['esp']}", "--out", str(out),
                     "--findings", str(findings), "--workflow", "newsletter"])
    assert code == 0
    assert problems(json.loads((out / "audit.json").read_text(encoding="utf-8")), "audit") == []
    assert {p.name for p in findings.iterdir() if p.is_dir()} == {"source=crm", "source=esp"}
    recipe = json.loads((root / "databricks-job.json").read_text(encoding="utf-8"))
    params = recipe["tasks"][0]["spark_python_task"]["parameters"]
    args = job.parser().parse_args(params)
    assert args.table and args.out and args.findings


def test_stage_error_names_source_and_step(spark, tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 this is not a parquet file")
    with pytest.raises(SparkStageError) as err:
        audit(spark, crm=str(bad))
    assert err.value.source == "crm" and err.value.step == "read"
    assert "\n" not in str(err.value)


@pytest.mark.skipif(not os.access("/usr/bin/java", os.X_OK) and not os.environ.get("JAVA_HOME"),
                    reason="needs Java")
def test_cli_spark_failure_keeps_the_log(tmp_path):
    """A failure inside Spark: exit 2, one line naming the source and step, the log kept."""
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 this is not a parquet file")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "hygiene", "audit", "--engine", "spark", "--master", "local[1]",
         "--out", str(out), f"crm={bad}"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 2, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith("hygiene:")]
    assert len(lines) == 1 and "source crm: read failed on Spark" in lines[0]
    assert "Traceback" not in run.stderr
    assert (out / "spark.log").is_file() and str(out / "spark.log") in lines[0]


@pytest.mark.skipif(not os.access("/usr/bin/java", os.X_OK) and not os.environ.get("JAVA_HOME"),
                    reason="needs Java")
def test_cli_session_that_cannot_start_is_one_line_and_logged(tmp_path):
    """Spark that cannot start (a master URL Spark refuses): exit 2, one line naming the
    stage, and the launcher's Java stack kept in spark.log, not printed."""
    crm = tmp_path / "crm.csv"
    crm.write_text("Email,First Name\nann@example.com,Ann\n", encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "hygiene", "audit", "--engine", "spark", "--master",
         "nonsense://host", "--out", str(out), f"crm={crm}"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 2, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "start Spark failed on Spark" in lines[0], run.stderr
    assert str(out / "spark.log") in lines[0]
    assert "Master must" in (out / "spark.log").read_text(encoding="utf-8")


def test_a_local_master_gets_a_quarter_of_the_memory():
    from hygiene.spark.session import local_driver_memory

    heap = local_driver_memory()
    if not hasattr(os, "sysconf"):
        assert heap is None
        return
    total_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    assert heap is not None and heap.endswith("g")
    gb = int(heap[:-1])
    assert 1 <= gb <= 32
    # A quarter, rounded down, unless that is under 1 GB or over 32 GB.
    assert gb == 1 or gb == 32 or gb <= total_gb / 4 < gb + 1
