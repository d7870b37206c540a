"""Duplicates on noisy person data nobody here generated: one mailbox, missing fields,
well-formed survivors, and answers that do not depend on the order of the rows.

The background is Splink's public `fake_1000` person set (benchmarks/data_public/, MIT,
Ministry of Justice): typos, swapped names and empty fields, so the weights every case is
scored with are learnt from data we did not write. Each case adds its own people (surnames
found nowhere in the set) and asks what a user would check by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.match import MatchResult, MatchSettings, find_duplicates
from hygiene.match.survivor import choose_survivors, load_survivorship
from hygiene.model import Source
from tests.helpers import make_source

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data_public" / "fake_1000.csv"
COLUMNS = {
    "unique_id": "record_id",
    "first_name": "first_name",
    "surname": "last_name",
    "dob": "birth_date",
    "city": "city",
    "email": "email",
}
Row = dict[str, str | None]


def _row(first: str | None, last: str | None, dob: str | None, city: str | None,
         email: str | None) -> Row:
    return {"first_name": first, "surname": last, "dob": dob, "city": city, "email": email}


# (case, records that must end up in one cluster)
MUST_CLUSTER: list[tuple[str, list[Row]]] = [
    (
        "empty first name, same email and birth date, one-letter city typo",
        [
            _row("Olwen", "Quarrington", "1986-02-15", "London", "oquarrington63@jones.com"),
            _row(None, "Quarrington", "1986-02-15", "Lonon", "oquarrington63@jones.com"),
        ],
    ),
    (
        "names empty on one side, birth date and city differ",
        [
            _row("Tamsin", "Oakenfold", "1999-02-12", None, "tamsin.o@williams-elliott.net"),
            _row(None, None, "2009-03-11", "Coventry", "tamsin.o@williams-elliott.net"),
        ],
    ),
    (
        "nickname, email in capitals, other fields disagree",
        [
            _row("Robert", "Wetherspoon", "1971-06-24", "Leeds", "rwetherspoon@smith.net"),
            _row("Bob", "Wetherspoon", "1971-05-24", "Bristol", "RWetherspoon@Smith.net"),
        ],
    ),
    (
        "first and last name swapped, one of them left empty",
        [
            _row("Kentigern", "Alisoun", "1988-06-05", "London", "alisounk@chavez.biz"),
            _row("Alisoun", None, "1989-07-05", None, "alisounk@chavez.biz"),
        ],
    ),
    (
        "typo in the first name, surname empty, birth year typed wrong",
        [
            _row("Perpetua", "Brackenbury", "1996-01-28", "Birmingham", "p.brack43@jones.net"),
            _row("Perpteua", None, "2006-01-28", "Birmhingham", "p.brack43@jones.net"),
        ],
    ),
]

# (case, records no two of which may share a cluster)
MUST_STAY_APART: list[tuple[str, list[Row]]] = [
    (
        "a family address under two first names",
        [
            _row("Jonathan", "Fotheringay", "1961-03-02", "York", "fotheringay.family@mail.com"),
            _row("Marigold", "Fotheringay", "1964-11-19", "York", "fotheringay.family@mail.com"),
        ],
    ),
    (
        "a family address chained through a record without a first name",
        [
            _row("Algernon", "Pettigrew", "1958-07-07", "Derby", "pettigrew.home@mail.com"),
            _row("Winifred", "Pettigrew", "1960-01-23", "Derby", "pettigrew.home@mail.com"),
        ],
    ),
    (
        "a role address shared by colleagues",
        [
            _row("Ingrid", "Sorensen", "1980-05-05", "Hull", "office@sorensen-dahl.com"),
            _row("Tobias", "Dahlberg", "1977-09-30", "Hull", "office@sorensen-dahl.com"),
        ],
    ),
]
# The chain's middle record: one mailbox, the surname, no first name. It may join either.
CHAIN_MIDDLE = _row(None, "Pettigrew", None, "Derby", "pettigrew.home@mail.com")


def _background() -> pd.DataFrame:
    df = pd.read_csv(DATA, dtype=str)
    return df.drop(columns=["cluster"])


def _frame() -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """fake_1000 plus every case's records; case -> its record ids."""
    df = _background()
    rows: list[Row] = []
    ids: dict[str, list[str]] = {}
    cases = [*MUST_CLUSTER, *MUST_STAY_APART]
    for name, records in cases:
        ids[name] = []
        for rec in records:
            ids[name].append(f"case{len(rows)}")
            rows.append({"unique_id": ids[name][-1], **rec})
    rows.append({"unique_id": "chain_middle", **CHAIN_MIDDLE})
    extra = pd.DataFrame(rows)
    return pd.concat([df, extra], ignore_index=True), ids


