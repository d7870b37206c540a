"""The seams the Spark engine adds up over blocks: each block's counts or sums, added, give
what the local engine computes on the whole column (invariants over generated columns and
random cuts; no Spark needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.checks.categorical import canonical_from_counts, canonical_spellings, spelling_counts
from hygiene.model import Source
from hygiene.normalize import country_code
from hygiene.normalize.base import TEXT
from hygiene.normalize.dates import date_order, date_order_from, numeric_date_evidence
from hygiene.score import dimension_penalties, dimension_scores, penalty_score

# Country spellings as exports write them (names, ISO codes, aliases, casing, blanks).
COUNTRIES = ["United States", "US", "USA", "us", "U.S.A.", "Germany", "DE", "germany",
             "Deutschland", "France", "FR", "FRANCE", "United Kingdom", "UK", "GB", "", None]
# Numeric and ISO dates, day first and month first (05/01/2024 could be either).
DATES = ["05/01/2024", "13/01/2024", "01/13/2024", "2024-01-05", "12/12/2020", "31.12.2023",
         "1/2/23", "N/A", None]

cut = st.integers(min_value=0, max_value=60)


def _split(values: list, at: int) -> tuple[pd.Series, pd.Series]:
    s = pd.Series(values, dtype=TEXT)
    at = min(at, len(s))
    return s.iloc[:at].reset_index(drop=True), s.iloc[at:].reset_index(drop=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=60), cut)
def test_canonical_spellings_add_up_over_blocks(values, at):
    whole = pd.Series(values, dtype=TEXT)
    parts = _split(values, at)
    counts = []
    for part in parts:
        codes = country_code(part)
        counts.append(spelling_counts(part, codes["alpha2"], codes["style"]))
    summed = (pd.concat(counts, ignore_index=True)
              .groupby(["key", "value", "style"], observed=True)["n"].sum().reset_index())
    codes = country_code(whole)
    want = canonical_spellings("country", whole, codes["alpha2"], codes["style"])
    got = canonical_from_counts("country", summed)
    assert got.sort_index().to_dict() == want.sort_index().to_dict()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(DATES), min_size=1, max_size=60), cut)
def test_date_order_from_blocks_equals_the_column(values, at):
    whole = pd.Series(values, dtype=TEXT)
    day = month = False
    for part in _split(values, at):
        d, m = numeric_date_evidence(part)
        day, month = day or d, month or m
    assert date_order_from(whole, day, month) == date_order(whole)


def test_date_order_table():
    """Real-world columns: a European export, a US one, one that never decides."""
    cases = [
        (["13/01/2024", "05/02/2024"], "dmy"),
        (["01/13/2024", "02/05/2024"], "mdy"),
        (["01/02/2024", "03/04/2024"], "ambiguous"),
        (["2024-01-05", "2023-12-31"], None),
    ]
    for values, want in cases:
        s = pd.Series(values, dtype=TEXT)
        assert date_order_from(s, *numeric_date_evidence(s)) == want == date_order(s)


def _source(name: str, n: int) -> Source:
    data = pd.DataFrame({"Email": pd.Series([None] * n, dtype=TEXT)})
    prov = pd.DataFrame({"file": ["f.csv"] * n, "sheet": [None] * n, "row": np.arange(1, n + 1)})
    return Source(name, "generic", data, prov, {"Email": "email"})


findings_rows = st.lists(
    st.tuples(st.integers(0, 39), st.sampled_from(["error", "warning", "info"]),
              st.sampled_from(["validity", "completeness", "consistency"])),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(findings_rows, st.integers(1, 39))
def test_dimension_penalties_add_up_over_blocks(rows, at):
    n = 40
    frame = pd.DataFrame(rows, columns=["pos", "severity", "dimension"])
    frame["source"] = "crm"
    frame["code"] = "x.y"
    frame["field"] = "email"
    # One finding on the whole column (pos -1) weighs on every record of every block.
    whole = pd.DataFrame([{"pos": -1, "severity": "info", "dimension": "validity",
                           "source": "crm", "code": "x.z", "field": "email"}])
    frame = pd.concat([frame, whole], ignore_index=True)
    want = dimension_scores(frame, [_source("crm", n)])
    first = frame[frame["pos"] < at]
    second = frame[(frame["pos"] >= at) | (frame["pos"] < 0)].copy()
    second.loc[second["pos"] >= 0, "pos"] -= at
    p1 = dimension_penalties(first, [_source("crm", at)])
    p2 = dimension_penalties(second, [_source("crm", n - at)])
    got = {d: penalty_score(p1[d] + p2[d], n) for d in p1}
    assert got == want
