"""`--fail-under`, `--quiet` and the exit codes: the contract a scheduler relies on.

0 the audit ran and the gate passed, 1 the gate failed (and nothing else), 2 bad usage or
input, each with one line on stderr. A score exactly at the threshold passes; with
`--workflow`, each named workflow must be ready at the threshold (no zero-tolerance blocker).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from hygiene.cli import gate_failures, main
from hygiene.demo import generate
from hygiene.readiness import WorkflowScore
from tests.helpers import ROOT


def fake(overall: float, **workflows: float) -> SimpleNamespace:
    wfs = {k: WorkflowScore(k, k, v, v >= 90, 100, 0) for k, v in workflows.items()}
    return SimpleNamespace(score=SimpleNamespace(overall=overall, workflows=wfs, capped=""))


TWO = {"welcome_email": 90.0, "newsletter": 85.0}
BOTH = ["welcome_email", "newsletter"]


@pytest.mark.parametrize(
    "overall,workflows,threshold,asked,failed",
    [
        (80.0, {}, 80.0, None, []),  # exactly N passes
        (79.9, {}, 80.0, None, ["overall score 79.9"]),
        (100.0, {}, 100.0, None, []),
        (0.0, {}, 0.0, None, []),
        # With --workflow, each named workflow is gated and the overall score is not.
        (50.0, TWO, 85.0, BOTH, []),
        (50.0, TWO, 85.1, BOTH, ["newsletter 85.0"]),
        (99.0, TWO, 95.0, BOTH, ["welcome_email 90.0", "newsletter 85.0"]),
        (99.0, TWO, 95.0, ["newsletter"], ["newsletter 85.0"]),
        # A workflow named twice is reported once.
        (99.0, {"newsletter": 85.0}, 90.0, ["newsletter", "newsletter"], ["newsletter 85.0"]),
    ],
)
def test_gate_failures(overall, workflows, threshold, asked, failed):
    assert gate_failures(fake(overall, **workflows), threshold, asked) == failed


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict]:
    """A small HubSpot + Mailchimp export set without consent conflicts (so the scores alone
    decide), and the scores its audit gets."""
    import dataclasses

    from hygiene.demo import DefectRates

    folder = tmp_path_factory.mktemp("gate")
    rates = dataclasses.replace(DefectRates(), consent_conflict=0.0, reverse_conflict=0.0)
    files = generate(folder / "data", crm_rows=300, seed=3, rates=rates)
    sources = [f"crm={files.crm}", f"esp={files.esp}"]
    out = folder / "scores"
    assert main(["audit", *sources, "--out", str(out), "--no-history", "-q"]) == 0
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    return sources, doc["score"]


def run(capsys, tmp_path: Path, sources: list[str], *args: str) -> tuple[int, str, str]:
    code = main(["audit", *sources, "--out", str(tmp_path / "out"), "--no-history", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_overall_score_exactly_at_the_threshold_passes(capsys, tmp_path: Path, demo):
    sources, score = demo
    overall = score["overall"]
    code, out, err = run(capsys, tmp_path, sources, "--fail-under", f"{overall}")
    assert (code, err) == (0, "")
    assert f"data score {overall:.1f}/100" in out.splitlines()[0]
    # It says what it gated: the overall score, not the workflows.
    assert f"Gate passed: overall score at {overall:g}; only the overall score is gated" in out
    above = float(f"{overall + 0.1:.1f}")
    code, out, err = run(capsys, tmp_path, sources, "--fail-under", str(above))
    assert code == 1
    assert err.strip() == (
        f"hygiene: gate failed: overall score {overall:.1f} (threshold {above:g}; only the "
        "overall score is gated: --workflow W gates a workflow's readiness)"
    )
    # The reports are written all the same: CI uploads them when the gate fails.
    assert (tmp_path / "out" / "audit.json").is_file()


@pytest.mark.parametrize("workflow", ["welcome_email", "newsletter", "lead_nurturing"])
def test_each_workflow_is_gated_on_its_own_score(capsys, tmp_path: Path, demo, workflow):
    sources, score = demo
    wf = score["workflows"][workflow]["score"]
    assert wf != score["overall"], "pick a workflow whose score differs from the overall"
    args = ("--workflow", workflow, "--quiet", "--fail-under")
    assert run(capsys, tmp_path, sources, *args, f"{wf}") == (0, "", "")
    code, out, err = run(capsys, tmp_path, sources, *args, f"{wf + 0.1:.1f}")
    assert (code, out) == (1, "")
    assert f"gate failed: {workflow} {wf:.1f}" in err


def test_only_the_workflows_below_the_threshold_are_named(capsys, tmp_path: Path, demo):
    sources, score = demo
    a, b = "welcome_email", "lead_nurturing"
    low, high = sorted((score["workflows"][a]["score"], score["workflows"][b]["score"]))
    assert low < high
    name_low = a if score["workflows"][a]["score"] == low else b
    name_high = b if name_low == a else a
    code, _, err = run(capsys, tmp_path, sources, "--workflow", f"{a},{b}", "-q",
                       "--fail-under", f"{high}")  # fmt: skip
    assert code == 1
    assert f"{name_low} {low:.1f}" in err and name_high not in err
    code, _, err = run(capsys, tmp_path, sources, "--workflow", f"{a},{b}", "-q",
                       "--fail-under", f"{low}")  # fmt: skip
    assert (code, err) == (0, "")


def test_quiet_prints_nothing_unless_the_gate_fails(capsys, tmp_path: Path, demo):
    sources, _ = demo
    assert run(capsys, tmp_path, sources, "--quiet") == (0, "", "")
    code, out, err = run(capsys, tmp_path, sources, "-q", "--fail-under", "100")
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1 and err.startswith("hygiene: gate failed:")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--fail-under", "101"], "--fail-under"),
        (["--fail-under", "-1"], "--fail-under"),
        (["--fail-under", "nan"], "not nan"),  # NaN would pass every gate silently
        (["--fail-under", "eighty"], "--fail-under"),
        (["--fail-under", "50", "--workflow", "welcome_mail"], "unknown workflow"),
        (["--fail-under", "50", "crm=missing.csv"], "missing.csv"),
    ],
)
def test_bad_usage_or_input_exits_2_even_with_a_gate(capsys, tmp_path: Path, demo, args, message):
    sources, _ = demo
    if any(a.startswith("crm=") for a in args):
        sources = []
    code, out, err = run(capsys, tmp_path, sources, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and "gate failed" not in err


@pytest.mark.slow
def test_exit_codes_of_the_real_process(tmp_path: Path, demo):
    """What cron and CI see: the process status, not a return value."""
    sources, score = demo
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "hygiene.cli", "audit", *sources, "-q", "--no-history",
            "--out", str(tmp_path / "o"), "--format", "json"]  # fmt: skip
    cases = [(f"{score['overall']}", 0), ("100", 1), ("100.5", 2)]
    for threshold, status in cases:
        proc = subprocess.run([*base, "--fail-under", threshold], env=env, capture_output=True,
                              text=True, check=False)  # fmt: skip
        assert proc.returncode == status, (threshold, proc.stderr)
        assert proc.stdout == ""


@pytest.fixture(scope="module")
def conflicted(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The demo's exports as shipped: some people opted out in Mailchimp are still
    marketable in the CRM (a zero-tolerance blocker of the email workflows)."""
    folder = tmp_path_factory.mktemp("conflicted")
    files = generate(folder / "data", crm_rows=300, seed=3)
    return [f"crm={files.crm}", f"esp={files.esp}"]