def _source(frame: pd.DataFrame) -> Source:
    data = {c: [None if pd.isna(v) else str(v) for v in frame[c]] for c in COLUMNS}
    return make_source("crm", data, COLUMNS, file="fake_1000.csv")


def _clusters(result: MatchResult, source: Source) -> dict[str, int]:
    """record id -> cluster id."""
    ids = source.data["unique_id"].to_numpy()
    return {str(ids[m]): c.id for c in result.clusters for m in c.members}


@pytest.fixture(scope="module")
def matched() -> tuple[Source, MatchResult, dict[str, list[str]]]:
    frame, ids = _frame()
    source = _source(frame)
    return source, find_duplicates([source]), ids


@pytest.mark.parametrize("case", [c[0] for c in MUST_CLUSTER])
def test_one_mailbox_with_compatible_names_clusters(matched, case: str) -> None:
    source, result, ids = matched
    cluster = _clusters(result, source)
    found = {cluster.get(i) for i in ids[case]}
    assert len(found) == 1 and None not in found, (case, found)


@pytest.mark.parametrize("case", [c[0] for c in MUST_STAY_APART])
def test_one_mailbox_under_different_first_names_stays_apart(matched, case: str) -> None:
    source, result, ids = matched
    cluster = _clusters(result, source)
    found = [cluster.get(i) for i in ids[case]]
    assert found[0] is None or found[0] != found[1], (case, found)


def test_a_match_the_mailbox_rule_made_says_so(matched) -> None:
    """Where the weights alone fell short, the cluster's evidence names the rule."""
    source, result, ids = matched
    ids_arr = source.data["unique_id"].to_numpy()
    case = ids["names empty on one side, birth date and city differ"]
    cluster = next(c for c in result.clusters if str(ids_arr[c.members[0]]) in case)
    assert "one mailbox, names do not contradict" in cluster.evidence
    assert "email equal after normalisation" in cluster.evidence


def test_strong_matches_are_counted_and_can_be_turned_off() -> None:
    frame, ids = _frame()
    source = _source(frame)
    off = find_duplicates([source], MatchSettings(email_name_match=None))
    on = find_duplicates([source])
    assert on.stats["email_name_matches"] > 0
    assert "email_name_matches" in off.stats and off.stats["email_name_matches"] == 0
    # Off, the model alone misses at least one of the cases the rule exists for.
    cluster = _clusters(off, source)
    missed = [c for c, _ in MUST_CLUSTER if len({cluster.get(i) for i in ids[c]} - {None}) != 1
              or None in {cluster.get(i) for i in ids[c]}]
    assert missed


def _partition(result: MatchResult, source: Source) -> set[frozenset[str]]:
    ids = source.data["unique_id"].to_numpy()
    return {frozenset(str(ids[m]) for m in c.members) for c in result.clusters}


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    """600 rows (a file small enough that u is measured on every pair, as for any file of
    up to ~770 rows) with the cases inside."""
    frame, _ = _frame()
    return pd.concat([frame.iloc[:570], frame.iloc[1000:]], ignore_index=True)


@pytest.fixture(scope="module")
def small_result(small: pd.DataFrame) -> tuple[set[frozenset[str]], dict[frozenset[str], str]]:
    source = _source(small)
    res = find_duplicates([source])
    ids = source.data["unique_id"].to_numpy()
    surv = {
        frozenset(str(ids[m]) for m in c.members): str(ids[c.survivor])
        for c in res.clusters
        if c.survivor_rule != "first_row"
    }
    return _partition(res, source), surv


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_clusters_and_survivors_do_not_depend_on_row_order(
    small: pd.DataFrame, small_result: tuple[set[frozenset[str]], dict[frozenset[str], str]],
    seed: int,
) -> None:
    expected, survivors = small_result
    order = np.random.default_rng(seed).permutation(len(small))
    source = _source(small.iloc[order].reset_index(drop=True))
    res = find_duplicates([source])
    assert _partition(res, source) == expected
    ids = source.data["unique_id"].to_numpy()
    got = {frozenset(str(ids[m]) for m in c.members): str(ids[c.survivor]) for c in res.clusters}
    # A survivor decided by a rule is the same record; "first in file" is order by definition.
    assert {k: got[k] for k in survivors} == survivors


