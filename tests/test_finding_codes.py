"""Every finding code any part of the tool can emit is listed and showable (`hygiene rules
list` / `show`, with its severity), documented (README's rule tables, docs/contract.md) and
in audit.json's schema enum.

The codes are collected from the code itself, not from the catalogue: every check
registered with `@check("...")`, every loader finding (`loader_record("...")`), and any
finding record built with a literal `"code": "..."`, besides the rule packs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hygiene.checks.registry import registry
from hygiene.checks.rules import load_rules, loader_rules
from hygiene.cli import cli
from hygiene.resources import load_yaml, rules_dir
from hygiene.schema import LOADER_CODES, schema

ROOT = Path(__file__).resolve().parents[1]
CODE = r"([a-z_]+\.[a-z_]+)"
#: How the code writes a finding's code: a check's registration, a loader finding, a record.
EMITTERS = [
    re.compile(r'@check\(\s*"' + CODE + '"'),
    re.compile(r'loader_record\(\s*"' + CODE + '"'),
    re.compile(r'"code":\s*"' + CODE + '"'),
]


def emitted_in_code() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "hygiene").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in EMITTERS:
            found |= set(pattern.findall(text))
    return found


def emitted() -> set[str]:
    packs = {str(r["code"]) for p in (rules_dir() / "packs").glob("*.yaml")
             for r in load_yaml(p)["rules"]}
    return emitted_in_code() | set(registry().codes()) | packs | set(LOADER_CODES)


def test_the_scan_finds_the_loader_and_the_checks():
    codes = emitted_in_code()
    assert {"file.ragged_row", "file.unrecognised", "date.ambiguous_order"} <= codes
    assert {"email.typo_domain", "contact.unreachable", "link.orphan"} <= codes


def test_the_loader_codes_are_one_list():
    assert {r.code for r in loader_rules()} == set(LOADER_CODES)
    loader = (ROOT / "hygiene" / "load").rglob("*.py")
    written = {c for p in loader for c in EMITTERS[1].findall(p.read_text(encoding="utf-8"))}
    assert written == set(LOADER_CODES)


def test_every_emitted_code_is_a_rule_with_a_severity():
    rules = {r.code: r for r in load_rules()}
    assert emitted() - set(rules) == set()
    for code in emitted():
        assert rules[code].severity in ("error", "warning", "info")
        assert rules[code].title and rules[code].message and rules[code].fix


def test_rules_list_prints_every_code_and_its_severity():
    res = CliRunner().invoke(cli, ["rules", "list"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = {line.split()[0]: line.split()[1] for line in res.output.splitlines()
             if line.strip() and re.match(r"^\s*" + CODE + r"\s", line)}
    rules = {r.code: r for r in load_rules()}
    for code in emitted():
        assert lines.get(code) == rules[code].severity, code


@pytest.mark.parametrize("code", sorted(emitted()))
def test_rules_show_every_code(code: str):
    res = CliRunner().invoke(cli, ["rules", "show", code])
    assert res.exit_code == 0, res.output
    assert f"code: {code}" in res.output
    assert re.search(r"^severity: (error|warning|info)$", res.output, flags=re.M)
    assert re.search(r"^fix: \S", res.output, flags=re.M)


def _table_codes(text: str) -> set[str]:
    return set(re.findall(r"^\| `" + CODE + r"` \|", text, flags=re.M))


def test_every_emitted_code_is_documented_and_in_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    enum = set(schema("audit")["$defs"]["code"]["enum"])
    codes = emitted()
    assert codes - _table_codes(readme) == set(), "add to README's rule tables"
    assert codes - _table_codes(contract) == set(), "add to docs/contract.md's finding codes"
    assert codes - enum == set(), "add to hygiene/schemas/audit.schema.json"


def test_contract_table_gives_each_code_its_severity():
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    rules = {r.code: r for r in load_rules()}
    rows = re.findall(r"^\| `" + CODE + r"` \| (\w+) \|", contract, flags=re.M)
    assert rows and all(rules[c].severity == sev for c, sev in rows)


def test_disable_drops_a_loader_code(tmp_path: Path):
    """`--disable` takes the loader's codes like any rule's."""
    import hygiene

    path = tmp_path / "contacts.csv"
    path.write_text("Email,First Name\nann@acme.com,Ann\nbo@acme.com,Bo,extra\n", encoding="utf-8")
    on = hygiene.audit(f"crm={path}", decisions=False)
    off = hygiene.audit(f"crm={path}", disable=["file.ragged_row"], decisions=False)
    assert "file.ragged_row" in set(on.findings["code"])
    assert "file.ragged_row" not in set(off.findings["code"])
