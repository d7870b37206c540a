"""Merges as `hygiene clean` writes them: invariants over generated clusters.

For every cluster shape and size, row order and target: each value a merge writes comes
from a member of that survivor's cluster and is the value merge_plan.csv says it chose; the
cleaned survivor row and the plan agree cell by cell; and each merge can be undone from
merge_plan.csv alone, giving back every member's row as it was.

The clusters are given (not found by the matcher), so any shape can be tried; the plan,
the writers and the files are the real ones (`clean(audited=...)`).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.clean.foreign import foreign_columns
from hygiene.clean.merge import PlannedCluster
from hygiene.errors import HygieneError
from hygiene.match import Cluster, MatchResult
from hygiene.model import empty_findings
from hygiene.prepared import Prepared
from tests.helpers import make_source

#: header -> canonical field (None: unmapped). Values below are already in clean form, so
#: the cell fixes change nothing and the input rows are the rows before the merge.
COLUMNS: dict[str, str | None] = {
    "Record ID": "record_id",
    "Email": "email",
    "First Name": "first_name",
    "Company": "company",
    "Last Activity": "last_activity_at",
    "Created": "created_at",
    "Unsubscribed": "unsubscribed",
    "Notes": None,
}
POOLS: dict[str, list[str | None]] = {
    "Email": ["ann@acme.com", "bo@acme.com", "cy@globex.com", None],
    "First Name": ["Ann", "Bo", "Cy", None],
    "Company": ["Acme", "Globex", "Initech", None],
    "Last Activity": ["2024-01-05", "2024-03-01", "2023-11-30", None],
    "Created": ["2021-06-01", "2020-02-02", "2022-09-09", None],
    # An opt-out travels to the survivor (survivorship `opt_out`) and gets it suppressed.
    "Unsubscribed": ["true", "false", "false", None],
    "Notes": ["vip", "call back", "met at expo", None],
}
TARGETS = ["hubspot", "salesforce", "generic", "mailchimp", "klaviyo"]


@st.composite
def merged_exports(draw: st.DrawFn) -> dict[str, Any]:
    """Rows, and disjoint clusters over them (any sizes, survivors anywhere, any order)."""
    n = draw(st.integers(min_value=2, max_value=24))
    rows = {h: [draw(st.sampled_from(pool)) for _ in range(n)] for h, pool in POOLS.items()}
    rows["Record ID"] = [str(5000 + i) for i in range(n)]
    order = draw(st.permutations(range(n)))
    sizes = draw(st.lists(st.integers(min_value=2, max_value=6), min_size=1, max_size=6))
    clusters, at = [], 0
    for size in sizes:
        members = list(order[at : at + size])
        if len(members) < 2:
            break
        at += size
        survivor = draw(st.sampled_from(members))
        clusters.append((members, survivor))
    return {
        "rows": rows,
        "clusters": clusters,
        "target": draw(st.sampled_from(TARGETS)),
        "cluster_ids": draw(st.permutations(range(1, len(clusters) + 1))),
    }


def fake_audit(rows: dict[str, list[str | None]], clusters, ids) -> SimpleNamespace:
    """What `clean(audited=...)` reads of an Audit, with the clusters given."""
    src = make_source(
        "crm", rows, {h: f for h, f in COLUMNS.items() if f is not None}, platform="hubspot"
    )
    prep = Prepared(src)
    found = [
        Cluster(
            id=cid,
            source="crm",
            members=sorted(members),
            confidence=0.99,
            survivor=survivor,
            evidence=["given"],
            survivor_reason="given",
        )
        for cid, (members, survivor) in zip(ids, clusters, strict=True)
    ]
    return SimpleNamespace(
        sources=[src],
        prepared=[prep],
        kinds={"crm": "crm"},
        match=MatchResult(clusters=found),
        findings=empty_findings(),
        rules=[],
    )


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def cell(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def run_clean(case: dict[str, Any], out: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    audit = fake_audit(case["rows"], case["clusters"], case["cluster_ids"])
    result = hygiene.clean(
        out=out, target=case["target"], audited=audit, decisions=out.parent / "none.json"
    )
    # Input header -> cleaned header (the target renames mapped columns; another
    # platform's record id is kept as "Original Record ID").
    sp = result.plan.source("crm")
    headers = sp.headers
    # Only a property the target keeps read-only (HubSpot's "Unsubscribed from all email")
    # is left out of the cleaned file, the import never touching its value there, or
    # another platform's status the target marks its own way (`foreign_columns`).
    gone = set(COLUMNS) - set(headers)
    foreign = set(foreign_columns(sp.prep, sp.target))
    assert all(sp.target.is_read_only(sp.target.headers.get(COLUMNS[h], h)) or h in foreign
               for h in gone)
    assert len(gone) == len(sp.left_out)
    return read(out / "cleaned_crm.csv"), read(out / "merge_plan.csv"), headers


def undo(plan_row: pd.Series, survivor: pd.Series, headers: dict[str, str]) -> dict[int, dict]:
    """Every member's row before the merge, from the cleaned survivor and the plan alone."""
    fields = json.loads(plan_row["fields"])
    merged_rows = [int(r) for r in plan_row["merged_rows"].split("; ")]
    members = [int(plan_row["survivor_row"]), *merged_rows]
    ids = [plan_row["survivor_id"], *plan_row["merged_ids"].split("; ")]
    out: dict[int, dict] = {}
    for row, rid in zip(members, ids, strict=True):
        rec = {}
        for h in COLUMNS:
            if COLUMNS[h] == "record_id":
                rec[h] = rid
                continue
            got = fields.get(h)
            if got is None:
                if h in headers:  # else read-only in the target: its value stays there
                    rec[h] = survivor[headers[h]]
                continue
            by_row = {o["row"]: cell(o["value"]) for o in got["others"]}
            rec[h] = by_row.get(row, cell(got["value"]))
        out[row] = rec
    return out


