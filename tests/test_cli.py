"""The `hygiene` command through click's CliRunner and `main()` (exit codes, one-line errors)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hygiene.cli import cli, main
from tests.helpers import check_audit_json

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Country/Region,Lifecycle Stage,"
    "Contact owner,Marketing contact status\n"
    "101,Ann,Lee,ann@gmial.com,+1 415 555 2671,United States,Lead,Jo Park,Marketing contact\n"
    "102,Bob,Stone,bob@acme.com,(415) 555-0199,USA,Customer,Jo Park,Marketing contact\n"
    "103,Test,Test,test@test.com,1234567890,United States,Lead,,Non-marketing contact\n"
    "104,Cy,Ng,cy@acme,,United States,lead,Jo Park,Marketing contact\n"
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    p = tmp_path / "hubspot_contacts.csv"
    p.write_text(HUBSPOT, encoding="utf-8")
    return p


def test_audit_writes_json_that_meets_the_contract(tmp_path: Path, export: Path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli, ["audit", f"crm={export}", "--out", str(out), "--format", "json,md"]
    )
    assert res.exit_code == 0, res.output
    check_audit_json(out / "audit.json")
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert doc["sources"][0]["platform"] == "hubspot"
    assert doc["sources"][0]["rows"] == 4
    by_code = {}
    for f in doc["findings"]:
        by_code.setdefault(f["code"], []).append(f)
    typo = by_code["email.typo_domain"][0]
    assert (typo["row"], typo["record_id"], typo["column"], typo["suggestion"]) == (
        1,
        "101",
        "Email",
        "ann@gmail.com",
    )
    assert {f["row"] for f in by_code["value.placeholder"]} == {3}
    assert {f["row"] for f in by_code["email.invalid_syntax"]} == {4}
    assert "workflows ready; data score" in res.output and "email.typo_domain" in res.output
    assert (out / "summary.md").read_text(encoding="utf-8").startswith("# Contact data audit")


def test_fail_under_exits_1_and_names_what_failed(tmp_path: Path, export: Path):
    res = CliRunner().invoke(
        cli,
        [
            "audit",
            str(export),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "json",
            "--fail-under",
            "99",
            "--quiet",
        ],
    )
    assert res.exit_code == 1
    assert "gate failed: overall score" in res.output
    ok = CliRunner().invoke(
        cli,
        [
            "audit",
            str(export),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "json",
            "--fail-under",
            "1",
            "--quiet",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert ok.output == ""


def test_fail_under_per_workflow(tmp_path: Path, export: Path):
    res = CliRunner().invoke(
        cli,
        [
            "audit",
            str(export),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "json",
            "--workflow",
            "welcome_email,newsletter",
            "--fail-under",
            "99",
            "-q",
        ],
    )
    assert res.exit_code == 1
    assert "welcome_email" in res.output and "newsletter" in res.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["audit", "missing.csv"], "missing.csv"),
        (["audit", "x.csv", "--workflow", "nope"], "unknown workflow"),
        (["rules", "show", "nope.nope"], "no rule 'nope.nope'"),
        (["audit", "x.csv", "--format", "pdf"], "unknown format 'pdf'"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path: Path, export: Path, capsys, args, message):
    args = [a.replace("x.csv", str(export)) for a in args]
    if args[0] == "audit":
        args += ["--out", str(tmp_path / "o")]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_rules_list_show_export(tmp_path: Path):
    runner = CliRunner()
    res = runner.invoke(cli, ["rules", "list"])
    assert res.exit_code == 0 and "email.typo_domain" in res.output
    res = runner.invoke(cli, ["rules", "show", "email.invalid_syntax"])
    assert res.exit_code == 0 and "match_regex" in res.output and "fix:" in res.output
    suite = tmp_path / "suite.json"
    res = runner.invoke(cli, ["rules", "export", "--gx", str(suite)])
    assert res.exit_code == 0, res.output
    doc = json.loads(suite.read_text(encoding="utf-8"))
    codes = {e["meta"]["code"] for e in doc["expectations"]}
    assert {
        "email.missing",
        "email.invalid_syntax",
        "email.role_account",
        "field.missing_required",
    } <= codes


def test_exported_suite_runs_in_great_expectations(tmp_path: Path):
    import great_expectations as gx
    import pandas as pd

    suite_path = tmp_path / "suite.json"
    # A fresh interpreter: in this one an earlier test's audit may have made the GX context
    # the export needs (it failed on its own before).
    done = subprocess.run(
        [sys.executable, "-m", "hygiene", "rules", "export", "--gx", str(suite_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(suite_path.read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(**{k: doc[k] for k in ("name", "expectations")})
    emails = pd.Series(["ann@acme.com", "bad@", None, "info@acme.com"])
    df = pd.DataFrame({"email": emails, "email_local": emails.str.split("@").str[0]})
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("p")
        .add_dataframe_asset("a")
        .add_batch_definition_whole_dataframe("b")
        .get_batch(batch_parameters={"dataframe": df})
    )
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="s", expectations=[e for e in suite.expectations if e.column in df.columns]
        )
    )
    result = batch.validate(suite)
    failed = {r.expectation_config.meta["code"] for r in result.results if not r.success}
    assert failed == {"email.missing", "email.invalid_syntax", "email.role_account"}


def test_demo_command_writes_everything_and_meets_the_contract(tmp_path: Path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(cli, ["demo", "--out", str(out), "--rows", "400"])
    assert res.exit_code == 0, res.output
    for name in ("report.html", "audit.json", "review.xlsx", "summary.md"):
        assert (out / name).is_file(), name
    assert "ok:" in check_audit_json(out / "audit.json")
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert [s["platform"] for s in doc["sources"]] == ["hubspot", "mailchimp"]
    codes = set(doc["summary"]["findings"])
    # the planted defects show up: typos, placeholders, spellings, consent conflicts
    assert {
        "email.typo_domain",
        "value.placeholder",
        "field.inconsistent",
        "link.consent_conflict",
    } <= codes
    assert doc["duplicates"], "the demo plants duplicates"
    assert "sample exports:" in res.output


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys

    from hygiene import __version__

    proc = subprocess.run(
        [sys.executable, "-m", "hygiene", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and __version__ in proc.stdout


def _decisions_file(path: Path, pairs: list[tuple[str, str]]) -> Path:
    from hygiene.clean import Decisions, PairDecision, RecordRef, save_decisions

    save_decisions(
        Decisions(
            keep_separate=[
                PairDecision(RecordRef("crm", record_id=a), RecordRef("crm", record_id=b))
                for a, b in pairs
            ]
        ),
        path,
    )
    return path


def test_audit_says_which_review_decisions_it_applied(tmp_path: Path, export: Path, monkeypatch):
    """A hygiene-decisions.json in the working directory changes the clusters: the audit says
    so, --decisions names another file and --no-decisions reads none."""
    monkeypatch.chdir(tmp_path)
    here = _decisions_file(tmp_path / "hygiene-decisions.json", [("101", "102"), ("103", "999")])
    other = _decisions_file(tmp_path / "other.json", [("101", "104")])
    base = ["audit", f"crm={export}", "--out", str(tmp_path / "o"), "--format", "json",
            "--no-history"]  # fmt: skip
    runner = CliRunner()
    res = runner.invoke(cli, base, terminal_width=200)
    assert res.exit_code == 0, res.output
    # 999 is in no source: one of the two decisions found its records.
    line = next(x for x in res.output.splitlines() if x.startswith("Review decisions"))
    assert line.startswith("Review decisions: 1 record pair kept apart, from ")
    assert Path(line.split(" from ")[1].split(" (")[0]).resolve() == here.resolve()
    assert "(2 decisions in the file; --no-decisions reads none)" in res.output
    res = runner.invoke(cli, [*base, "--decisions", str(other)], terminal_width=200)
    assert f"Review decisions: 1 record pair kept apart, from {other}" in res.output
    res = runner.invoke(cli, [*base, "--no-decisions"], terminal_width=200)
    assert res.exit_code == 0 and "Review decisions" not in res.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--no-decisions", "--review", "r.xlsx"], "--review keeps its decisions in a file"),
        (["--no-decisions", "--decisions", "d.json"], "give --decisions FILE or --no-decisions"),
    ],
)
def test_clean_decision_options_conflict_in_one_line(tmp_path: Path, export: Path, capsys,
                                                     args, message):  # fmt: skip
    (tmp_path / "r.xlsx").write_bytes(b"")
    code = main(["clean", f"crm={export}", "--out", str(tmp_path / "c"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_clean_without_decisions_ignores_the_file_here(tmp_path: Path, export: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _decisions_file(tmp_path / "hygiene-decisions.json", [("101", "102")])
    import hygiene

    result = hygiene.clean(f"crm={export}", out=tmp_path / "c", decisions=False)
    assert result.decisions_path is None
    assert result.audit.decisions is None or len(result.audit.decisions) == 0
def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    """Every command and sub-command, with the words that call it."""
    yield prefix, group
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


ALL_COMMANDS = list(_commands(cli))


@pytest.mark.parametrize(("words", "command"), ALL_COMMANDS, ids=[" ".join(w) or "hygiene"
                                                                   for w, _ in ALL_COMMANDS])
def test_every_help_shows_an_example_and_documents_every_option(words, command):
    res = CliRunner().invoke(cli, [*words, "--help"], terminal_width=80)
    assert res.exit_code == 0, res.output
    assert "Examples:" in res.output
    examples = res.output.split("Examples:", 1)[1].strip().splitlines()
    assert examples and all(line.strip().startswith("hygiene") for line in examples)
    assert all(len(line) <= 80 for line in examples)  # whole on an 80-column terminal
    # The examples call this command (the group's call any), and are never re-wrapped.
    if words:
        assert all(line.split()[1:1 + len(words)] == list(words) for line in examples
                   if "&&" not in line)
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"hygiene {' '.join(words)} {param.opts[0]} has no help text"
    assert command.help


@pytest.mark.parametrize("width", [80, 60])
def test_rules_list_keeps_codes_whole_in_a_narrow_terminal_or_pipe(width, monkeypatch):
    from hygiene.checks.rules import load_rules

    monkeypatch.setenv("COLUMNS", str(width))
    res = CliRunner().invoke(cli, ["rules", "list"])
    assert res.exit_code == 0
    assert "…" not in res.output
    words = set(res.output.split())
    assert {r.code for r in load_rules()} <= words
    assert max(len(line) for line in res.output.splitlines()) <= width


def test_rules_list_in_a_pipe_is_80_columns():
    proc = subprocess.run(
        [sys.executable, "-m", "hygiene", "rules", "list"],
        capture_output=True, text=True, check=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "COLUMNS"},
    )
    assert "…" not in proc.stdout
    assert "email.invalid_syntax" in proc.stdout.split()
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80


def test_one_name_for_files_with_different_headers_warns(tmp_path: Path, export: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Date,Note,Author\n2024-01-02,Called back,Jo\n", encoding="utf-8")
    code, out, err = _main(["audit", f"crm={export}", f"crm={notes}", "--out",
                            str(tmp_path / "o"), "--format", "json", "-q", "--no-history"])
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("hygiene: warning:")]
    assert len(lines) == 1
    assert "notes.txt" in lines[0] and "hubspot_contacts.csv" in lines[0]
    assert "own NAME" in lines[0]


def test_files_of_one_export_join_without_a_warning(tmp_path: Path, export: Path):
    more = tmp_path / "more_contacts.csv"
    lines = HUBSPOT.splitlines()
    more.write_text(lines[0] + ",Job Title\n" + "105,Dee,Wu,dee@wu.com,,USA,Lead,Jo Park,"
                    "Marketing contact,CEO\n", encoding="utf-8")
    code, _, err = _main(["audit", f"crm={export}", f"crm={more}", "--out",
                          str(tmp_path / "o"), "--format", "json", "-q", "--no-history"])
    assert code == 0
    assert "warning" not in err


def _main(args: list[str]) -> tuple[int, str, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def test_an_internal_error_names_where_it_was_raised_but_not_its_text(
    tmp_path: Path, export: Path, capsys, monkeypatch
):
    """A bug is one line that says where it is (for a CI log of a run that cannot be
    repeated) without the exception's text, which may quote a cell of the data."""
    import importlib

    def broken(*args, **kwargs):
        raise AttributeError("ann@gmial.com has no attribute")

    # `hygiene.audit` is also the package's function: the module by its full name.
    monkeypatch.setattr(importlib.import_module("hygiene.audit"), "audit", broken)
    code = main(["audit", f"crm={export}", "--out", str(tmp_path / "out"), "--format", "json"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "internal error (AttributeError at tests/test_cli.py:" in lines[0]
    assert "ann@gmial.com" not in err and str(tmp_path) not in err
