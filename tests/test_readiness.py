"""One definition of ready: the gate, the score and the blockers agree for every input.

A workflow is ready when its score reaches its line, it has records, no needed export is
missing and no zero-tolerance blocker is left; `--fail-under N --workflow W` scores W at N, so
its exit code is `not all(ready)`. The overall score is capped at the reachable share.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.readiness import NEEDS_SOURCE, NOT_READY, READY, Blocker, judge_gate
from hygiene.score import compute
from hygiene.workflows import Workflow
from tests.helpers import make_source
from tests.test_score import findings

N = 12
KINDS = {"crm": "crm"}


def crm(n: int = N, email: bool = True, phone: bool = False):
    data: dict[str, list[object]] = {"Name": [f"P {i}" for i in range(n)]}
    cols = {"Name": "full_name"}
    if email:
        data["Email"] = [f"p{i}@x.com" for i in range(n)]
        cols["Email"] = "email"
    if phone:
        data["Phone"] = ["+1 212 555 0100"] * n
        cols["Phone"] = "phone"
    return make_source("crm", data, cols)


WELCOME = Workflow(
    name="welcome",
    title="Welcome",
    requires=("email",),
    blocking=("email.invalid_syntax", "contact.unreachable", "link.consent_conflict"),
    zero_tolerance=("link.consent_conflict",),
    ready_at=90,
)
NEWS = Workflow(
    name="news",
    title="News",
    requires=("email",),
    blocking=("email.invalid_syntax", "email.role_account"),
    ready_at=80,
)
CART = Workflow(name="cart", title="Cart", requires=("email",), needs_links=("store",))

CODES = {
    "email.invalid_syntax": ("error", "validity"),
    "email.role_account": ("warning", "validity"),
    "contact.unreachable": ("error", "completeness"),
    "link.consent_conflict": ("error", "compliance"),
}

rows = st.lists(
    st.tuples(st.sampled_from(sorted(CODES)), st.integers(min_value=0, max_value=N - 1)),
    max_size=30,
)


def frame(hits):
    return findings([(c, *CODES[c], "crm", pos, "email") for c, pos in hits])


# --- the gate -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hits=rows,
    threshold=st.floats(min_value=0, max_value=100, allow_nan=False),
    names=st.lists(st.sampled_from(["welcome", "news", "cart"]), min_size=1, max_size=3),
)
def test_exit_code_is_not_all_ready(hits, threshold, names):
    """The audit scores the named workflows at the gate's threshold (as `audit(fail_under=)`
    does); the exit code is then exactly `not all(ready)`, for any findings and threshold."""
    threshold = round(threshold, 1)
    chosen = [
        dataclasses.replace(w, ready_at=threshold) if w.name in names else w
        for w in (WELCOME, NEWS, CART)
    ]
    score = compute(frame(hits), [crm()], chosen, KINDS, asked=names)
    gate = judge_gate(score.overall, score.workflows, threshold, names, score.capped)
    ready = [score.workflows[n].ready for n in names]
    assert gate.exit_code == int(not all(ready))
    assert gate.passed == all(ready)
    assert len(gate.failures) == len({n for n in names if not score.workflows[n].ready})
    for n in names:
        w = score.workflows[n]
        # The one definition: the line reached and nothing that ignores the score left.
        has_zero = any(c == "link.consent_conflict" for c, _ in hits) and n == "welcome"
        expected = w.score >= threshold and not has_zero and n != "cart" and w.blocked < w.records
        assert w.ready == expected
        assert w.status == (READY if w.ready else NOT_READY)  # asked: never set aside


@settings(max_examples=80, deadline=None)
@given(hits=rows, threshold=st.floats(min_value=0, max_value=100, allow_nan=False))
def test_the_overall_gate_reads_the_overall_score_only(hits, threshold):
    threshold = round(threshold, 1)
    score = compute(frame(hits), [crm()], [WELCOME, NEWS], KINDS)
    gate = judge_gate(score.overall, score.workflows, threshold, (), score.capped)
    assert gate.passed == (score.overall >= threshold)
    assert gate.workflows == ()
    assert "only the overall score is gated" in gate.describe()


@pytest.mark.parametrize(
    "hits,threshold,passed,failure",
    [
        ([], 90.0, True, None),
        ([("email.invalid_syntax", 0)], 90.0, True, None),  # 91.7 >= 90
        ([("email.invalid_syntax", 0), ("email.invalid_syntax", 1)], 90.0, False, "welcome 83.3"),
        # Over the line, yet one consent conflict stops it, and the gate line says why.
        ([("link.consent_conflict", 3)], 50.0, False, "welcome 91.7: 1 opted out (zero tolerance)"),
        ([("link.consent_conflict", 3)], 0.0, False, "welcome 91.7: 1 opted out (zero tolerance)"),
    ],
)
def test_gate_of_one_workflow(hits, threshold, passed, failure):
    wf = dataclasses.replace(WELCOME, ready_at=threshold)
    titles = {"link.consent_conflict": "Opted out"}
    score = compute(frame(hits), [crm()], [wf], KINDS, titles=titles, asked=["welcome"])
    gate = judge_gate(score.overall, score.workflows, threshold, ["welcome"])
    assert gate.passed is passed and score.workflows["welcome"].ready is passed
    assert gate.failures == (() if failure is None else (failure,))


# --- the overall score cannot read healthy when nobody can be reached -------------------------


@pytest.mark.parametrize(
    "source,unreachable,overall,grade,why",
    [
        (crm(email=False), [], 0.0, "F", "no email or phone column in crm"),
        (crm(), list(range(7)), 41.7, "F", "only 5 of 12 records (41.7%)"),
        (crm(), [0], 91.7, "A", "only 11 of 12"),  # the mean would be 98.3
        (crm(), [], 100.0, "A", ""),
        (crm(email=False, phone=True), [], 100.0, "A", ""),  # a phone is a way to reach them
        (crm(email=False, phone=True), [-1], 0.0, "F", "only 0 of 12"),  # a whole-column finding
    ],
)
def test_overall_score_is_capped_at_the_reachable_share(source, unreachable, overall, grade, why):
    hits = findings([("contact.unreachable", "error", "completeness", "crm", p, "email")
                     for p in unreachable])  # fmt: skip
    s = compute(hits, [source], [WELCOME], KINDS)
    assert s.overall <= 100.0 * s.reachable + 0.05  # reachable is rounded to 4 places
    assert (s.overall, s.grade) == (overall, grade)
    if why:
        assert why in s.capped
    else:
        assert s.capped == ""


def test_an_empty_export_is_not_healthy():
    s = compute(findings([]), [crm(0)], [WELCOME], KINDS)
    assert (s.overall, s.grade, s.capped) == (0.0, "F", "there are no records")
    assert not s.workflows["welcome"].ready


@settings(max_examples=100, deadline=None)
@given(
    gone=st.sets(st.integers(min_value=0, max_value=N - 1)),
    more=st.integers(min_value=0, max_value=N - 1),
    other=rows,
)
def test_reach_cap_bounds_the_grade_and_more_unreachable_never_scores_higher(gone, more, other):
    base = [(c, *CODES[c], "crm", p, "email") for c, p in other if c != "contact.unreachable"]
    unreach = [("contact.unreachable", "error", "completeness", "crm", p, "email") for p in gone]
    a = compute(findings(base + unreach), [crm()], [WELCOME], KINDS)
    worse = unreach + [("contact.unreachable", "error", "completeness", "crm", more, "email")]
    b = compute(findings(base + worse), [crm()], [WELCOME], KINDS)
    assert a.reachable == pytest.approx((N - len(gone)) / N, abs=1e-4)
    assert a.overall <= round(100.0 * (N - len(gone)) / N, 1)
    if len(gone) * 2 > N:  # most records unreachable: never an A, never over 50
        assert a.grade == "F" and a.overall < 50
    assert b.overall <= a.overall


# --- blockers: typed, in one order ------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(hits=rows)
def test_blockers_come_in_one_order_and_words_match_them(hits):
    owner = Workflow(name="o", title="O", requires=("email", "owner"), blocking=tuple(CODES),
                     zero_tolerance=("link.consent_conflict",))  # fmt: skip
    score = compute(frame(hits), [crm()], [WELCOME, NEWS, owner], KINDS)
    for w in score.workflows.values():
        assert all(isinstance(b, Blocker) for b in w.details)
        assert w.details == sorted(w.details, key=Blocker.sort_key)
        assert w.blockers == [b.sentence() for b in w.details]
        stops = [b.structural or b.zero_tolerance for b in w.details]
        assert stops == sorted(stops, reverse=True)  # what stops it whatever the score first
        assert bool(w.reason) == (not w.ready)


def test_a_missing_export_nobody_asked_for_is_set_aside():
    score = compute(findings([]), [crm()], [CART, NEWS], KINDS)
    cart = score.workflows["cart"]
    assert (cart.status, cart.ready, cart.needs) == (NEEDS_SOURCE, False, ["store"])
    assert cart.reason.startswith("Needs a store export")
    asked = compute(findings([]), [crm()], [CART], KINDS, asked=["cart"]).workflows["cart"]
    assert (asked.status, asked.ready) == (NOT_READY, False)
