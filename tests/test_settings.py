"""hygiene.settings: arguments and options over hygiene.toml over defaults, resolved once."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import pycountry
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.clean import Decisions
from hygiene.cli import cli
from hygiene.config import load_config
from hygiene.errors import ConfigError
from hygiene.match import MatchSettings
from hygiene.settings import DECISIONS_FILE, Settings, resolve

TOML = """
[audit]
out = "reports"
formats = ["json", "md"]
region = "gb"
redact = true

[thresholds]
fail_under = 70

[workflows]
use = ["newsletter"]

[rules]
disable = ["phone.invalid"]

[match]
threshold = 0.97

[clean]
out = "cleaned"
target = "hubspot"

[sources.crm]
path = "contacts.csv"
kind = "crm"
"""


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    (tmp_path / "contacts.csv").write_text("Email\na@example.com\n", encoding="utf-8")
    path = tmp_path / "hygiene.toml"
    path.write_text(TOML, encoding="utf-8")
    return path


def test_the_config_fills_what_arguments_leave_unset(cfg: Path) -> None:
    s = resolve(config=cfg)
    assert s.workflows == ("newsletter",)
    assert s.region == "GB"
    assert s.fail_under == 70.0
    assert s.disable == ("phone.invalid",)
    assert s.kinds == {"crm": "crm"}
    assert s.match == MatchSettings(threshold=0.97)
    assert s.out == cfg.parent / "reports"
    assert s.formats == ("json", "md")
    assert s.redact is True
    assert s.clean_out == cfg.parent / "cleaned"
    assert s.target == "hubspot"
    assert s.decisions_file == cfg.parent / DECISIONS_FILE
    assert s.history_path() == cfg.parent / ".hygiene" / "history.db"


@pytest.mark.parametrize(
    "arguments,field,value",
    [
        ({"workflows": ["welcome_email"]}, "workflows", ("welcome_email",)),
        ({"region": "de"}, "region", "DE"),
        ({"fail_under": 90}, "fail_under", 90.0),
        ({"disable": ["email.role_account"]}, "disable", ("phone.invalid", "email.role_account")),
        ({"kinds": {"crm": "esp"}}, "kinds", {"crm": "esp"}),
        ({"match": False}, "match", None),
        ({"match": MatchSettings(threshold=0.9)}, "match", MatchSettings(threshold=0.9)),
        ({"out": "here"}, "out", Path("here")),
        ({"formats": ["html", "html"]}, "formats", ("html",)),
        ({"clean_out": "mine"}, "clean_out", Path("mine")),
        ({"target": {"crm": "salesforce"}}, "target", {"crm": "salesforce"}),
        ({"decisions": False}, "decisions_file", None),
        ({"decisions": "d.json"}, "decisions_file", Path("d.json")),
        ({"history": "h.db"}, "history", Path("h.db")),
    ],
)
def test_arguments_win_over_the_config(cfg: Path, arguments, field, value) -> None:
    assert getattr(resolve(config=cfg, **arguments), field) == value


def test_without_a_config_the_defaults_apply(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = resolve(["crm=contacts.csv"])
    assert s == Settings(
        sources=("crm=contacts.csv",),
        match=MatchSettings(),
        decisions_file=Path.cwd() / DECISIONS_FILE,
    )
    assert s.history_path() == Path.cwd() / ".hygiene" / "history.db"
    assert resolve(["crm=contacts.csv"], record_history=False).history_path() is None


@pytest.mark.parametrize(
    "arguments,message",
    [
        ({}, "no sources given"),
        ({"sources": ["a.csv"], "kinds": {"a": "warehouse"}}, "is not one of crm, esp"),
        ({"sources": ["a.csv"], "region": "GBR"}, "GBR is alpha-3; write GB"),
        ({"sources": ["a.csv"], "fail_under": 101}, "must be a number from 0 to 100"),
        ({"sources": ["a.csv"], "formats": ["pdf"]}, "unknown format 'pdf'"),
    ],
)
def test_mistakes_are_one_line_errors_before_any_work(arguments, message) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        resolve(**arguments)
    assert "\n" not in str(err.value)


def test_unknown_match_keys_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hygiene.toml"
    path.write_text("[match]\nthreshhold = 0.9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[match\] unknown key\(s\) \['threshhold'\]"):
        resolve(["a.csv"], config=path)


@settings(max_examples=80, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_gate_threshold_is_a_number_from_0_to_100(value: float) -> None:
    if 0.0 <= value <= 100.0:
        assert resolve(["a.csv"], fail_under=value).fail_under == value
    else:
        with pytest.raises(ConfigError, match="must be a number from 0 to 100"):
            resolve(["a.csv"], fail_under=value)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([c.alpha_2 for c in pycountry.countries]), st.booleans())
def test_every_iso_country_is_a_region_in_either_case(code: str, lower: bool) -> None:
    """ISO 3166-1 alpha-2 (pycountry's table): every code is accepted and upper-cased."""
    assert resolve(["a.csv"], region=code.lower() if lower else code).region == code


def test_decisions_given_as_an_object_win_over_the_file(tmp_path: Path) -> None:
    given = Decisions(path=tmp_path / "mine.json")
    s = resolve(["a.csv"], decisions=given)
    assert s.decisions is given and s.decisions_file == tmp_path / "mine.json"


def test_a_named_decisions_file_must_exist_for_an_audit(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("Email\na@example.com\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="decisions file not found"):
        hygiene.audit(f"crm={src}", decisions=tmp_path / "none.json", match=False)


def test_the_cli_and_the_python_api_resolve_the_same_settings(cfg: Path, monkeypatch) -> None:
    """`hygiene audit` options and `hygiene.audit(...)` keywords give one Settings."""
    seen: list[Settings] = []

    def capture(s: Settings) -> None:
        seen.append(s)
        raise ConfigError("stop here")

    # `hygiene.audit` is the function; the module holds run_audit.
    monkeypatch.setattr(importlib.import_module("hygiene.audit"), "run_audit", capture)
    monkeypatch.chdir(cfg.parent)
    res = CliRunner().invoke(cli, [
        "audit", "--config", str(cfg), "--workflow", "welcome_email", "--region", "fr",
        "--fail-under", "55", "--disable", "email.role_account", "--kind", "crm=esp",
        "--no-decisions",
    ])
    assert "stop here" in str(res.exception)
    with pytest.raises(ConfigError, match="stop here"):
        hygiene.audit(
            config=load_config(cfg), workflows=["welcome_email"], region="fr", fail_under=55,
            disable=["email.role_account"], kinds={"crm": "esp"}, decisions=False,
        )
    cli_side, api_side = seen
    # The command's history database comes from HYGIENE_HISTORY (set for every test).
    assert cli_side.history is not None
    assert replace(cli_side, history=None) == api_side


def test_the_decisions_file_has_one_name():
    """The file the settings look for is the file `hygiene clean` writes: one constant
    (`hygiene.outputs.DECISIONS_FILE`), not a name spelt in two modules."""
    from hygiene import decisions, outputs, settings

    assert settings.DECISIONS_FILE is outputs.DECISIONS_FILE
    assert decisions.FILE_NAME is outputs.DECISIONS_FILE
