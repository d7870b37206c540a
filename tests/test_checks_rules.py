"""Rule packs: the shipped packs parse, bad packs fail with a message naming file and rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hygiene.checks.registry import Needs, registry
from hygiene.checks.rules import load_pack, load_rules, rule_catalogue
from hygiene.errors import ConfigError

CONTRACT_CODES = {
    "email.missing",
    "email.invalid_syntax",
    "email.typo_domain",
    "email.disposable",
    "email.role_account",
    "phone.invalid",
    "value.placeholder",
    "field.inconsistent",
    "field.missing_required",
    "contact.unreachable",
}


def test_core_pack_has_every_contract_code_for_field_checks():
    assert CONTRACT_CODES <= set(rule_catalogue())


def test_every_check_rule_runs_the_check_registered_under_its_code():
    for rule in load_rules():
        if rule.engine == "loader":  # reported by the loader itself (rules/loader.yaml)
            assert rule.check is None and rule.expect is None and registry().get(rule.code) is None
        elif rule.engine != "gx":
            spec = registry().get(rule.code)
            assert spec is not None and rule.check == rule.code, rule.code
            assert (spec.needs == Needs.FIELDS) == (rule.engine == "registry"), rule.code


def test_codes_are_unique_and_well_formed():
    codes = [r.code for r in load_rules()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z]+\.[a-z_]+", c) for c in codes)


def test_every_rule_says_how_to_fix_it():
    assert all(r.fix for r in load_rules()), [r.code for r in load_rules() if not r.fix]


@pytest.mark.parametrize(
    "body,problem",
    [
        ("rules: [{code: nodot, check: x}]", "must look like 'area.name'"),
        ("rules: [{code: a.b, check: x, severity: fatal}]", "severity 'fatal'"),
        ("rules: [{code: a.b, check: x, dimension: beauty}]", "dimension 'beauty'"),
        ("rules: [{code: a.b}]", "needs 'check'"),
        ("rules: [{code: a.b, check: x}]", "check 'x' is not a registered check"),
        ("rules: [{code: a.b, expect: {type: be_pretty}}]", "expect.type must be one of"),
        ("rules: [{code: a.b, check: x, fields: [shoe_size]}]", "unknown field 'shoe_size'"),
        ("rules: [{code: a.b, check: x, colour: red}]", "unknown key(s) ['colour']"),
        ("nothing: here", "needs a top-level 'rules:' list"),
        ("rules: [", "not valid YAML"),
    ],
)
def test_bad_pack_names_file_and_problem(tmp_path: Path, body: str, problem: str):
    pack = tmp_path / "team.yaml"
    pack.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_pack(pack)
    assert str(pack) in str(err.value)
    assert problem in str(err.value)


def test_extra_pack_overrides_a_shipped_rule_by_code(tmp_path: Path):
    pack = tmp_path / "team.yaml"
    pack.write_text(
        "pack: team\nrules:\n"
        "  - {code: email.role_account, severity: info, dimension: validity,"
        " fields: [email_local], expect: {type: not_match_regex, regex: '^(info)$'}}\n"
        "  - {code: team.no_gmail, severity: warning, fields: [email_domain],"
        " expect: {type: not_in_set, value_set: [gmail.com]}}\n",
        encoding="utf-8",
    )
    rules = {r.code: r for r in load_rules([pack])}
    assert rules["email.role_account"].severity == "info"
    assert rules["email.role_account"].pack == "team"
    assert rules["team.no_gmail"].engine == "gx"


def test_disable_switches_a_rule_off_and_rejects_unknown_codes():
    rules = {r.code: r for r in load_rules(disabled=["email.free_mail"])}
    assert not rules["email.free_mail"].enabled
    with pytest.raises(ConfigError, match="unknown rule 'email.nope'"):
        load_rules(disabled=["email.nope"])
