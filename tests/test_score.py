"""The readiness score: deterministic, monotone in defects, 100 for clean data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hygiene.model import FINDING_COLUMNS
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
    assert "no column for last_activity_at" in s.workflows["x"].blockers[0]


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
