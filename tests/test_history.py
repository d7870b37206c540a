"""The audit history: finding identities, the SQLite store, the trend, concurrent runs
(`hygiene history` itself: tests/test_history_cli.py)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import hygiene
from hygiene.errors import ConfigError
from hygiene.history import (
    SCHEMA_VERSION,
    compare,
    connect,
    default_history_path,
    file_sha256,
    finding_identities,
    list_runs,
    migrate,
    record,
    trend_for,
)
from hygiene.history.identity import hash_identities, identity_strings
from hygiene.history.snapshot import Snapshot, group_identities
from hygiene.history.store import MIGRATIONS
from tests.helpers import ROOT, make_source

COLUMNS = {
    "Record ID": "record_id",
    "Email": "email",
    "First Name": "first_name",
    "Country": "country",
}


def crm(rows: list[tuple[str, str, str, str]], name: str = "crm") -> hygiene.Source:
    """A HubSpot-like source from (record id, email, first name, country) tuples."""
    cols = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    return make_source(
        name,
        dict(zip(COLUMNS, cols, strict=True)),
        COLUMNS,
        platform="hubspot",
        file="hubspot_contacts.csv",
    )


MONDAY = [
    ("101", "ann@gmial.com", "Ann", "United States"),
    ("102", "bob@acme.com", "Bob", "United States"),
    ("103", "test@test.com", "Test", "United States"),
    ("104", "cy@acme", "Cy", "United States"),
]
# A week later: rows re-ordered, Ann's address fixed, a new contact on a throw-away mailbox.
TUESDAY = [
    ("104", "cy@acme", "Cy", "United States"),
    ("103", "test@test.com", "Test", "United States"),
    ("102", "bob@acme.com", "Bob", "United States"),
    ("101", "ann@gmail.com", "Ann", "United States"),
    ("105", "dee@mailinator.com", "Dee", "United States"),
]


def findings_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "code": "email.typo_domain",
        "severity": "error",
        "source": "crm",
        "file": "hubspot_contacts.csv",
        "row": 1,
        "record_id": None,
        "field": "email",
        "column": "Email",
        "pos": 0,
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["row"] = frame["row"].astype("Int64")
    return frame


# --- identities ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "finding,source_rows,key",
    [
        # The platform's record id wins: it survives re-exports and address changes.
        ({"record_id": "51002"}, [("51002", "ann@gmail.com", "Ann", "")], "id:51002"),
        # No record id: the normalised email (trimmed, lower-cased).
        ({}, [("", "  Ann@Gmail.COM ", "Ann", "")], "em:ann@gmail.com"),
        # Neither: file and row.
        ({"row": 7, "pos": 0}, [("", "", "Ann", "")], "row:hubspot_contacts.csv:7"),
        # A finding about a whole column has no row at all.
        (
            {"code": "field.missing_column", "row": None, "pos": -1, "field": "phone"},
            [("1", "a@b.co", "A", "")],
            "col:Email",
        ),
    ],
)
def test_a_finding_is_named_by_record_id_else_email_else_row(finding, source_rows, key):
    frame = findings_frame([finding])
    ids = identity_strings(frame, [crm(source_rows)])
    code, source, got_key, field = ids[0].as_py().split("\x1f")
    assert (code, source, got_key) == (frame["code"][0], "crm", key)
    assert field == (frame["field"][0] or "")


def test_identity_hash_is_pinned():
    """The stored hashes must not change between releases, or every finding turns "new"."""
    ident = pa.array(["email.typo_domain\x1fcrm\x1fid:51002\x1femail"])
    assert hash_identities(ident).tolist() == [6522067558482499348]


def test_identities_survive_reordering_and_differ_by_code_field_and_source():
    a = crm(MONDAY)
    frame = findings_frame(
        [
            {"record_id": "101", "pos": 0},
            {"record_id": "101", "pos": 0, "code": "email.disposable"},
            {"record_id": "101", "pos": 0, "field": "first_name", "column": "First Name"},
        ]
    )
    ids = finding_identities(frame, [a])
    assert len(set(ids.tolist())) == 3
    moved = frame.assign(row=4, pos=3)
    assert finding_identities(moved, [a]).tolist() == ids.tolist()
    other = crm(MONDAY, name="esp")
    assert finding_identities(frame.assign(source="esp"), [other])[0] != ids[0]


def test_no_findings_no_identities():
    assert finding_identities(findings_frame([{}]).iloc[:0], [crm(MONDAY)]).size == 0


def test_file_sha256_streams_whole_file(tmp_path: Path):
    data = os.urandom((1 << 20) * 2 + 12345)  # spans three 1 MiB chunks
    p = tmp_path / "export.csv"
    p.write_bytes(data)
    assert file_sha256(p) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty.csv").write_bytes(b"")
    assert file_sha256(tmp_path / "empty.csv") == hashlib.sha256(b"").hexdigest()


# --- where the database lives, and how it is stored -----------------------------------------


def test_default_history_path(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "team" / "hygiene.toml"
    config.parent.mkdir()
    config.write_text("", encoding="utf-8")
    assert default_history_path(None) == tmp_path / ".hygiene" / "history.db"
    assert default_history_path(config) == tmp_path / "team" / ".hygiene" / "history.db"
    assert default_history_path(config.parent) == tmp_path / "team" / ".hygiene" / "history.db"


def test_database_is_private_wal_and_versioned(tmp_path: Path):
    db = tmp_path / ".hygiene" / "history.db"
    conn = connect(db)
    try:
        conn.execute("CREATE TABLE probe (x)")  # something in the WAL while open
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    finally:
        conn.close()


def test_migration_adds_to_an_existing_history(tmp_path: Path):
    """A later schema is a function appended to MIGRATIONS; old runs survive it."""
    db = tmp_path / "history.db"
    record(hygiene.audit(crm(MONDAY)), db)

    def v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE runs ADD COLUMN note TEXT DEFAULT 'kept'")

    conn = connect(db)
    try:
        assert migrate(conn, (*MIGRATIONS, v2)) == SCHEMA_VERSION + 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert conn.execute("SELECT overall, note FROM runs").fetchall()[0][1] == "kept"
    finally:
        conn.close()
    # This release reads schema SCHEMA_VERSION only: a newer file is refused, not guessed at.
    with pytest.raises(ConfigError, match="newer"):
        connect(db)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"Record ID,Email\n1,a@b.co\n" * 200, "not a crm-hygiene history"),
        (None, "is a folder"),
    ],
)
def test_foreign_files_are_refused_with_one_line(tmp_path: Path, content, message):
    target = tmp_path / "history.db"
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as err:
        connect(target)
    assert "\n" not in str(err.value)


# --- recording and the trend ----------------------------------------------------------------


def test_first_audit_has_no_trend_and_second_shows_the_change(tmp_path: Path):
    db = tmp_path / "history.db"
    first = hygiene.audit(crm(MONDAY))
    one = record(first, db)
    assert (one.run_id, one.trend) == (1, None)

    second = hygiene.audit(crm(TUESDAY))
    two = record(second, db)
    trend = two.trend
    assert trend is not None and two.run_id == 2
    assert trend.previous_overall == first.score.overall
    assert trend.overall_delta == round(second.score.overall - first.score.overall, 1)
    assert trend.dimension_deltas["validity"] == round(
        second.score.dimensions["validity"] - first.score.dimensions["validity"], 1
    )
    # Ann's typo was fixed; Dee's throw-away mailbox is new; re-ordering changed nothing else.
    assert trend.fixed_by_code.get("email.typo_domain") == 1
    assert trend.new_by_code.get("email.disposable") == 1
    for unchanged in ("value.placeholder", "email.invalid_syntax"):
        assert unchanged not in trend.new_by_code and unchanged not in trend.fixed_by_code
    assert trend.new_findings == sum(trend.new_by_code.values())
    assert trend.fixed_findings == sum(trend.fixed_by_code.values())
    assert trend.history == [(one_at(db, 1), first.score.overall)]
    assert trend_for(db, 2) == trend


def one_at(db: Path, run_id: int) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT generated_at FROM runs WHERE id = ?", (run_id,)).fetchone()
    return str(row[0])


def test_what_is_stored_for_a_run(tmp_path: Path):
    db = tmp_path / "history.db"
    export = tmp_path / "hubspot_contacts.csv"
    export.write_text(
        "Record ID,First Name,Email,Country/Region\n101,Ann,ann@gmial.com,United States\n"
        "102,Bob,bob@acme.com,USA\n",
        encoding="utf-8",
    )
    result = hygiene.audit(f"crm={export}", workflows=["newsletter"])
    record(result, db)
    [run] = list_runs(db)
    assert run.source_set == "crm:hubspot"
    assert run.sources == {"crm": ("hubspot", 2)}
    assert [(f.source, f.path, f.size, f.sha256) for f in run.inputs] == [
        ("crm", str(export.resolve()), export.stat().st_size, file_sha256(export))
    ]
    assert run.dimensions == result.score.dimensions
    assert run.workflows == {"newsletter": (result.score.workflows["newsletter"].score, False)}
    counts = result.findings.groupby(["code", "severity"]).size()
    assert run.counts == {(c, s): int(n) for (c, s), n in counts.items()}
    assert run.findings == len(result.findings) and run.records == 2


def test_only_the_same_sources_are_compared(tmp_path: Path):
    db = tmp_path / "history.db"
    record(hygiene.audit(crm(MONDAY)), db)
    # Another source set (a different name, or the same name on another platform): no trend.
    assert record(hygiene.audit(crm(MONDAY, name="esp")), db).trend is None
    other_platform = crm(MONDAY)
    other_platform.platform = "salesforce"
    assert record(hygiene.audit(other_platform), db).trend is None
    assert record(hygiene.audit(crm(TUESDAY)), db).trend is not None


def test_a_pre_launch_check_is_compared_with_the_last_check_of_its_kind(tmp_path: Path):
    """Nightly audits of all workflows and checks of one workflow share the database."""
    db = tmp_path / "history.db"
    record(hygiene.audit(crm(MONDAY), workflows=["welcome_email"]), db)  # run 1
    record(hygiene.audit(crm(MONDAY)), db)  # run 2, every workflow
    check = record(hygiene.audit(crm(TUESDAY), workflows=["welcome_email"]), db)
    nightly = record(hygiene.audit(crm(TUESDAY)), db)
    runs = {r.run_id: r for r in list_runs(db)}
    assert runs[check.run_id].previous_id == 1
    assert runs[nightly.run_id].previous_id == 2
    assert check.trend is not None and list(check.trend.workflow_deltas) == ["welcome_email"]


def test_a_check_of_other_workflows_is_not_compared_with_a_full_audit(tmp_path: Path):
    """A run is compared with the last run of the same sources and the same workflows only:
    findings a full audit checked and a one-workflow check did not are neither new nor fixed."""
    db = tmp_path / "history.db"
    record(hygiene.audit(crm(MONDAY)), db)  # every workflow
    check = record(hygiene.audit(crm(MONDAY), workflows=["welcome_email", "newsletter"]), db)
    assert check.trend is None
    again = record(hygiene.audit(crm(MONDAY), workflows=["newsletter", "welcome_email"]), db)
    assert again.trend is not None  # the same set, named in another order
    assert (again.trend.new_findings, again.trend.fixed_findings) == (0, 0)
    runs = {r.run_id: r for r in list_runs(db)}
    assert runs[check.run_id].previous_id is None and runs[again.run_id].previous_id == 2


def test_a_gated_run_keeps_its_line_and_gate(tmp_path: Path):
    db = tmp_path / "history.db"
    result = hygiene.audit(crm(MONDAY), workflows=["welcome_email"], fail_under=40)
    record(result, db)
    [run] = list_runs(db)
    w = result.score.workflows["welcome_email"]
    assert run.ready_at == {"welcome_email": 40.0}
    assert run.status == {"welcome_email": w.status}
    assert run.workflows == {"welcome_email": (w.score, w.ready)}
    assert result.score.gate is not None
    assert run.gate == (40.0, result.score.gate.passed)


def test_a_version_1_history_is_migrated_and_its_runs_still_read(tmp_path: Path):
    """Schema 2 adds each workflow's line and status and the run's gate: the runs a
    version-1 file holds read back with None there. Schema 3 adds what data each source
    held, which an old run does not know: a new run is not compared with it, and says why."""
    db = tmp_path / "history.db"
    conn = connect(db)
    conn.close()
    with sqlite3.connect(db) as old:  # rebuild the file as version 1 wrote it
        old.execute("PRAGMA user_version = 0")
        for table in ("runs", "sources", "inputs", "dimension_scores", "workflow_scores",
                      "code_counts", "finding_ids", "meta", "datasets"):  # fmt: skip
            old.execute(f"DROP TABLE {table}")
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert migrate(conn, MIGRATIONS[:1]) == 1
        conn.execute(
            "INSERT INTO runs (generated_at, recorded_at, source_set, overall, grade, records,"
            " findings, duplicates, workflows, tool_version) VALUES"
            " ('2026-11-01T06:30:00Z', '2026-11-01T06:30:01Z', 'crm:hubspot', 71.5, 'C', 4, 3,"
            " 0, '[\"welcome_email\"]', '0.0.9')"
        )
        conn.execute(
            "INSERT INTO workflow_scores (run_id, workflow, score, ready) VALUES"
            " (1, 'welcome_email', 50.0, 0)"
        )
    finally:
        conn.close()
    [old_run] = list_runs(db)  # connect() migrates the file to this release's schema
    assert old_run.workflows == {"welcome_email": (50.0, False)}
    assert old_run.ready_at == {"welcome_email": None} and old_run.gate is None
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    now = record(hygiene.audit(crm(MONDAY), workflows=["welcome_email"]), db)
    assert now.trend is None and now.note is not None and "run 1 audited" in now.note
    again = record(hygiene.audit(crm(TUESDAY), workflows=["welcome_email"]), db)
    assert again.trend is not None and again.trend.history[0][1] == list_runs(db)[1].overall


MISSING = "email.missing"


def snap(ids: dict[str, list[int]], overall: float = 70.0) -> Snapshot:
    return Snapshot(
        generated_at="2026-11-20T10:00:00Z",
        source_set="crm:hubspot",
        overall=overall,
        grade="C",
        records=10,
        findings=sum(map(len, ids.values())),
        duplicates=0,
        dimensions={"validity": overall},
        workflows={"newsletter": (overall, False)},
        counts={},
        identities={k: np.array(sorted(v), dtype=np.int64) for k, v in ids.items()},
    )


@pytest.mark.parametrize(
    "before,now,new,fixed",
    [
        ({}, {MISSING: [1, 2]}, {MISSING: 2}, {}),
        ({MISSING: [1, 2]}, {}, {}, {MISSING: 2}),
        ({MISSING: [1, 2, 3]}, {MISSING: [2, 3, 4]}, {MISSING: 1}, {MISSING: 1}),
        # The same hash under two codes is two different findings.
        ({"phone.invalid": [5]}, {MISSING: [5]}, {MISSING: 1}, {"phone.invalid": 1}),
        ({MISSING: [-(2**63), 2**63 - 1]}, {MISSING: [-(2**63), 2**63 - 1]}, {}, {}),
    ],
)
def test_compare_counts_new_and_fixed_per_code(before, now, new, fixed):
    trend = compare(snap(now, 72.4), snap(before, 70.1))
    assert (trend.new_by_code, trend.fixed_by_code) == (new, fixed)
    assert (trend.new_findings, trend.fixed_findings) == (sum(new.values()), sum(fixed.values()))
    assert trend.overall_delta == 2.3 and trend.workflow_deltas == {"newsletter": 2.3}


def test_group_identities_sorts_and_deduplicates_per_code():
    codes = np.array(["b", "a", "b", "a", "b"], dtype=object)
    hashes = np.array([3, 9, 1, 9, 3], dtype=np.int64)
    got = group_identities(codes, hashes)
    assert {k: v.tolist() for k, v in got.items()} == {"a": [9], "b": [1, 3]}


# --- concurrent runs ------------------------------------------------------------------------


def test_two_concurrent_audits_both_land_and_the_file_stays_sound(tmp_path: Path):
    db = tmp_path / "shared" / "history.db"
    export = tmp_path / "hubspot_contacts.csv"
    lines = ["Record ID,First Name,Email,Country/Region"]
    lines += [f"{i},N{i},n{i}@gmial.com,United States" for i in range(1, 400)]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HYGIENE_HISTORY", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hygiene.cli", "audit", f"crm={export}", "--quiet",
             "--format", "json", "--out", str(tmp_path / f"out{i}"), "--history", str(db)],
            env=env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for i in range(2)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = conn.execute("SELECT id, previous_id FROM runs ORDER BY id").fetchall()
        # One committed first; the other, in its own transaction, saw it as the previous run.
        assert runs == [(1, None), (2, 1)]
        assert conn.execute("SELECT count(DISTINCT run_id) FROM finding_ids").fetchone()[0] == 2


WRITER = """
import sys
import numpy as np
from hygiene.history.runs import record_snapshot
from hygiene.history.snapshot import Dataset, Snapshot

