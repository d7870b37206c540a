"""The scheduling recipes of README "Scheduling" work as written: cron, GitHub Actions, and
the pre-launch script, each run against sample exports from `hygiene.demo.generate`."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hygiene.demo import generate
from hygiene.outputs import DEFAULT_FORMATS, FORMATS
from tests.helpers import ROOT

README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
WORKFLOW = EXAMPLES / "github-actions" / "hygiene-audit.yml"
SCRIPT = EXAMPLES / "pre-launch-check.sh"

#: cron's fields: name, lowest, highest (day of week 7 is Sunday, like 0).
CRON_FIELDS = [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
               ("day of week", 0, 7)]  # fmt: skip
_CRON_ITEM = re.compile(r"^(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?$")


def scheduling_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Scheduling\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def fenced(section: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section, flags=re.S)


def cron_field_errors(fields: list[str]) -> list[str]:
    """Why a cron schedule (five fields) is invalid; empty when it is valid."""
    errors = []
    for value, (name, low, high) in zip(fields, CRON_FIELDS, strict=True):
        for item in value.split(","):
            m = _CRON_ITEM.match(item)
            if not m:
                errors.append(f"{name}: {item!r} is not cron syntax")
                continue
            numbers = [int(g) for g in m.groups()[1:3] if g is not None]
            if any(not low <= n <= high for n in numbers):
                errors.append(f"{name}: {item!r} outside {low}-{high}")
            if len(numbers) == 2 and numbers[0] > numbers[1]:
                errors.append(f"{name}: {item!r} runs backwards")
            if m.group(4) is not None and int(m.group(4)) == 0:
                errors.append(f"{name}: step 0")
    return errors


@pytest.mark.parametrize(
    "schedule,ok",
    [
        ("30 6 * * 1-5", True),
        ("*/15 0-23/2 1,15 1-12 0,7", True),
        ("60 6 * * *", False),
        ("30 24 * * *", False),
        ("30 6 0 * *", False),
        ("30 6 * 13 *", False),
        ("30 6 * * 5-1", False),
        ("30 6 * * mon", False),  # names work in some crons only; the recipes use numbers
        ("*/0 * * * *", False),
    ],
)
def test_cron_validator(schedule: str, ok: bool):
    assert (cron_field_errors(schedule.split()) == []) is ok


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with hubspot_contacts.csv and mailchimp_audience.zip, as the recipes name them."""
    files = generate(tmp_path_factory.mktemp("demo"), crm_rows=300, seed=3)
    folder = tmp_path_factory.mktemp("exports")
    shutil.copy(files.crm, folder / "hubspot_contacts.csv")
    assert isinstance(files.esp, Path)
    shutil.copy(files.esp, folder / "mailchimp_audience.zip")
    return folder


@pytest.fixture(scope="module")
def hygiene_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `hygiene` command on PATH that runs this checkout (the package is not installed)."""
    folder = tmp_path_factory.mktemp("bin")
    exe = folder / "hygiene"
    exe.write_text(
        f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m hygiene.cli "$@"\n',
        encoding="utf-8",
    )
    exe.chmod(0o755)
    return exe


def clean_env(hygiene_bin: Path, **extra: str) -> dict[str, str]:
    """An environment like a scheduler's: a short PATH and nothing of the test run's."""
    return {
        "PATH": f"{hygiene_bin.parent}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        **extra,
    }


# --- cron ----------------------------------------------------------------------------------


def cron_job() -> tuple[list[str], str, list[str]]:
    """The README's crontab: schedule fields, command, and the variable lines."""
    [block] = fenced(scheduling_section(), "cron")
    lines = [x for x in block.splitlines() if x.strip() and not x.lstrip().startswith("#")]
    variables = [x for x in lines if re.match(r"^[A-Z_]+=", x)]
    [job] = [x for x in lines if x not in variables]
    parts = job.split(None, 5)
    return parts[:5], parts[5], variables


