"""The readiness score: deterministic, monotone in defects, 100 for clean data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hygiene.model import FINDING_COLUMNS
from hygiene.readiness import Blocker
from hygiene.score import DuplicateSet, compute, default_weights, dimension_scores, grade_for
from hygiene.workflows import Workflow
from tests.helpers import make_source


def findings(rows):
    """rows: (code, severity, dimension, source, pos, field)."""
    recs = []
    for code, sev, dim, src, pos, field in rows:
        rec = dict.fromkeys(FINDING_COLUMNS)
        rec.update(
            code=code,
            severity=sev,
            dimension=dim,
            source=src,
            field=field,
            row=pos + 1 if pos >= 0 else None,
            message="m",
        )
        rec["pos"] = pos
        recs.append(rec)
    frame = pd.DataFrame(recs, columns=[*FINDING_COLUMNS, "pos"])
    frame["pos"] = frame["pos"].astype("int64")
    return frame


def crm(n=10):
    return make_source(
        "crm",
        {"Email": [f"p{i}@x.com" for i in range(n)], "Owner": ["Ann"] * n, "Stage": ["lead"] * n},
        {"Email": "email", "Owner": "owner", "Stage": "lifecycle_stage"},
    )


WELCOME = Workflow(
    name="welcome",
    title="Welcome",
    requires=("email",),
    blocking=("email.invalid_syntax",),
    ready_at=90,
)


def test_clean_data_scores_100_and_grade_a():
    s = compute(findings([]), [crm()], [WELCOME], {"crm": "crm"})
    assert s.overall == 100.0
    assert s.grade == "A"
    assert set(s.dimensions.values()) == {100.0}
    assert s.workflows["welcome"].ready
    assert s.workflows["welcome"].blockers == []


def test_penalty_is_share_of_records_weighted_by_severity():
    f = findings(
        [
            ("email.invalid_syntax", "error", "validity", "crm", 0, "email"),
            ("email.role_account", "warning", "validity", "crm", 1, "email"),
        ]
    )
    dims = dimension_scores(f, [crm(10)])
    # one error (1.0) and one warning (0.5) over 10 records: 100 * (1 - 1.5/10)
    assert dims["validity"] == pytest.approx(85.0)
    assert dims["completeness"] == 100.0


def test_a_record_counts_once_per_dimension_at_its_worst():
    f = findings(
        [
            ("a.x", "warning", "validity", "crm", 0, "email"),
            ("a.y", "error", "validity", "crm", 0, "email"),
            ("a.z", "warning", "validity", "crm", 0, "phone"),
        ]
    )
    assert dimension_scores(f, [crm(10)])["validity"] == pytest.approx(90.0)


def test_more_defects_never_score_higher_and_same_input_same_score():
    base = [("email.invalid_syntax", "error", "validity", "crm", i, "email") for i in range(3)]
    more = base + [("field.inconsistent", "warning", "consistency", "crm", 5, "country")]
    a = compute(findings(base), [crm()], [WELCOME], {"crm": "crm"})
    b = compute(findings(more), [crm()], [WELCOME], {"crm": "crm"})
    again = compute(findings(base), [crm()], [WELCOME], {"crm": "crm"})
    assert b.overall < a.overall
    assert a == again


def test_column_level_finding_counts_against_every_record_of_its_source():
    f = findings([("field.missing_column", "warning", "completeness", "crm", -1, "owner")])
    assert dimension_scores(f, [crm(10)])["completeness"] == pytest.approx(50.0)


def test_duplicates_lower_uniqueness():
    dims = dimension_scores(findings([]), [crm(10)], [DuplicateSet("crm", np.array([3, 4]))])
    assert dims["uniqueness"] == pytest.approx(80.0)


def test_workflow_blockers_in_words_with_counts():
    f = findings(
        [("email.invalid_syntax", "error", "validity", "crm", i, "email") for i in range(2)]
    )
    s = compute(
        f, [crm(10)], [WELCOME], {"crm": "crm"}, titles={"email.invalid_syntax": "Bad email"}
    )
    w = s.workflows["welcome"]
    assert w.score == pytest.approx(80.0)
    assert not w.ready
    assert w.blockers == ["2 records (20.0%): Bad email (email.invalid_syntax)"]


def test_missing_field_findings_block_only_workflows_that_need_the_field():
    nurture = Workflow(
        name="nurture",
        title="Nurture",
        requires=("owner",),
        blocking=("field.missing_required",),
        ready_at=90,
    )
    welcome = Workflow(
        name="welcome",
        title="Welcome",
        requires=("email",),
        blocking=("field.missing_required",),
        ready_at=90,
    )
    f = findings([("field.missing_required", "warning", "completeness", "crm", 0, "owner")])
    s = compute(f, [crm(10)], [nurture, welcome], {"crm": "crm"})
    assert s.workflows["nurture"].blocked == 1
    assert s.workflows["welcome"].blocked == 0


def test_workflow_without_required_column_is_not_ready():
    wf = Workflow(name="x", title="X", requires=("last_activity_at",), ready_at=50)
    s = compute(findings([]), [crm(10)], [wf], {"crm": "crm"})
    assert s.workflows["x"].score == 0.0
    assert not s.workflows["x"].ready
    assert (
        s.workflows["x"]
        .blockers[0]
        .startswith("crm has no column for last_activity_at: its 10 records cannot enter")
    )


def test_missing_column_blocks_only_the_source_that_lacks_it():
    esp = make_source(
        "esp", {"Email Address": [f"m{i}@x.com" for i in range(30)]}, {"Email Address": "email"}
    )
    wf = Workflow(name="x", title="X", requires=("email", "owner"), ready_at=50)
    w = compute(findings([]), [crm(10), esp], [wf], {"crm": "crm", "esp": "esp"}).workflows["x"]
    assert (w.records, w.blocked, w.score, w.ready) == (40, 30, 25.0, False)
    assert w.details[0] == Blocker(
        "column", "no column for owner in esp", 30, share=0.75, field="owner", source="esp"
    )
    assert w.details[0].to_dict() == {
        "code": "column",
        "field": "owner",
        "source": "esp",
        "records": 30,
        "title": "no column for owner in esp",
        "share": 0.75,
        "zero_tolerance": False,
    }


def test_a_needed_link_that_is_missing_blocks_every_record():
    wf = Workflow(name="cart", title="Cart", requires=("email",), needs_links=("store",))
    w = compute(findings([]), [crm(10)], [wf], {"crm": "crm"}).workflows["cart"]
    assert (w.score, w.ready) == (0.0, False)
    assert w.blockers == ["no store export is linked; add it as a source (store=FILE)"]
    store = make_source("store", {"Email": ["a@b.com"]}, {"Email": "email"})
    kinds = {"crm": "crm", "store": "crm"}
    w = compute(findings([]), [crm(10), store], [wf], kinds).workflows["cart"]
    assert (w.score, w.ready) == (100.0, True)


def test_missing_required_blockers_name_the_empty_field():
    nurture = Workflow(
        name="nurture",
        title="Nurture",
        requires=("owner", "lifecycle_stage"),
        blocking=("field.missing_required",),
    )
    f = findings(
        [("field.missing_required", "warning", "completeness", "crm", i, "owner") for i in (0, 1)]
        + [("field.missing_required", "warning", "completeness", "crm", 1, "lifecycle_stage")]
    )
    w = compute(f, [crm(10)], [nurture], {"crm": "crm"}).workflows["nurture"]
    assert w.blocked == 2
    assert w.blockers == [
        "2 records (20.0%): owner is empty (field.missing_required)",
        "1 record (10.0%): lifecycle stage is empty (field.missing_required)",
    ]


def test_an_empty_required_field_blocks_even_when_not_listed_as_blocking():
    wf = Workflow(name="reengage", title="R", requires=("email", "owner"), blocking=())
    f = findings(
        [
            ("field.missing_required", "warning", "completeness", "crm", 0, "owner"),
            ("email.missing", "warning", "completeness", "crm", 1, "email"),
            ("field.missing_required", "warning", "completeness", "crm", 2, "company"),
        ]
    )
    w = compute(f, [crm(10)], [wf], {"crm": "crm"}).workflows["reengage"]
    assert (w.blocked, w.score) == (2, 80.0)


@pytest.mark.parametrize(
    "consent,unsub,blocked",
    [
        (["yes", "", "no", None], ["", "", "", "true"], 1),  # row 2 has neither
        ([None, None, None, None], [None, None, None, None], 4),
        (["yes"] * 4, [None] * 4, 0),
    ],
)
def test_a_record_with_no_opt_in_field_filled_is_blocked(consent, unsub, blocked):
    src = make_source(
        "esp",
        {"Email": [f"a{i}@b.com" for i in range(4)], "Opt-in": consent, "Unsub": unsub},
        {"Email": "email", "Opt-in": "consent", "Unsub": "unsubscribed"},
    )
    wf = Workflow(
        name="welcome", title="W", requires=("email",), requires_any=(("consent", "unsubscribed"),)
    )
    w = compute(findings([]), [src], [wf], {"esp": "esp"}).workflows["welcome"]
    assert w.blocked == blocked
    if blocked:
        assert w.blockers[0].endswith("none of consent, unsubscribed is filled")


def test_workflow_only_counts_sources_of_its_kind():
    esp = make_source("esp", {"Email Address": ["a@b.com"]}, {"Email Address": "email"})
    wf = Workflow(name="crm_only", title="CRM only", applies_to=("crm",), requires=("email",))
    f = findings([("email.invalid_syntax", "error", "validity", "esp", 0, "email")])
    wf = Workflow(
        name="crm_only",
        title="CRM only",
        applies_to=("crm",),
        requires=("email",),
        blocking=("email.invalid_syntax",),
    )
    s = compute(f, [crm(10), esp], [wf], {"crm": "crm", "esp": "esp"})
    assert s.workflows["crm_only"].records == 10
    assert s.workflows["crm_only"].blocked == 0


@pytest.mark.parametrize(
    "score,grade", [(100, "A"), (90, "A"), (89.9, "B"), (70, "C"), (60.0, "D"), (12, "F")]
)
def test_grades(score, grade):
    assert grade_for(score, default_weights()) == grade


def test_clean_data_scores_at_least_95(tmp_path):
    """The demo's exports with every planted defect switched off: realistic gaps remain (B2C
    contacts without a company, new ones without activity), yet the score stays >= 95."""
    import dataclasses

    import hygiene
    from hygiene.demo import DefectRates, generate

    zero = DefectRates(**{f.name: 0.0 for f in dataclasses.fields(DefectRates)})
    files = generate(tmp_path, crm_rows=600, rates=zero, seed=3)
    result = hygiene.audit(f"crm={files.crm}", f"esp={files.esp}")
    assert result.score.overall >= 95, result.score.dimensions
    assert result.score.grade == "A"
    assert {"email.invalid_syntax", "email.typo_domain", "value.placeholder"}.isdisjoint(
        set(result.findings["code"])
    )


def test_zero_tolerance_code_keeps_a_high_scoring_workflow_from_being_ready():
    wf = Workflow(
        name="news",
        title="News",
        requires=("email",),
        blocking=("link.consent_conflict",),
        zero_tolerance=("link.consent_conflict",),
        ready_at=50,
    )
    f = findings([("link.consent_conflict", "error", "compliance", "crm", 0, "email")])
    s = compute(f, [crm(100)], [wf], {"crm": "crm"}, titles={"link.consent_conflict": "Opted out"})
    w = s.workflows["news"]
    assert w.score == pytest.approx(99.0)
    assert not w.ready
    assert w.blockers[0] == (
        "1 record (1.0%): Opted out (link.consent_conflict); none may be left: fix or exclude "
        "them before launch, whatever the score"
    )
    assert w.details[0].zero_tolerance and not w.ready_for(0.0)
    assert w.reason == (
        "Scores 99.0, over its line of 50, but zero tolerance applies to link.consent_conflict "
        "(opted out): 1 record. Fix or exclude them before launch."
    )
    clean = compute(findings([]), [crm(100)], [wf], {"crm": "crm"})
    assert clean.workflows["news"].ready