db, seed = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(seed)
for _ in range(8):
    ids = np.unique(rng.integers(-2**63, 2**63 - 1, 50_000, dtype=np.int64))
    record_snapshot(db, Snapshot(
        generated_at="2026-11-24T10:00:00Z", source_set="crm:hubspot", overall=float(seed),
        grade="C", records=1, findings=len(ids), duplicates=0, dimensions={"validity": 1.0},
        workflows={}, counts={("email.missing", "warning"): len(ids)},
        identities={"email.missing": ids},
        datasets={"crm": Dataset(np.arange(100, dtype=np.int64), 100, "{}")}))
"""


def test_many_writers_queue_and_each_run_sees_the_one_before(tmp_path: Path):
    """Four processes, eight runs each, into a database none of them has created yet."""
    db = tmp_path / "history.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(seed)], env=env,
                         stderr=subprocess.PIPE, text=True)  # fmt: skip
        for seed in range(4)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        chain = conn.execute("SELECT id, previous_id FROM runs ORDER BY id").fetchall()
        # Had two runs overlapped, both would have named the same previous run.
        assert chain == [(i, i - 1 if i > 1 else None) for i in range(1, 33)]
        sizes = conn.execute("SELECT identities, length(ids) FROM finding_ids").fetchall()
        assert len(sizes) == 32 and all(n * 8 == size for n, size in sizes)
