"""`--fail-under`, `--quiet` and the exit codes: the contract a scheduler relies on.

0 the audit ran and the gate passed, 1 a score is below the threshold, 2 bad usage or input.
A score exactly at the threshold passes; with `--workflow`, each named workflow is gated.
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
from tests.helpers import ROOT


def fake(overall: float, **workflows: float) -> SimpleNamespace:
    wfs = {k: SimpleNamespace(score=v) for k, v in workflows.items()}
    return SimpleNamespace(score=SimpleNamespace(overall=overall, workflows=wfs))


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
    """A small HubSpot + Mailchimp export set, and the scores its audit gets."""
    folder = tmp_path_factory.mktemp("gate")
    files = generate(folder / "data", crm_rows=300, seed=3)
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
    assert "Readiness" in out
    above = float(f"{overall + 0.1:.1f}")
    code, out, err = run(capsys, tmp_path, sources, "--fail-under", str(above))
    assert code == 1
    assert err.strip() == f"hygiene: gate failed: overall score {overall:.1f} (threshold {above:g})"
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
