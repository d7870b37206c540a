"""The JSON Schemas of audit.json and clean_summary.json (hygiene/schemas/), `hygiene schema`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from hygiene.checks.rules import load_rules
from hygiene.clean.targets import target_names
from hygiene.cli import cli, main
from hygiene.load.presets import platform_presets
from hygiene.schema import LOADER_CODES, SCHEMAS, problems, schema, schema_text

CRM = (
    "Record ID,First Name,Last Name,Email,Phone Number,Country/Region,Lifecycle Stage,"
    "Marketing contact status,Unsubscribed from all email\n"
    "101,Ann,Lee,ann.lee@acme-corp.com,+1 415 555 0100,United States,lead,Marketing contact,false\n"
    "102,Ann,Lee,Ann.Lee@acme-corp.com,+1 415 555 0100,USA,lead,Marketing contact,false\n"
    "103,Bo,Chan,bo@gmial.com,,Germny,customer,Marketing contact,true\n"
    "104,test,test,test@test.com,123,,lead,Marketing contact,false\n"
)
ESP = (
    "Email Address,First Name,Last Name,Member Status\n"
    "bo@gmail.com,Bo,Chan,subscribed\n"
    "zed@example.org,Zed,,subscribed\n"
)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """audit.json and clean_summary.json of a small HubSpot + Mailchimp pair, via the CLI."""
    root = tmp_path_factory.mktemp("schema")
    (root / "crm.csv").write_text(CRM, encoding="utf-8")
    (root / "esp.csv").write_text(ESP, encoding="utf-8")
    crm, esp = f"crm={root / 'crm.csv'}", f"esp={root / 'esp.csv'}"
    runner = CliRunner()
    audit = runner.invoke(cli, ["audit", crm, esp, "--out", str(root / "a"), "--format", "json"])
    assert audit.exit_code == 0, audit.output
    clean = runner.invoke(cli, ["clean", crm, esp, "--out", str(root / "c")])
    assert clean.exit_code == 0, clean.output
    return {
        "audit": json.loads((root / "a" / "audit.json").read_text(encoding="utf-8")),
        "clean": json.loads((root / "c" / "clean_summary.json").read_text(encoding="utf-8")),
        "root": root,
    }


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schema_is_valid_draft_2020_12(name: str) -> None:
    doc = schema(name)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["properties"]["schema"] == {"const": SCHEMAS[name][1]}


def test_code_enum_is_the_rule_catalogue_and_the_loader_codes() -> None:
    enum = schema("audit")["$defs"]["code"]["enum"]
    expected = {r.code for r in load_rules()} | set(LOADER_CODES)
    assert sorted(enum) == enum, "keep the enum sorted"
    assert set(enum) == expected, (
        f"add {sorted(expected - set(enum))} / remove {sorted(set(enum) - expected)} in "
        "hygiene/schemas/audit.schema.json"
    )


def test_platform_enums_are_the_presets_and_the_targets() -> None:
    platform = schema("audit")["$defs"]["source"]["properties"]["platform"]
    assert set(platform["enum"]) == set(platform_presets())
    assert set(schema("clean")["$defs"]["platform"]["enum"]) == set(target_names())


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_real_outputs_are_valid(outputs: dict[str, Any], name: str) -> None:
    assert problems(outputs[name], name) == []


def _rename(key: str, new: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc[new] = doc.pop(key)

    return edit


def _first_finding(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda doc: edit(doc["findings"][0])


def _first_cluster(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda doc: edit(doc["duplicates"][0])


BROKEN_AUDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "schema value": lambda d: d.update(schema="hygiene.audit/2"),
    "renamed top-level key": _rename("findings", "issues"),
    "missing summary": lambda d: d.pop("summary"),
    "unknown top-level key": lambda d: d.update(extra=1),
    "timestamp not UTC": lambda d: d.update(generated_at="2026-12-06 10:00"),
    "renamed source key": lambda d: d["sources"][0].update(file=d["sources"][0].pop("files")),
    "unknown platform": lambda d: d["sources"][0].update(platform="marketo"),
    "score above 100": lambda d: d["score"].update(overall=120.0),
    "score as text": lambda d: d["score"].update(overall="93.9"),
    "missing dimension": lambda d: d["score"]["dimensions"].pop("integrity"),
    "misspelt dimension": lambda d: d["score"]["dimensions"].update(
        validty=d["score"]["dimensions"].pop("validity")
    ),
    "workflow without ready": lambda d: next(iter(d["score"]["workflows"].values())).pop("ready"),
    "ready as text": lambda d: next(iter(d["score"]["workflows"].values())).update(ready="no"),
    "renamed finding code": _first_finding(lambda f: f.update(code="email.typo")),
    "unknown severity": _first_finding(lambda f: f.update(severity="fatal")),
    "unknown dimension": _first_finding(lambda f: f.update(dimension="accuracy")),
    "row zero": _first_finding(lambda f: f.update(row=0)),
    "row as text": _first_finding(lambda f: f.update(row="12")),
    "empty message": _first_finding(lambda f: f.update(message="")),
    "renamed finding key": _first_finding(_rename("message", "text")),
    "finding of an unknown source": _first_finding(lambda f: f.update(source="nowhere")),
    "finding about nothing": _first_finding(
        lambda f: [f.pop(k, None) for k in ("row", "column", "field")]
    ),
    "cluster of one": _first_cluster(lambda c: c.update(members=c["members"][:1])),
    "cluster without survivor": _first_cluster(lambda c: c.pop("survivor")),
    "member of an unknown source": _first_cluster(
        lambda c: c["members"][0].update(source="nowhere")
    ),
    "count per unknown code": lambda d: d["summary"]["findings"].update({"email.typo": 3}),
}


@pytest.mark.parametrize("breakage", sorted(BROKEN_AUDITS))
def test_schema_rejects_a_hand_broken_audit(outputs: dict[str, Any], breakage: str) -> None:
    doc = copy.deepcopy(outputs["audit"])
    assert doc["findings"] and doc["duplicates"], "the sample must have findings and clusters"
    BROKEN_AUDITS[breakage](doc)
    assert problems(doc, "audit"), breakage


BROKEN_SUMMARIES: dict[str, Callable[[dict[str, Any]], None]] = {
    "schema value": lambda d: d.update(schema="hygiene.audit/1"),
    "renamed key": _rename("accounting", "rows"),
    "accounting not ok": lambda d: d["accounting"].update(ok=False),
    "rows lost": lambda d: d["accounting"]["sources"][0].update(
        kept=d["accounting"]["sources"][0]["kept"] - 1
    ),
    "file rows lost": lambda d: d["accounting"]["sources"][0]["files"][0].update(
        merged=d["accounting"]["sources"][0]["files"][0]["merged"] + 1
    ),
    "unknown target": lambda d: d["targets"].update(crm="marketo"),
    "suppression file of an unknown target": lambda d: d["suppression_files"].update(
        marketo={"file": "suppression_marketo.csv", "rows": 1, "how": ""}
    ),
    "negative count": lambda d: d.update(changes=-1),
}


@pytest.mark.parametrize("breakage", sorted(BROKEN_SUMMARIES))
def test_schema_rejects_a_hand_broken_clean_summary(
    outputs: dict[str, Any], breakage: str
) -> None:
    doc = copy.deepcopy(outputs["clean"])
    BROKEN_SUMMARIES[breakage](doc)
    assert problems(doc, "clean"), breakage


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_command_prints_the_shipped_file(name: str) -> None:
    result = CliRunner().invoke(cli, ["schema", name])
    assert result.exit_code == 0, result.output
    shipped = Path(__file__).resolve().parent.parent / "hygiene" / "schemas" / SCHEMAS[name][0]
    assert result.output == shipped.read_text(encoding="utf-8") == schema_text(name)


def test_schema_check_exit_codes(
    outputs: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = CliRunner()
    good = outputs["root"] / "a" / "audit.json"
    ok = runner.invoke(cli, ["schema", "audit", "--check", str(good)])
    assert ok.exit_code == 0 and ok.output.startswith("ok:"), ok.output
    doc = copy.deepcopy(outputs["audit"])
    doc["findings"][0]["severity"] = "fatal"
    bad = tmp_path / "broken_audit.json"  # not named audit.json: conftest checks those
    bad.write_text(json.dumps(doc), encoding="utf-8")
    failed = runner.invoke(cli, ["schema", "audit", "--check", str(bad)])
    assert failed.exit_code == 1
    assert "$.findings[0].severity: 'fatal' is not one of" in failed.output
    (tmp_path / "not.json").write_text("{", encoding="utf-8")
    assert main(["schema", "audit", "--check", str(tmp_path / "not.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not.json: is not JSON" in err


def test_team_codes_are_admitted_only_when_their_pack_is_named(
    outputs: dict[str, Any], tmp_path: Path
) -> None:
    pack = tmp_path / "team.yaml"
    pack.write_text(
        "rules:\n"
        "  - code: crm.no_owner\n"
        "    title: Contact without owner\n"
        "    severity: warning\n"
        "    dimension: completeness\n"
        "    fields: [owner]\n"
        "    expect: {type: not_null}\n",
        encoding="utf-8",
    )
    doc = copy.deepcopy(outputs["audit"])
    doc["findings"][0]["code"] = "crm.no_owner"
    assert problems(doc, "audit")
    codes = {r.code for r in load_rules([pack])}
    assert problems(doc, "audit", codes) == []
    printed = CliRunner().invoke(cli, ["schema", "audit", "--rules", str(pack)])
    assert printed.exit_code == 0, printed.output
    assert "crm.no_owner" in json.loads(printed.output)["$defs"]["code"]["enum"]
