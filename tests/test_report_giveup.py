"""What each duplicate would give up in a merge (hygiene/report/giveup.py), and the order the
report shows clusters in (hygiene/report/dupes.py `display_order`)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hygiene.normalize.dates import parse_dates
from hygiene.report.dupes import FEATURED_EACH, ClusterRef, display_order
from hygiene.report.giveup import FILLS, KEPT, LOST, SAME, cell_states, field_strategies


@pytest.mark.parametrize(
    ("values", "strategy", "states"),
    [
        # Survivor first: its value is kept, a different one is given up.
        (["Kenneth", "Ken"], "survivor", [KEPT, LOST]),
        # Case and spaces do not make a value different (the table's "differs" rule).
        (["Holmes", " holmes "], "survivor", [KEPT, SAME]),
        # An empty survivor field is filled by the first other record that has a value.
        (["", "+1 415 555 2671", "+44 20 7946 0958"], "survivor", [SAME, FILLS, LOST]),
        (["", "", ""], "survivor", [SAME, SAME, SAME]),
        # Dates under most_recent / oldest: the latest / earliest is kept, whoever holds it.
        (["2024-01-02", "2025-03-04"], "most_recent", [LOST, FILLS]),
        (["2024-01-02", "2025-03-04"], "oldest", [KEPT, LOST]),
        # The same instant written two ways is not given up.
        (["2024-01-02 10:00", "2024-01-02T10:00:00Z"], "most_recent", [KEPT, SAME]),
        (["2024-01-02", "not a date"], "most_recent", [KEPT, LOST]),
        # An opt-out field is not judged from its text alone.
        (["unsubscribed", "subscribed"], "opt_out", [SAME, SAME]),
    ],
)
def test_cell_states(values, strategy, states):
    assert cell_states(values, strategy) == states
    # The report parses a date field once for every cluster shown and hands the dates in.
    dates = parse_dates(pd.Series(values, dtype=object)).tolist()
    assert cell_states(values, strategy, dates) == states


def test_strategies_come_from_the_survivorship_rules():
    strategies = field_strategies()
    assert strategies["last_activity_at"] == "most_recent"
    assert strategies["created_at"] == "oldest"
    assert "email" not in strategies  # the survivor's own value


values_st = st.lists(st.sampled_from(["", "Ann", "ann", " Ann ", "Anne", "Bob", "x"]), min_size=1,
                     max_size=6)


@given(values_st)
def test_one_value_is_kept_and_only_differing_values_are_lost(values):
    states = cell_states(values)
    filled = [i for i, v in enumerate(values) if v.strip()]
    kept = [i for i, s in enumerate(states) if s in (KEPT, FILLS)]
    assert len(kept) == (1 if filled else 0)
    if not filled:
        return
    k = kept[0]
    # The survivor's value wins when it has one; else the first filled record's.
    assert k == filled[0] and (states[k] == KEPT) == (k == 0)
    keep = values[k].strip().casefold()
    for i, v in enumerate(values):
        lost = bool(v.strip()) and v.strip().casefold() != keep
        assert (states[i] == LOST) == lost


def _ref(i: int, confidence: float) -> ClusterRef:
    return ClusterRef(id=i, confidence=confidence, members=(("crm", i),), survivor=("crm", i))


@given(st.lists(st.floats(0, 1), max_size=40), st.integers(1, 50))
def test_display_order(confidences, limit):
    refs = [_ref(i + 1, c) for i, c in enumerate(confidences)]
    shown, labels = display_order(refs, limit)
    assert len(shown) == len(labels) == min(len(refs), limit)
    assert len({r.id for r in shown}) == len(shown)
    least = [r for r, label in zip(shown, labels, strict=True) if label == "least certain"]
    most = [r for r, label in zip(shown, labels, strict=True) if label == "most certain"]
    assert len(least) <= FEATURED_EACH and len(most) <= FEATURED_EACH
    # Labelled clusters come first, least certain before most certain.
    assert labels == sorted(labels, key=lambda x: ("least certain", "most certain", "").index(x))
    if len(refs) > 1 and least and most:
        assert max(r.confidence for r in least) <= min(r.confidence for r in most)
    if shown:
        # Nothing left out is less certain than the least certain shown, nor more certain
        # than the most certain shown.
        left_out = {r.id for r in refs} - {r.id for r in shown}
        if left_out and least:
            assert min(r.confidence for r in refs) == least[0].confidence


def test_equally_certain_clusters_are_not_called_least_or_most():
    refs = [_ref(i, 1.0) for i in (3, 1, 2)]
    shown, labels = display_order(refs, 10)
    assert [r.id for r in shown] == [1, 2, 3] and labels == ["", "", ""]