@pytest.mark.parametrize("threshold", ["0", "50", "90"])
def test_a_zero_tolerance_blocker_fails_the_gate_whatever_the_threshold(
    capsys, tmp_path: Path, conflicted, threshold
):
    """The exit code, audit.json, summary.md and the terminal give one answer."""
    args = ("--workflow", "welcome_email,newsletter", "--fail-under", threshold,
            "--format", "json,md")  # fmt: skip
    code, out, err = run(capsys, tmp_path, conflicted, *args)
    doc = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))
    wfs = doc["score"]["workflows"]
    assert code == int(not all(w["ready"] for w in wfs.values())) == 1
    assert doc["score"]["gate"] == {
        "threshold": float(threshold),
        "gated": ["welcome_email", "newsletter"],
        "passed": False,
        "failures": doc["score"]["gate"]["failures"],
    }
    for name, w in wfs.items():
        assert w["ready_at"] == float(threshold) and not w["ready"]
        top = w["blocker_details"][0]
        assert top["code"] == "link.consent_conflict" and top["zero_tolerance"]
        assert w["blockers"][0].endswith("whatever the score")
        assert f"{name} {w['score']:.1f}: {top['records']:,} opted out" in err
    assert len(err.strip().splitlines()) == 1 and "(zero tolerance)" in err
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("# Contact data audit: 0 of 2 workflows ready; data score")
    assert "(zero tolerance)" in summary and "Gate passed" not in out


