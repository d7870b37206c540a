"""A run is compared only with earlier runs of the same data, not of the same source name.

A new user audited another client's export under the name `crm` and got a "trend" against an
unrelated dataset. Runs now record what each source held (a bottom-k sample of its record
keys, hygiene.history.identity) and the trend looks back only to a run of the same data.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.cli import cli
from hygiene.history import SCHEMA_VERSION, connect, list_runs, migrate, record
from hygiene.history.identity import MIN_SHARED, SKETCH_SIZE, hash_identities, shared_share
from hygiene.history.snapshot import Dataset, same_datasets
from hygiene.history.store import MIGRATIONS
from tests.test_history import MONDAY, TUESDAY, crm

# Another client's HubSpot export: same platform, same headers, other people.
OTHER_CLIENT = [
    ("9001", "zoe@globex.com", "Zoe", "Canada"),
    ("9002", "yan@globex.com", "Yan", "Canada"),
    ("9003", "info@globex", "", "Canada"),
]


def _sketch(values: list[str]) -> tuple[np.ndarray, int]:
    hashed = np.unique(hash_identities(pa.array(values, pa.large_string())))
    return hashed[:SKETCH_SIZE], len(hashed)


@pytest.mark.parametrize(
    ("n_a", "n_b", "shared"),
    [
        (10, 10, 10),  # the same small list: exact
        (10, 12, 0),  # two clients of a dozen contacts
        (5_000, 5_000, 5_000),
        (5_000, 5_000, 0),
        (1_000, 50_000, 1_000),  # a list grown fifty-fold keeps every old contact
        (20_000, 20_000, 8_000),  # heavy churn: 40 % of the records still there
        (20_000, 20_000, 1_000),  # 5 %: another dataset that shares a few people
    ],
)
def test_the_shared_share_of_two_key_sets_is_estimated_from_their_sketches(
    n_a: int, n_b: int, shared: int
) -> None:
    a = [f"em:a{i}@x.com" for i in range(n_a - shared)] + [f"em:s{i}@x.com" for i in range(shared)]
    b = [f"em:b{i}@x.com" for i in range(n_b - shared)] + [f"em:s{i}@x.com" for i in range(shared)]
    (ka, na), (kb, nb) = _sketch(a), _sketch(b)
    estimate = shared_share(ka, na, kb, nb)
    truth = shared / min(n_a, n_b)
    if max(n_a, n_b) <= SKETCH_SIZE:
        assert estimate == pytest.approx(truth)
    else:
        # A bottom-1024 sample of the union: a small overlap of a large union is seen in few
        # sampled keys (~20 for 1,000 of 51,000), so the estimate can miss by 0.2, but every
        # case above lands on the right side of the line.
        assert abs(estimate - truth) < 0.2
        assert (estimate >= MIN_SHARED) == (truth >= MIN_SHARED)


@settings(max_examples=30, deadline=None)
@given(
    st.sets(st.text(min_size=1, max_size=8), max_size=60),
    st.sets(st.text(min_size=1, max_size=8), max_size=60),
)
def test_shared_share_is_symmetric_and_exact_for_small_sets(a: set[str], b: set[str]) -> None:
    (ka, na), (kb, nb) = _sketch(sorted(a)), _sketch(sorted(b))
    share = shared_share(ka, na, kb, nb)
    assert share == shared_share(kb, nb, ka, na)
    truth = len(a & b) / min(len(a), len(b)) if a and b else 0.0
    assert share == pytest.approx(truth)


def test_sources_without_ids_or_emails_are_the_same_data_when_mapped_alike() -> None:
    empty = np.empty(0, dtype=np.int64)
    phones = Dataset(empty, 0, '{"Phone": "phone"}')
    assert same_datasets({"crm": phones}, {"crm": Dataset(empty, 0, '{"Phone": "phone"}')})
    assert not same_datasets({"crm": phones}, {"crm": Dataset(empty, 0, '{"Tel": "phone"}')})
    assert not same_datasets({"crm": phones}, {})  # a run recorded before schema 3


def test_another_clients_export_under_the_same_name_is_no_trend(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first = record(hygiene.audit(crm(MONDAY)), db)
    assert first.trend is None and first.note and "starts here" in first.note
    other = record(hygiene.audit(crm(OTHER_CLIENT)), db)
    assert other.trend is None
    assert other.note is not None and "run 1 audited crm (hubspot) with other records" in other.note
    # The first client's next export is compared with its own last run (1), not with run 2.
    again = record(hygiene.audit(crm(TUESDAY)), db)
    assert again.trend is not None and again.note is None
    runs = list_runs(db)
    assert [r.previous_id for r in runs] == [None, None, 1]
    assert again.trend.previous_overall == runs[0].overall
    assert again.trend.history == [(runs[0].generated_at, runs[0].overall)]
    # Ann's fixed typo is the only finding gone; Dee's throw-away mailbox is new.
    assert again.trend.fixed_by_code.get("email.typo_domain") == 1


def test_the_cli_says_when_there_is_no_comparable_earlier_run(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    for rows, name in ((MONDAY, "a.csv"), (OTHER_CLIENT, "b.csv")):
        lines = ["Record ID,Email,First Name,Country"] + [",".join(r) for r in rows]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    args = ["--history", str(db), "--format", "json"]
    for name, out in (("a.csv", "o1"), ("b.csv", "o2")):
        res = CliRunner().invoke(
            cli, ["audit", f"crm={tmp_path / name}", "--out", str(tmp_path / out), *args]
        )
        assert res.exit_code in (0, 1), res.output
    assert "History: no earlier audit of the same data" in res.output
    assert "Since the previous audit" not in res.output


def test_a_version_2_history_file_is_migrated_to_3(tmp_path: Path) -> None:
    """A real SQLite file as version 2 wrote it: migrated in place, its runs still read, and
    a new run is not compared with them (nothing says which data they held)."""
    db = tmp_path / "history.db"
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert migrate(conn, MIGRATIONS[:2]) == 2
        conn.execute(
            "INSERT INTO runs (generated_at, recorded_at, source_set, overall, grade, records,"
            " findings, duplicates, workflows, tool_version) VALUES"
            " ('2026-11-01T06:30:00Z', '2026-11-01T06:30:01Z', 'crm:hubspot', 71.5, 'C', 4, 3,"
            " 0, '[\"welcome_email\"]', '0.0.9')"
        )
        conn.execute(
            "INSERT INTO sources (run_id, name, platform, records) VALUES (1, 'crm', 'hubspot', 4)"
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "datasets" not in tables
    finally:
        conn.close()
    conn = connect(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert conn.execute("SELECT count(*) FROM datasets").fetchone()[0] == 0
    finally:
        conn.close()
    [old] = list_runs(db)
    assert old.overall == 71.5 and old.datasets == {}
    now = record(hygiene.audit(crm(MONDAY), workflows=["welcome_email"]), db)
    assert now.trend is None and now.note is not None and "run 1 audited" in now.note
    with sqlite3.connect(db) as check:
        [(name, distinct, size)] = check.execute(
            "SELECT name, distinct_keys, length(keys) FROM datasets WHERE run_id = 2"
        ).fetchall()
    # Four records, each with an id and an address: eight keys, 8 bytes each.
    assert (name, distinct, size) == ("crm", 8, 64)