def check_case(case: dict[str, Any], out: Path) -> None:
    cleaned, plan, headers = run_clean(case, out)
    rows = pd.DataFrame(case["rows"]).fillna("")
    id_header = headers["Record ID"]
    by_id = cleaned.set_index(id_header) if len(cleaned) else cleaned
    assert len(plan) == len(case["clusters"])
    for _, p in plan.iterrows():
        fields = json.loads(p["fields"])
        member_rows = [int(p["survivor_row"]), *(int(r) for r in p["merged_rows"].split("; "))]
        members = rows.iloc[[r - 1 for r in member_rows]]
        for h, got in fields.items():
            value = cell(got["value"])
            # The chosen value is a member's, and the very member the plan names.
            assert int(got["from_row"]) in member_rows, (h, got)
            assert rows.iloc[int(got["from_row"]) - 1][h] == value, (h, got)
            assert value in set(members[h]), (h, got)
        if p["survivor_id"] not in by_id.index:
            continue  # suppressed and left out of an ESP file: nothing written to check
        written = by_id.loc[p["survivor_id"]]
        own = rows.iloc[int(p["survivor_row"]) - 1]
        for h in COLUMNS:
            if COLUMNS[h] == "record_id" or h not in headers:
                continue
            expected = cell(fields[h]["value"]) if h in fields else own[h]
            assert written[headers[h]] == expected, (h, p["survivor_id"], fields.get(h))
        # Undo the merge from the plan: every member's row comes back as it was (a column
        # left out as read-only comes back from the plan where the members differed).
        for row, rec in undo(p, written, headers).items():
            before = rows.iloc[row - 1].to_dict()
            assert rec == {h: before[h] for h in rec}, (row, rec)
            assert set(before) - set(rec) <= set(COLUMNS) - set(headers)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=merged_exports())
def test_merge_values_come_from_the_cluster_and_match_the_plan(tmp_path_factory, case):
    check_case(case, tmp_path_factory.mktemp("merge"))


def test_survivors_listed_out_of_row_order(tmp_path):
    """The shape of the bug in the issue: clusters whose survivors are not in row order
    (the first cluster's survivor is the last row), each taking a merged record's value."""
    rows = {h: [None] * 6 for h in POOLS}
    rows["Record ID"] = [str(5000 + i) for i in range(6)]
    rows["Created"] = ["2021-06-01", "2020-02-02", "2022-09-09", None, "2023-01-01", "2019-01-01"]
    rows["First Name"] = ["Ann", "Ann", "Bo", "Bo", "Cy", "Cy"]
    case = {
        "rows": rows,
        # Survivors 5, 3, 0; the earliest Created of each cluster is a merged record's.
        "clusters": [([4, 5], 4), ([2, 3], 3), ([0, 1], 0)],
        "target": "hubspot",
        "cluster_ids": [1, 2, 3],
    }
    check_case(case, tmp_path / "out")
    cleaned = read(tmp_path / "out" / "cleaned_crm.csv").set_index("Record ID")
    assert cleaned.loc["5004", "Created"] == "2019-01-01"
    assert cleaned.loc["5003", "Created"] == "2022-09-09"
    assert cleaned.loc["5000", "Created"] == "2020-02-02"


def test_a_row_in_two_clusters_stops_the_run_and_writes_nothing(tmp_path):
    """Values that cannot be placed safely (one record would take two merges) are an error."""
    rows = {h: list(POOLS[h][:3]) for h in POOLS}
    rows["Record ID"] = ["1", "2", "3"]
    case = {
        "rows": rows,
        "clusters": [([0, 1], 0), ([1, 2], 2)],
        "target": "hubspot",
        "cluster_ids": [1, 2],
    }
    out = tmp_path / "out"
    with pytest.raises(HygieneError, match="more than one duplicate cluster"):
        run_clean(case, out)
    assert not out.exists() or not any(out.iterdir())


def test_cli_stops_with_exit_2_and_one_line_when_a_merge_cannot_be_placed(
    tmp_path, monkeypatch, capsys
):
    """`hygiene clean` on a real export whose clusters would put one record in two merges:
    exit 2, one line naming the problem, no file written."""
    from hygiene.clean import plan as plan_module
    from hygiene.cli import main

    export = tmp_path / "contacts.csv"
    export.write_text(
        "Record ID,First Name,Last Name,Email\n"
        "1,Ann,Lee,ann@acme.com\n2,Ann,Lee,ann@acme.com\n3,Bo,Ng,bo@acme.com\n"
    )
    real = plan_module.apply_separations

    def overlapping(clusters, separate, preps):
        planned = real(clusters, separate, preps)
        extra = PlannedCluster(99, "crm", 2, [1], 0.9, ["given"], "given")
        return [*planned, extra] if planned else [extra, extra]

    monkeypatch.setattr(plan_module, "apply_separations", overlapping)
    out = tmp_path / "out"
    code = main(
        ["clean", f"crm={export}", "--out", str(out), "--decisions", str(tmp_path / "d.json")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("hygiene: error:")
    assert "nothing was written" in err
    assert not out.exists() or not any(out.iterdir())