# --- survivorship: well-formed values -----------------------------------------------------

SURV_COLUMNS = {"Email": "email", "First Name": "first_name", "Last Name": "last_name",
                "Phone": "phone", "City": "city"}


def _people(rows: list[tuple[str | None, ...]]) -> Source:
    cols = list(SURV_COLUMNS)
    data = {c: [r[k] for r in rows] for k, c in enumerate(cols)}
    return make_source("crm", data, SURV_COLUMNS, platform="hubspot")


# (case, rows of the source, the cluster's members, the survivor, the deciding rule)
WELL_FORMED = [
    (
        "a one-off typo loses to a name other records carry, though more complete",
        [
            ("ken@holmes.io", "Ken", "Holmse", "+44 20 7946 0000", "London"),
            ("ken@holmes.io", "Kenneth", "Holmes", None, None),
            ("a@x.com", "Kenneth", "Brown", None, None),
            ("b@x.com", "Ruth", "Holmes", None, None),
        ],
        [0, 1],
        1,
        "well_formed",
    ),
    (
        "an empty first name loses to a first name seen elsewhere",
        [
            ("t@y.com", None, "Lovell", "+44 20 7946 0001", "Leeds"),
            ("t@y.com", "Tom", "Lovell", None, None),
            ("c@x.com", "Tom", "Jones", None, None),
            ("d@x.com", "Ann", "Lovell", None, None),
        ],
        [0, 1],
        1,
        "well_formed",
    ),
    (
        "names seen only in the cluster itself say nothing: completeness decides",
        [
            ("z@q.com", "Zephyrine", "Quartermaine", "+44 20 7946 0002", "York"),
            ("z@q.com", "Zephyrine", "Quartermaine", None, None),
            ("e@x.com", "Ann", "Lee", None, None),
        ],
        [0, 1],
        0,
        "most_complete",
    ),
    (
        "no names anywhere in the source: the rule says nothing",
        [
            ("n@q.com", None, None, "+44 20 7946 0003", "York"),
            ("n@q.com", None, None, None, None),
        ],
        [0, 1],
        0,
        "most_complete",
    ),
]


@pytest.mark.parametrize(("case", "rows", "members", "survivor", "rule"), WELL_FORMED)
def test_survivor_prefers_well_formed_names(
    case: str, rows: list[tuple[str | None, ...]], members: list[int], survivor: int, rule: str
) -> None:
    src = _people(rows)
    frame = pd.DataFrame({"cluster": 1, "source": "crm", "pos": members})
    out = choose_survivors(frame, [src], load_survivorship())
    assert int(out.pos.iloc[0]) == survivor, case
    assert out.rule.iloc[0] == rule
    if rule == "well_formed":
        assert out.reason.iloc[0].startswith("well-formed values (seen elsewhere in the source:")


@settings(max_examples=30, deadline=None)
@given(
    names=st.lists(
        st.tuples(st.sampled_from(["Ken", "Kenneth", "Kenenth", None]),
                  st.sampled_from(["Holmes", "Holmse", None])),
        min_size=3,
        max_size=8,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_survivor_does_not_depend_on_row_order(
    names: list[tuple[str | None, str | None]], seed: int
) -> None:
    """Shuffled rows, same cluster: the survivor is the same record, unless no rule told
    the candidates apart (then "first in file" decides, by definition)."""
    rows = [(f"p{k}@x.com", a, b, None, None) for k, (a, b) in enumerate(names)]
    rows += [
        ("o1@x.com", "Kenneth", "Brown", None, None),
        ("o2@x.com", "Ann", "Holmes", None, None),
    ]
    members = list(range(len(names)))
    first = choose_survivors(
        pd.DataFrame({"cluster": 1, "source": "crm", "pos": members}),
        [_people(rows)],
        load_survivorship(),
    )
    order = np.random.default_rng(seed).permutation(len(rows))
    shuffled = [rows[k] for k in order]
    where = {int(old): new for new, old in enumerate(order)}
    second = choose_survivors(
        pd.DataFrame({"cluster": 1, "source": "crm", "pos": [where[m] for m in members]}),
        [_people(shuffled)],
        load_survivorship(),
    )
    if first.rule.iloc[0] != "first_row":
        assert shuffled[int(second.pos.iloc[0])] == rows[int(first.pos.iloc[0])]
        assert second.rule.iloc[0] == first.rule.iloc[0]
