"""Workflow profiles: the shipped ones, a team's own YAML, and selection errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hygiene.checks.rules import rule_catalogue
from hygiene.errors import ConfigError
from hygiene.workflows import load_workflows, required_by_kind, required_fields, select

SHIPPED = {
    "welcome_email",
    "lead_nurturing",
    "cart_recovery",
    "re_engagement",
    "newsletter",
    "event_follow_up",
    "sales_handoff",
}


def test_shipped_profiles():
    wfs = load_workflows()
    assert SHIPPED <= set(wfs)
    assert "email" in wfs["welcome_email"].requires
    assert {"lifecycle_stage", "owner"} <= set(wfs["lead_nurturing"].requires)
    assert wfs["cart_recovery"].needs_links == ("store",)


def test_blocking_codes_exist():
    codes = set(rule_catalogue()) | {
        "link.orphan",
        "link.consent_conflict",
        "link.status_mismatch",
        "link.missing_reference",
    }
    for wf in load_workflows().values():
        assert set(wf.blocking) <= codes, wf.name


def test_team_profile_from_yaml(tmp_path: Path):
    (tmp_path / "sms.yaml").write_text(
        "name: sms_promo\ntitle: SMS promotion\napplies_to: [crm]\nrequires: [mobile_phone]\n"
        "blocking: [phone.invalid]\nready_at: 80\n",
        encoding="utf-8",
    )
    wfs = load_workflows([tmp_path])
    assert wfs["sms_promo"].requires == ("mobile_phone",)
    assert required_fields([wfs["sms_promo"]]) == {"mobile_phone": ("SMS promotion",)}
    assert required_by_kind([wfs["sms_promo"]], "esp") == ()


@pytest.mark.parametrize(
    "body,problem",
    [
        ("title: x", "needs a 'name'"),
        ("name: x\nrequires: [shoe_size]", "unknown field 'shoe_size'"),
        ("name: x\napplies_to: [erp]", "applies_to takes crm and/or esp"),
        ("name: x\ncolour: red", "unknown key(s) ['colour']"),
    ],
)
def test_bad_profile(tmp_path: Path, body: str, problem: str):
    (tmp_path / "bad.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=problem.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        load_workflows([tmp_path / "bad.yaml"])


def test_select_unknown_names_the_choices():
    with pytest.raises(ConfigError, match="unknown workflow\\(s\\) nope; choose from"):
        select(load_workflows(), ["nope"])
    assert [w.name for w in select(load_workflows(), ["newsletter"])] == ["newsletter"]
