"""hygiene against data-hygiene-auditor (PyPI) on the same contact file, side by side.

    python benchmarks/vs_auditor.py                      # 10k rows, hygiene median of 3
    python benchmarks/vs_auditor.py --rows 10000 --auditor /path/to/bin/data-hygiene-audit

The file is the demo generator's HubSpot export (CRM only: the other tool audits one file).
Both tools run as their command-line programs in fresh processes, each writing its reports
(hygiene: audit.json and report.html, with duplicate matching; the auditor: its default
reports); wall seconds and peak resident memory come from the child's rusage. Without
`--auditor` the tool is installed once into benchmarks/.dha-venv (needs the package index).
The target (issue 8) is hygiene at least 100x faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
AUDITOR = "data-hygiene-auditor==1.2.2"
TARGET_RATIO = 100.0


def auditor_command(given: Path | None) -> Path:
    """The auditor's console script: the one given, else a private venv's (made once)."""
    if given is not None:
        if not given.is_file():
            raise SystemExit(f"{given}: no such program (pass the data-hygiene-audit script)")
        return given
    venv = ROOT / "benchmarks" / ".dha-venv"
    exe = venv / "bin" / "data-hygiene-audit"
    if not exe.is_file():
        print(f"installing {AUDITOR} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", AUDITOR], check=True
        )
    return exe


def timed(args: list[str], cwd: Path, timeout: float | None = None) -> tuple[float, float, bool]:
    """(wall seconds, peak RSS MB, finished) of one child process; a child still running
    after `timeout` seconds is killed (finished False). Fails loudly if the child fails."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        finished = True
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - t > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                finished = False
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        if finished and code not in (0, 1):  # 1: below a threshold; no threshold is set here
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-2000:]
            raise SystemExit(f"{args[0]} failed ({code}):\n{tail}")
    return seconds, usage.ru_maxrss / 1024, finished


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3, help="hygiene runs (median)")
    ap.add_argument("--auditor-repeat", type=int, default=1, help="auditor runs (median)")
    ap.add_argument("--auditor", type=Path, help="data-hygiene-audit program to use")
    ap.add_argument(
        "--auditor-timeout",
        type=float,
        default=3600.0,
        help="seconds before the auditor is stopped; its time is then a lower bound",
    )
    args = ap.parse_args(argv)

    from hygiene.demo import generate

    exe = auditor_command(args.auditor)
    hygiene = [sys.executable, "-m", "hygiene"]
    with tempfile.TemporaryDirectory(prefix="vs-auditor-") as tmp:
        work = Path(tmp)
        files = generate(work / "data", crm_rows=args.rows, esp_rows=0, seed=7)
        crm = Path(files.crm)
        print(f"{crm.name}: {args.rows:,} rows, {crm.stat().st_size / 1e6:.1f} MB; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
        theirs = [
            timed(
                [str(exe), "--input", str(crm), "--output", str(work / f"dha{k}"), "--quiet"],
                work,
                args.auditor_timeout,
            )
            for k in range(max(args.auditor_repeat, 1))
        ]
        ours = [
            timed(hygiene + ["audit", f"crm={crm}", "--out", str(work / f"hy{k}"),
                             "--format", "json,html", "--no-history", "--quiet"], ROOT)
            for k in range(max(args.repeat, 1))
        ]
    t_them = statistics.median(s for s, _, _ in theirs)
    t_us = statistics.median(s for s, _, _ in ours)
    stopped = not all(done for _, _, done in theirs)
    more = ">" if stopped else " "
    print(f"{'tool':24s} {'seconds':>9s} {'peak MB':>8s}  runs")
    print(f"{'data-hygiene-auditor':24s}{more}{t_them:9.2f} {theirs[0][1]:8.0f}  "
          + ", ".join(f"{s:.2f}" for s, _, _ in theirs)
          + ("  (stopped at --auditor-timeout, unfinished)" if stopped else ""))
    print(f"{'hygiene audit':24s} {t_us:9.2f} {ours[0][1]:8.0f}  "
          + ", ".join(f"{s:.2f}" for s, _, _ in ours))
    ratio = t_them / t_us
    print(f"hygiene is{' more than' if stopped else ''} {ratio:.0f}x faster "
          f"(target >= {TARGET_RATIO:.0f}x)")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
