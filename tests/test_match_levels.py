"""Comparisons as ordered level objects: the definitions, the batch entry point another
engine calls (`compare_batch`), and the screening masks, checked against each other.

Real values come from Splink's public `fake_1000` person set (benchmarks/data_public/, MIT,
MoJ Analytical Services): typos, swapped names, missing fields, nobody here generated it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.match.compare import (
    COMPARISONS,
    EMAIL,
    EMAIL_SAME,
    active,
    compare,
    compare_batch,
    possible_levels,
)
from hygiene.match.features import encode_frames
from hygiene.match.frame import prepare
from tests.helpers import make_source

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data_public" / "fake_1000.csv"
FAKE_COLUMNS = {
    "first_name": "first_name",
    "surname": "last_name",
    "dob": "birth_date",
    "city": "city",
    "email": "email",
}
COLUMNS = {
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Phone": "phone",
    "Mobile": "mobile_phone",
    "Company": "company",
    "Street": "street",
    "Zip": "postal_code",
    "City": "city",
    "Birth date": "birth_date",
}
#: Values that reach every level: typos, a transposition, nicknames, initials, provider
#: rules, a day and month swapped, legal forms, a postcode one character apart.
POOLS = {
    "Email": ["ann.lee@gmail.com", "annlee+x@googlemail.com", "ann.lee@gmial.com",
              "ann.lee@acme.com", "info@acme.com", "bob77@acme.com", "bob77@globex.com"],
    "First Name": ["Ann", "Anne", "Annie", "A", "Robert", "Bob", "Lee", "Smith", "Jon", "John"],
    "Last Name": ["Lee", "Leigh", "Smith", "Smyth", "Ann", "John", "Jonh"],
    "Phone": ["+1 415 555 0134", "+1 415 555 0135", "+1 415 555 0143", "+44 20 7946 0018"],
    "Mobile": ["+1 415 555 0134", "+44 7700 900123"],
    "Company": ["Acme, Inc.", "ACME LLC", "Acme Widgets", "Northwind Traders",
                "Northwind Traders Europe"],
    "Street": ["12 Kingscote Crescent", "12 Kingscotecrescent", "12 Kingscote Cres",
               "4 High Street"],
    "Zip": ["94107", "94017", "94107-1234", "SW1A 1AA", "SW1A 1AB"],
    "City": ["San Francisco", "san francisco", "San Fransisco", "Oakland", "London"],
    "Birth date": ["1980-05-04", "1980-04-05", "1980-05-14", "1981-05-04"],
}


def _records() -> st.SearchStrategy[dict[str, list[str | None]]]:
    row = st.fixed_dictionaries(
        {k: st.one_of(st.none(), st.sampled_from(v)) for k, v in POOLS.items()}
    )
    return st.lists(row, min_size=2, max_size=14).map(
        lambda rows: {k: [r[k] for r in rows] for k in POOLS}
    )


def _pairs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    li, ri = np.triu_indices(n, 1)
    pick = rng.permutation(len(li))[: 400]
    return li[pick].astype(np.int64), ri[pick].astype(np.int64)


def _batch_equals_file(frame: pd.DataFrame, li: np.ndarray, ri: np.ndarray) -> None:
    """Levels from the batch of pairs alone equal those computed over the whole file."""
    f = encode_frames([frame.copy()], ["crm"])
    comps = active(f)
    g, swap = compare(f, li, ri, comps)
    out = compare_batch(frame.iloc[li], frame.iloc[ri], comps)
    assert list(out.columns) == [c.name for c in comps] + ["swapped_names"]
    for k, c in enumerate(comps):
        assert out[c.name].to_numpy().tolist() == g[:, k].tolist(), c.name
    assert out["swapped_names"].to_numpy().tolist() == swap.tolist()


def test_definitions_fit_what_reads_them() -> None:
    for c in COMPARISONS:
        assert c.levels[0].when is None  # level 0 is "else"
        assert all(lv.when is not None for lv in c.levels[1:]), c.name
        # fs.patterns codes levels -1..7 in base 9; screening masks are uint16.
        assert 2 <= len(c.levels) <= 8, c.name
        assert all(0 <= lv < len(c.levels) for lv, _ in c.tf_levels()), c.name
        for lv in c.levels:
            assert ("{score}" in lv.label) == (lv.score is not None), lv.label
            assert ("{a}" in lv.label) == (lv.names is not None), lv.label
    assert len({c.name for c in COMPARISONS}) == len(COMPARISONS)
    assert EMAIL.labels[EMAIL_SAME] == "email equal under provider rules (dots, +tag)"


def test_batch_of_pairs_gives_the_levels_of_the_whole_file_on_public_data() -> None:
    raw = pd.read_csv(DATA, dtype=str)
    frame = prepare(make_source("crm", {k: raw[k].tolist() for k in FAKE_COLUMNS}, FAKE_COLUMNS))
    # Same-person pairs (every level is reached) and random pairs (mostly "differs").
    cluster = raw["cluster"].to_numpy()
    li, ri = np.triu_indices(len(raw), 1)
    same = np.flatnonzero(cluster[li] == cluster[ri])
    rnd = np.random.default_rng(3).choice(len(li), 3000, replace=False)
    pick = np.concatenate([same, rnd])
    _batch_equals_file(frame, li[pick].astype(np.int64), ri[pick].astype(np.int64))


@settings(max_examples=40, deadline=None)
@given(_records(), st.integers(0, 10_000))
def test_batch_of_pairs_gives_the_levels_of_the_whole_file(
    data: dict[str, list[str | None]], seed: int
) -> None:
    frame = prepare(make_source("crm", data, COLUMNS))
    li, ri = _pairs(len(frame), seed)
    _batch_equals_file(frame, li, ri)


def test_batch_keeps_a_comparison_without_data_as_missing() -> None:
    frame = prepare(make_source("crm", {"Email": ["a@x.com", "a@x.com"]}, {"Email": "email"}))
    out = compare_batch(frame.iloc[[0]], frame.iloc[[1]])
    assert out["email"].tolist() == [4]
    assert all(out[c.name].tolist() == [-1] for c in COMPARISONS if c.name != "email")
    with pytest.raises(ValueError, match="pairs need both"):
        compare_batch(frame.iloc[[0]], frame.iloc[[]])


@settings(max_examples=40, deadline=None)
@given(_records(), st.integers(0, 10_000))
def test_screening_masks_hold_every_level_a_pair_gets(
    data: dict[str, list[str | None]], seed: int
) -> None:
    """The screen drops a pair by the best level its mask allows, so the level the pair
    then gets must be in its mask. The one approximation: a name equal to the other
    record's other name is taken as equal (the top level) whether or not the pair is found
    swapped, as the screen has always done."""
    f = encode_frames([prepare(make_source("crm", data, COLUMNS))], ["crm"])
    li, ri = _pairs(f.n, seed)
    _assert_masks_hold(f, li, ri)


@pytest.mark.parametrize("left", [0, 1])
def test_screen_keeps_a_swapped_pair_whichever_record_comes_first(left: int) -> None:
    """The pair "Smith Ann" / "Ann Smyth": one name equal across the orders, the other a typo, so
    the pair is swapped; `orient` may put either record on the left, and the screen must
    allow the level the pair then gets in both row orders (found by hypothesis)."""
    data: dict[str, list[str | None]] = {c: [None, None] for c in COLUMNS}
    data.update({"First Name": ["Smith", "Ann"], "Last Name": ["Ann", "Smyth"]})
    f = encode_frames([prepare(make_source("crm", data, COLUMNS))], ["crm"])
    li, ri = np.array([left], dtype=np.int64), np.array([1 - left], dtype=np.int64)
    _assert_masks_hold(f, li, ri)


def _assert_masks_hold(f, li: np.ndarray, ri: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    comps = active(f)
    g, _ = compare(f, li, ri, comps)
    masks = possible_levels(f, comps, li, ri)
    for k, c in enumerate(comps):
        lv, m = g[:, k].astype(np.int64), masks[:, k].astype(np.int64)
        present = lv >= 0
        held = (m >> np.maximum(lv, 0)) & 1 == 1
        if c.name in ("first_name", "last_name"):
            top = len(c.levels) - 1
            held |= m == 1 << top
        assert (held | ~present).all(), c.name
        assert (present | (m == 0) | (c.name in ("first_name", "last_name"))).all(), c.name