def test_cron_line_is_valid_and_matches_the_example_file():
    fields, command, variables = cron_job()
    assert cron_field_errors(fields) == []
    # A bare % in a crontab command ends it: every % must be escaped.
    assert "%" not in re.sub(r"\\%", "", command)
    assert variables == ["MAILTO=crm-team@example.com"]
    example = (EXAMPLES / "crontab").read_text(encoding="utf-8")
    assert f"{' '.join(fields)}  {command}" in example.splitlines()
    words = shlex.split(command.split("&&", 1)[1])
    assert Path(words[0]).name == "hygiene" and words[1] == "audit"
    assert "--quiet" in words and "--fail-under" in words


@pytest.mark.slow
def test_cron_command_runs_silently_and_records_history(exports: Path, hygiene_bin: Path):
    _, command, _ = cron_job()
    assert "cd /srv/crm-exports &&" in command
    assert "/opt/crm-hygiene/.venv/bin/hygiene " in command
    # What cron hands to /bin/sh: \% becomes %.
    shell = command.replace("\\%", "%").replace("/srv/crm-exports", str(exports))
    shell = shell.replace("/opt/crm-hygiene/.venv/bin/hygiene", str(hygiene_bin))
    proc = subprocess.run(["/bin/sh", "-c", shell], env=clean_env(hygiene_bin),
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("", "")  # so cron mails nothing
    [report] = (exports / "reports").iterdir()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", report.name)
    for fmt in DEFAULT_FORMATS:
        assert (report / FORMATS[fmt]).is_file()
    assert (exports / ".hygiene" / "history.db").is_file()


# --- GitHub Actions -------------------------------------------------------------------------


def workflow_doc() -> dict:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


def step_index(steps: list[dict], pred) -> int:
    found = [i for i, s in enumerate(steps) if pred(s)]
    assert len(found) == 1, found
    return found[0]


def audit_step(steps: list[dict]) -> dict:
    return steps[step_index(steps, lambda s: "hygiene audit" in s.get("run", ""))]


def test_github_actions_workflow_has_the_steps():
    doc = workflow_doc()
    assert "workflow_dispatch" in doc["on"]
    [schedule] = doc["on"]["schedule"]
    assert cron_field_errors(schedule["cron"].split()) == []
    [job] = doc["jobs"].values()
    steps = job["steps"]
    uses = lambda prefix: lambda s: s.get("uses", "").startswith(prefix)  # noqa: E731
    checkout = step_index(steps, lambda s: s.get("uses", "").startswith("actions/checkout@")
                          and "with" not in s)  # fmt: skip
    python = step_index(steps, uses("actions/setup-python@"))
    # No package index serves crm-hygiene: the job checks out the user's copy of this
    # repository and installs it from that folder.
    tool = step_index(steps, lambda s: s.get("with", {}).get("repository") is not None)
    install = step_index(steps, lambda s: "pip install" in s.get("run", ""))
    assert steps[tool]["uses"].startswith("actions/checkout@")
    folder = steps[tool]["with"]["path"]
    assert shlex.split(steps[install]["run"]) == ["pip", "install", f"./{folder}"]
    audit = step_index(steps, lambda s: "hygiene audit" in s.get("run", ""))
    upload = step_index(steps, uses("actions/upload-artifact@"))
    assert checkout < python < tool < install < audit < upload
    words = shlex.split(steps[audit]["run"])
    assert "--fail-under" in words
    out = words[words.index("--out") + 1]
    # The report is uploaded whether the gate passed or failed.
    assert steps[upload]["if"] == "always()"
    assert steps[upload]["with"]["path"] == f"{out}/{FORMATS['html']}"
    # The history survives the runner: restored before the audit, saved even on failure.
    restore = step_index(steps, uses("actions/cache/restore@"))
    save = step_index(steps, uses("actions/cache/save@"))
    assert restore < audit < save and steps[save]["if"] == "always()"
    assert steps[restore]["with"]["path"] == steps[save]["with"]["path"] == ".hygiene"
    assert str(WORKFLOW.relative_to(ROOT)) in scheduling_section()


@pytest.mark.slow
@pytest.mark.parametrize("threshold,status", [(None, 0), ("100", 1)])
def test_github_actions_audit_step_runs(tmp_path: Path, exports: Path, hygiene_bin: Path,
                                        threshold: str | None, status: int):  # fmt: skip
    doc = workflow_doc()
    [job] = doc["jobs"].values()
    step = audit_step(job["steps"])
    workspace = tmp_path / "workspace"
    shutil.copytree(exports, workspace / "exports", ignore=shutil.ignore_patterns("reports", ".*"))
    env = clean_env(hygiene_bin, **job["env"])
    if threshold is not None:
        env["HYGIENE_FAIL_UNDER"] = threshold
    # GitHub runs `run:` with bash -e -o pipefail in the workspace.
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                          cwd=workspace, env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert proc.returncode == status, proc.stderr
    out = workspace / shlex.split(step["run"])[shlex.split(step["run"]).index("--out") + 1]
    # The files the default formats write are there for the upload step, pass or fail.
    for fmt in DEFAULT_FORMATS:
        assert (out / FORMATS[fmt]).is_file()
    assert (workspace / ".hygiene" / "history.db").is_file()
    if status:
        assert "gate failed" in proc.stderr


# --- the pre-launch script ------------------------------------------------------------------


def run_script(cwd: Path, hygiene_bin: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, env=clean_env(hygiene_bin),
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_script_is_executable_and_documented():
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    assert str(SCRIPT.relative_to(ROOT)) in scheduling_section()


@pytest.fixture(scope="module")
def consented(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same exports without consent conflicts (nobody opted out in one system and
    marketable in the other), so only the score decides."""
    import dataclasses

    from hygiene.demo import DefectRates

    rates = dataclasses.replace(DefectRates(), consent_conflict=0.0, reverse_conflict=0.0)
    files = generate(tmp_path_factory.mktemp("demo"), crm_rows=300, seed=3, rates=rates)
    folder = tmp_path_factory.mktemp("consented")
    shutil.copy(files.crm, folder / "hubspot_contacts.csv")
    assert isinstance(files.esp, Path)
    shutil.copy(files.esp, folder / "mailchimp_audience.zip")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    "data,threshold",
    [("consented", "80"), ("consented", "100"), ("exports", "80"), ("exports", "0")],
)
def test_pre_launch_script_agrees_with_audit_json(tmp_path: Path, request, hygiene_bin: Path,
                                                  data, threshold):  # fmt: skip
    """The script says "go ahead" exactly when audit.json says the workflow is ready: a
    consent conflict stops the launch whatever the score and the threshold."""
    folder = request.getfixturevalue(data)
    proc = run_script(tmp_path, hygiene_bin, "welcome_email", threshold,
                      f"crm={folder / 'hubspot_contacts.csv'}",
                      f"esp={folder / 'mailchimp_audience.zip'}")  # fmt: skip
    doc = json.loads((tmp_path / "pre-launch-report" / "audit.json").read_text(encoding="utf-8"))
    wf = doc["score"]["workflows"]["welcome_email"]
    assert wf["ready_at"] == float(threshold)
    assert proc.returncode == (0 if wf["ready"] else 1), proc.stderr
    assert doc["score"]["gate"]["passed"] is wf["ready"]
    if wf["ready"]:
        assert f"ready: welcome_email reaches {threshold} with no zero-tolerance" in proc.stdout
    else:
        assert f"NOT ready: welcome_email is not ready at {threshold}" in proc.stderr
        assert "pre-launch-report/summary.md" in proc.stderr
        assert "gate failed: welcome_email" in proc.stderr
    if data == "exports":  # the demo plants consent conflicts: never ready
        assert not wf["ready"] and "(zero tolerance)" in proc.stderr
    if (data, threshold) == ("consented", "80"):
        assert wf["ready"], wf["blockers"]
    assert (tmp_path / "pre-launch-report" / "summary.md").is_file()


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "usage:"),
        (["welcome_email", "80", "crm=no_such_export.csv"], "the audit did not run (exit 2)"),
        (["welcome_mail", "80", "crm=x.csv"], "the audit did not run (exit 2)"),
    ],
)
def test_pre_launch_script_refuses_to_launch_when_the_audit_cannot_run(
    tmp_path: Path, hygiene_bin: Path, args, message
):
    (tmp_path / "x.csv").write_text("Email\nann@acme.com\n", encoding="utf-8")
    proc = run_script(tmp_path, hygiene_bin, *args)
    assert proc.returncode == 2
    assert message in proc.stderr
