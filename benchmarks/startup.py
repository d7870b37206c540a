"""Startup: what a command costs before it touches the data.

    python benchmarks/startup.py              # medians of 5
    python benchmarks/startup.py --repeat 9

Each command runs in a fresh interpreter (this checkout first on PYTHONPATH), timed from
spawn to exit: `hygiene --help`, `hygiene rules list`, `hygiene history` (a database of two
runs), a bare `import great_expectations` (run from a script file: under `python -c`, with
pyspark installed, pyspark's Spark Connect module ends the process half-way through GX's
import with exit 0, which timed a partial import), the audit of a 5-row export (JSON only) and of
the sample exports of `hygiene demo` (2,000 CRM + 1,400 ESP rows, all four formats). It
prints the median and spread of each, the gap between the 5-row audit and the bare GX
import (what an audit pays beside Great Expectations' import), and the load average,
since timings on a shared machine move with it. Wall and CPU (user + system) are both
shown: on a loaded machine the CPU seconds are the steadier of the two.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIVE_ROWS = """Record ID,First Name,Last Name,Email,Phone Number,Company Name,Country/Region
101,Ada,Lovelace,ada@example.com,+44 20 7946 0018,Analytical Engines,United Kingdom
102,Grace,Hopper,grace.hopper@example.org,(202) 555-0147,US Navy,United States
103,Alan,Turing,alan@example,+44 161 496 0321,Bletchley Park,United Kingdom
104,Katherine,Johnson,,757-555-0199,NASA,United States
105,Ada,Lovelace,ADA@example.com,,Analytical Engines,UK
"""

#: Targets of issue 26 (seconds): commands that run no audit, and what an audit adds.
TARGETS = {"--help": 0.3, "rules list": 0.3, "history": 0.3, "sample audit": 4.0}
GX_GAP = 0.5


#: What the bare import prints once GX is imported: a run without it did not import it all.
IMPORTED = "great_expectations imported"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of `cmd`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    if cmd[-1].endswith("bare_gx.py") and IMPORTED not in proc.stdout:
        raise SystemExit(f"{' '.join(cmd)} ended before GX was imported:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def prepare(work: Path, env: dict[str, str]) -> dict[str, list[str]]:
    """The files the commands read, and the commands."""
    py = sys.executable
    five = work / "five.csv"
    five.write_text(FIVE_ROWS, encoding="utf-8")
    bare_gx = work / "bare_gx.py"
    bare_gx.write_text(f"import great_expectations\nprint({IMPORTED!r})\n", encoding="utf-8")
    subprocess.run(
        [py, "-c", "import sys; from hygiene.demo import generate; "
         "generate(sys.argv[1], crm_rows=2000, seed=7)", str(work / "data")],
        env=env, check=True,
    )
    crm = next((work / "data").glob("*.csv"))
    esp = next((work / "data").glob("*.zip"))
    db = work / "history.db"
    for _ in range(2):  # a history of two runs to list
        subprocess.run(
            [py, "-m", "hygiene", "audit", f"crm={five}", "--format", "json", "--quiet",
             "--out", str(work / "seed-out"), "--history", str(db)],
            cwd=work, env=env, check=True,
        )
    hygiene = [py, "-m", "hygiene"]
    return {
        "--help": [*hygiene, "--help"],
        "rules list": [*hygiene, "rules", "list"],
        "history": [*hygiene, "history", "--db", str(db)],
        "bare GX import": [py, str(bare_gx)],
        "5-row audit": [*hygiene, "audit", f"crm={five}", "--format", "json", "--quiet",
                        "--no-history", "--out", str(work / "five-out")],
        "sample audit": [*hygiene, "audit", f"crm={crm}", f"esp={esp}",
                         "--format", "html,json,xlsx,md", "--quiet", "--no-history",
                         "--out", str(work / "sample-out")],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command (default 5)")
    ap.add_argument("--tree", type=Path, default=ROOT,
                    help="the checkout whose code runs (default: this one), e.g. an older "
                         "commit's `git worktree`, to compare")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.tree.resolve())}
    env.pop("HYGIENE_SERIAL", None)
    # Compiled bytecode is kept as an installed package keeps it (pip compiles on install):
    # without it every run compiles each module's source again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="hygiene-startup-") as tmp:
        work = Path(tmp)
        commands = prepare(work, env)
        load_before = os.getloadavg()
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        # Interleaved, so a burst of load on the shared machine hits every command alike.
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                w, c = timed(cmd, work, env)
                wall[name].append(w)
                cpu[name].append(c)
        load_after = os.getloadavg()
    med = {name: statistics.median(t) for name, t in wall.items()}
    cpu_med = {name: statistics.median(t) for name, t in cpu.items()}
    print(f"code: {args.tree.resolve()}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (1 min); "
          f"medians of {args.repeat}")
    print(f"{'command':<16}{'wall s':>8}{'min':>8}{'max':>8}{'cpu s':>8}  target (wall)")
    for name, t in wall.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (
            f"< {target:g} s " + ("ok" if med[name] < target else "MISSED"))
        print(f"{name:<16}{med[name]:>8.3f}{min(t):>8.3f}{max(t):>8.3f}{cpu_med[name]:>8.3f}  "
              f"{verdict}")
    for label, m in (("wall", med), ("cpu", cpu_med)):
        gap = m["5-row audit"] - m["bare GX import"]
        print(f"{label}: 5-row audit - bare GX import {gap:+.3f} s (target < {GX_GAP:g} s: "
              f"{'ok' if gap < GX_GAP else 'MISSED'}); sample audit - 5-row audit "
              f"{m['sample audit'] - m['5-row audit']:+.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