def test_a_closed_pipe_is_not_a_gate_failure(tmp_path: Path, demo):
    """`hygiene audit ... | head -1`: the reader goes away; the exit code is still the gate's."""
    sources, score = demo
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "hygiene.cli", "audit", *sources, "--no-history",
            "--out", str(tmp_path / "o"), "--format", "json"]  # fmt: skip
    for extra, status in (([], 0), (["--fail-under", "100"], 1)):
        proc = subprocess.Popen([*base, *extra], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # as `head -1` does
        err = proc.stderr.read()
        assert proc.wait() == status, err
        assert "Traceback" not in err and "Broken pipe" not in err
        assert ("gate failed" in err) == bool(status)


@pytest.mark.parametrize(
    "args,line",
    [
        (["--fail-under", "150"], "hygiene: error: --fail-under: must be a number from 0 to 100, "
                                  "not 150"),
        (["--fail-under", "-1"], "hygiene: error: --fail-under: must be a number from 0 to 100"),
        (["--fail-undr", "50"], "hygiene: error: no such option --fail-undr; did you mean "
                                "--fail-under? (hygiene audit --help lists them)"),
        (["--region", "USA"], "hygiene: error: --region: 'USA': not an ISO 3166-1 alpha-2 "
                              "country code (USA is alpha-3; write US)"),
        (["--region", "ZZ"], "hygiene: error: --region: 'ZZ': not an ISO 3166-1 alpha-2"),
        (["--region", "U"], "hygiene: error: --region: 'U': not an ISO 3166-1 alpha-2"),
        (["--decisions", "d.json", "--no-decisions"], "hygiene: error: give --decisions FILE "
                                                      "or --no-decisions, not both"),
        (["--decisions", "nowhere.json"], "nowhere.json: decisions file not found"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line_exit_2(capsys, tmp_path: Path, demo, args, line):
    sources, _ = demo
    code, out, err = run(capsys, tmp_path, sources, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(line) if line.startswith("hygiene") else line in err
    assert "Usage:" not in err and "Traceback" not in err


@pytest.mark.parametrize("region", ["US", "gb", " de "])
def test_iso_regions_are_accepted(region):
    from hygiene.settings import check_region

    assert check_region(region) == region.strip().upper()


@pytest.mark.parametrize("region", ["USA", "ZZ", "UK", "EU", "1", "", "XX"])
def test_codes_iso_3166_does_not_assign_are_refused(region):
    """ISO 3166-1: UK is reserved (the code is GB), EU an exceptional reservation, ZZ and XX
    user-assigned; none is a country a phone number can belong to."""
    from hygiene.errors import ConfigError
    from hygiene.settings import check_region

    with pytest.raises(ConfigError, match="not an ISO 3166-1 alpha-2 country code"):
        check_region(region)
