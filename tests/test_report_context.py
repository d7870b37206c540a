"""The report context: documented, and built from the audit the way a reader checks by hand."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hygiene.checks.rules import rule_catalogue
from hygiene.model import FINDING_COLUMNS
from hygiene.report import context
from hygiene.report.build import build_context, fix_first, records_per_code, sample_findings
from hygiene.report.charts import gauge, lens_area, venn
from hygiene.report.dupes import refs_from_records
from hygiene.report.options import ReportOptions
from tests.report_samples import SCRIPT_NAME, sample_audit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def audit():
    return sample_audit()


def _documented_fields(cls: type) -> set[str]:
    """Fields of a dataclass followed by a docstring in the body of the class (or the
    context base class) that declares them."""
    out: set[str] = set()
    for base in cls.__mro__:
        if dataclasses.is_dataclass(base) and base.__module__ == context.__name__:
            out |= _documented_in_body(base)
    return out


def _documented_in_body(cls: type) -> set[str]:
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    out = set()
    for node, after in zip(body, body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
            and after.value.value.strip()
        ):
            out.add(node.target.id)  # type: ignore[union-attr]
    return out


CONTEXT_CLASSES = [
    obj
    for obj in vars(context).values()
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and obj.__module__ == context.__name__
]


@pytest.mark.parametrize("cls", CONTEXT_CLASSES, ids=lambda c: c.__name__)
def test_every_context_field_is_documented(cls):
    assert cls.__doc__ and cls.__doc__.strip()
    names = {f.name for f in dataclasses.fields(cls)}
    assert names - _documented_fields(cls) == set()


def test_every_rule_code_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", readme, flags=re.M))
    assert set(rule_catalogue()) - table == set()


def test_context_answers_launch_and_fix_first(audit):
    ctx = build_context(audit)
    assert ctx.overall == audit.score.overall and ctx.grade == audit.score.grade
    assert [w.name for w in ctx.workflows] == list(audit.score.workflows)
    assert ctx.ready_count == sum(w.ready for w in audit.score.workflows.values())
    assert ctx.verdict.startswith(f"{ctx.ready_count} of 6 workflows") or "None of" in ctx.verdict
    # Nobody asked for cart recovery, and no store export was given: it is set aside as
    # "needs a store export", not listed as the first thing to fix.
    cart = next(w for w in ctx.workflows if w.name == "cart_recovery")
    assert (cart.status, cart.status_label) == ("needs_source", "Needs a store export")
    assert "Abandoned-cart recovery: needs a store export." in ctx.verdict
    assert all("store" not in f.title for f in ctx.fix_first)
    assert ctx.headline.startswith(f"{ctx.ready_count} of 6 workflows ready; data score")
    assert [d.name for d in ctx.dimensions] == [
        "validity", "completeness", "uniqueness", "consistency", "integrity", "compliance",
    ]  # fmt: skip
    validity = ctx.dimensions[0]
    typo = next(g for g in validity.groups if g.code == "email.typo_domain")
    assert (typo.records, typo.severity, typo.title) == (1, "error", "Email domain misspelt")
    assert typo.examples[0].value == "ann@gmial.com"
    assert typo.examples[0].suggestion == "ann@gmail.com"
    assert typo.fix


def test_fix_first_ranks_by_records_held_back(audit):
    items = fix_first(audit, limit=50)
    titles = [i.title for i in items]
    assert len(titles) == len(set(titles))
    # What stops a workflow whatever its score (a missing column, a zero-tolerance finding)
    # comes before what only lowers a score.
    stops = {"link", "column", "source"}
    hard = [
        b.title
        for w in audit.score.workflows.values()
        if w.status != "needs_source"
        for b in w.details
        if b.records and (b.code in stops or b.zero_tolerance)
    ]
    n = len({t.lower() for t in hard})
    assert {t.lower() for t in titles[:n]} == {t.lower() for t in hard}


def test_a_workflow_asked_for_lists_its_missing_export_first():
    import hygiene
    from tests.report_samples import crm_source, esp_source

    result = hygiene.audit(crm_source(), esp_source(), match=False, workflows=["cart_recovery"])
    ctx = build_context(result)
    [cart] = ctx.workflows
    assert (cart.status, cart.status_label, cart.ready) == ("not_ready", "Not ready", False)
    assert cart.reason.startswith("Needs a store export")
    assert ctx.fix_first[0].title == "No store export is linked"
    assert "Add the store export" in ctx.fix_first[0].fix
    assert "Fix first: No store export is linked" in ctx.verdict


def test_a_card_above_its_line_says_why_it_is_not_ready(audit):
    for card, w in zip(build_context(audit).workflows, audit.score.workflows.values(), strict=True):
        assert card.ready == w.ready and card.reason == w.reason
        assert bool(card.reason) == (not card.ready)
        if not card.ready and card.status != "needs_source" and card.score >= card.ready_at:
            assert "over its line" in card.reason and "zero tolerance applies" in card.reason
        # The card lists the blockers in the order of audit.json and the terminal.
        assert [b.text.lower() for b in card.blockers] == [b.title.lower() for b in w.details]


def test_duplicates_side_by_side_highlight_differing_fields(audit):
    ctx = build_context(audit)
    assert (ctx.duplicates.clusters, ctx.duplicates.records, ctx.duplicates.redundant) == (2, 4, 2)
    by_id = {c.id: c for c in ctx.duplicates.shown}
    first = by_id[1]
    assert [(m.row, m.survivor) for m in first.members] == [("4", True), ("1", False)]
    fields = {f.label: f for f in first.fields}
    assert fields["email"].values == ["ann.lee@acme.com", "ann@gmial.com"]
    assert fields["email"].differs and fields["company"].differs
    assert not fields["first name"].differs and not fields["phone"].differs
    second = by_id[2]
    assert SCRIPT_NAME in {v for f in second.fields for v in f.values}
    # The survivor's values are kept; the other record gives up what differs from them.
    assert fields["email"].states == ["kept", "lost"]
    assert fields["company"].states == ["kept", "lost"]
    assert fields["first name"].states == ["kept", ""]
    assert first.members[0].gives_up == []
    assert first.members[1].gives_up == ["email: ann@gmial.com", "company: Acme"]
    assert first.gives_up == 2


def test_clusters_least_certain_then_most_certain_first(audit):
    ctx = build_context(audit)
    assert [(c.id, c.highlight) for c in ctx.duplicates.shown] == [
        (2, "least certain"), (1, "most certain")]
    assert ctx.duplicates.featured == 2


def test_duplicates_redacted(audit):
    ctx = build_context(audit, ReportOptions(redact=True))
    cluster = next(c for c in ctx.duplicates.shown if c.id == 1)
    fields = {f.label: f for f in cluster.fields}
    assert fields["email"].values == ["a***@a***.com", "a***@g***.com"]
    assert cluster.members[1].gives_up == ["email: a***@g***.com", "company: Acme"]
    assert fields["first name"].values == ["A.", "A."]
    assert fields["phone"].values == ["+* *** *** **71"] * 2


def test_refs_from_records_finds_members_by_file_and_row(audit):
    refs = refs_from_records(audit.duplicates, audit.sources)
    assert refs[0].members == (("crm", 0), ("crm", 3))
    assert refs[0].survivor == ("crm", 3)
    missing = [{"cluster": 9, "members": [{"source": "crm", "file": "other.csv", "row": 1}]}]
    assert refs_from_records(missing, audit.sources)[0].members == ()


def test_source_profiles_and_overlap(audit):
    ctx = build_context(audit)
    crm = ctx.sources[0]
    assert (crm.name, crm.kind, crm.rows, crm.columns, crm.mapped) == ("crm", "crm", 8, 10, 10)
    owner = next(f for f in crm.fill if f.field == "owner")
    assert (owner.count, owner.filled, owner.required) == (7, 7 / 8, True)
    country = next(d for d in crm.distributions if d.label == "country")
    assert [(i.label, i.count) for i in country.items][:2] == [("United States", 5), ("USA", 1)]
    # 8 distinct CRM addresses and 4 ESP ones: ann@gmail.com is only in the ESP (the CRM holds
    # the typo), bob@acme.com is in both.
    o = ctx.overlap
    assert o is not None
    assert (o.both, o.esp_only) == (1, 3)
    assert o.crm_only == 7


def test_trend_view(audit):
    t = build_context(audit).trend
    assert t is not None
    assert (t.overall_delta, t.previous_overall, t.new_findings, t.fixed_findings) == (
        4.3, 61.2, 3, 9,
    )  # fmt: skip
    assert t.previous_at == "10 Nov 2026, 09:00 UTC"
    assert [(c.code, c.count) for c in t.new_by_code] == [
        ("email.typo_domain", 2), ("phone.invalid", 1),
    ]  # fmt: skip
    assert t.spark is not None and len(t.spark.points.split()) == 3


def test_no_trend_without_history():
    assert build_context(sample_audit(trend=False)).trend is None


def _frame(codes):
    recs = [
        {**dict.fromkeys(FINDING_COLUMNS), "code": c, "severity": s, "source": "crm", "pos": i}
        for i, (c, s) in enumerate(codes)
    ]
    return pd.DataFrame(recs)


def test_sample_is_an_even_share_of_every_code_errors_first():
    codes = [("a.many", "warning")] * 90 + [("b.few", "error")] * 5 + [("c.info", "info")] * 20
    out = sample_findings(_frame(codes), 30)
    counts = out["code"].value_counts().to_dict()
    assert counts == {"a.many": 13, "b.few": 5, "c.info": 12}
    assert out["severity"].tolist()[:5] == ["error"] * 5


def test_records_per_code_counts_column_findings_as_every_row():
    f = _frame([("x.a", "error"), ("x.a", "error"), ("x.b", "info")])
    f.loc[1, "pos"] = 0  # the same record twice
    f.loc[2, "pos"] = -1
    assert records_per_code(f, {"crm": 40}).to_dict() == {"x.a": 1, "x.b": 40}


def test_findings_cap_and_note():
    audit = sample_audit()
    ctx = build_context(audit, ReportOptions(max_findings=5))
    assert len(ctx.findings.rows) == 5 and ctx.findings.capped
    assert ctx.findings.total == len(audit.findings)
    assert any("review.xlsx" in n for n in ctx.notes)


@pytest.mark.parametrize("value,dash", [(0, 0.0), (50, 163.36), (100, 326.73), (120, 326.73)])
def test_gauge(value, dash):
    assert gauge(value, "a").dash == pytest.approx(dash, abs=0.01)


@pytest.mark.parametrize(
    "a,b,both", [(100, 100, 50), (1000, 200, 150), (300, 40, 40), (10, 10, 0), (0, 5, 0)]
)
def test_venn_overlap_area_follows_the_counts(a, b, both):
    v = venn(a, b, both)
    d = v.cx_b - v.cx_a
    biggest = max(a, b, 1)
    r_max = v.height / 2 - 12
    scale = np.pi * r_max**2 / biggest
    if both and v.r_a > 14 and v.r_b > 14:
        assert lens_area(v.r_a, v.r_b, d) == pytest.approx(both * scale, rel=0.02)
    if not both:
        assert d >= v.r_a + v.r_b
    assert 0 <= v.cx_a - v.r_a and v.cx_b + v.r_b <= v.width


def test_every_dimension_card_counts_what_feeds_it(audit):
    ctx = build_context(audit)
    dims = {d.name: d for d in ctx.dimensions}
    rows = ctx.rows
    uniq = dims["uniqueness"]
    # The two hand-made clusters feed uniqueness even with no finding of its own.
    assert (uniq.clusters, uniq.merge_away) == (2, 2)
    assert uniq.feeds.startswith("2 duplicate clusters: 2 records would merge away")
    for d in ctx.dimensions:
        assert d.feeds
        assert d.rules == sum(1 for r in audit.rules if r.enabled and r.dimension == d.name)
        if d.name != "uniqueness":
            assert d.clusters == 0
        if d.groups:
            assert d.findings == sum(g.count for g in d.groups)
            assert max(g.records for g in d.groups) <= d.records <= rows
            assert f"{d.findings:,} finding" in d.feeds


def test_plurals_in_the_verdict():
    from hygiene.report.build import verdict
    from hygiene.report.context import WorkflowCard

    def card(ready: bool) -> WorkflowCard:
        return WorkflowCard(name="w", title="Welcome email", description="", score=50.0,
                            tone="f", ready=ready, ready_at=80.0, records=1, blocked=1,
                            requires=[], needs_links=[], blockers=[])

    assert verdict([card(False)], [], 50.0) == "Welcome email is not ready to launch yet."
    assert verdict([card(True)], [], 50.0) == "Welcome email is ready to launch."
    assert verdict([card(True), card(False), card(False)], [], 50.0).startswith(
        "1 of 3 workflows is ready")
    assert verdict([card(False)] * 2, [], 50.0).startswith("None of the 2 workflows")
