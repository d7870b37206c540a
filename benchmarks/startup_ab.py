"""An audit's own CPU seconds beside Great Expectations' import: two checkouts, A/B.

    python benchmarks/startup_ab.py --base-tree /tmp/base              # 7 runs each
    python benchmarks/startup_ab.py --base-tree /tmp/base --repeat 9

Each run is a fresh interpreter (the tree first on PYTHONPATH) that imports
great_expectations, then imports `hygiene.cli` and runs the command through it; it reports
the CPU seconds (user + system, every thread) of the part after GX's import, and of GX's
import itself. The two trees' runs alternate, so a burst of load on a shared machine hits
both alike, and CPU seconds move less with the load than wall time does
(`benchmarks/startup.py` times whole commands, GX's import included). The commands are
startup.py's: the 5-row audit (JSON) and the sample exports' audit (all four formats).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from startup import FIVE_ROWS

ROOT = Path(__file__).resolve().parent.parent

RUNNER = """\
import json, resource, sys
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0 = cpu()
import great_expectations  # noqa: F401
t1 = cpu()
from hygiene import cli
try:
    cli.main(sys.argv[1:])
except SystemExit as exc:
    if exc.code not in (0, 1, None):
        raise
print(json.dumps({"gx": t1 - t0, "after_gx": cpu() - t1}))
"""


def run(tree: Path, work: Path, args: list[str]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode kept, as an installed package keeps it
    env.pop("HYGIENE_SERIAL", None)
    proc = subprocess.run([sys.executable, str(work / "runner.py"), *args], cwd=work, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-tree", type=Path, required=True, help="the checkout to compare with")
    ap.add_argument("--tree", type=Path, default=ROOT, help="this checkout (default)")
    ap.add_argument("--repeat", type=int, default=7, help="runs of each command per tree")
    args = ap.parse_args()
    trees = {"base": args.base_tree, "this": args.tree}
    with tempfile.TemporaryDirectory(prefix="hygiene-ab-") as tmp:
        work = Path(tmp)
        (work / "runner.py").write_text(RUNNER, encoding="utf-8")
        five = work / "five.csv"
        five.write_text(FIVE_ROWS, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(args.tree.resolve())}
        subprocess.run(
            [sys.executable, "-c", "import sys; from hygiene.demo import generate; "
             "generate(sys.argv[1], crm_rows=2000, seed=7)", str(work / "data")],
            env=env, check=True,
        )
        crm = next((work / "data").glob("*.csv"))
        esp = next((work / "data").glob("*.zip"))
        commands = {
            "5-row audit": ["audit", f"crm={five}", "--format", "json", "--quiet",
                            "--no-history", "--out", str(work / "five-out")],
            "sample audit": ["audit", f"crm={crm}", f"esp={esp}", "--format",
                             "html,json,xlsx,md", "--quiet", "--no-history",
                             "--out", str(work / "sample-out")],
        }
        got: dict[tuple[str, str], list[dict[str, float]]] = {}
        load = [os.getloadavg()[0]]
        for name, cmd in commands.items():
            for _ in range(args.repeat):
                for label, tree in trees.items():
                    got.setdefault((name, label), []).append(run(tree, work, cmd))
        load.append(os.getloadavg()[0])
    print(f"base {args.base_tree.resolve()}  this {args.tree.resolve()}")
    print(f"medians of {args.repeat}, CPU seconds; load average {load[0]:.1f} -> {load[1]:.1f}")
    print(f"{'command':<14}{'tree':<6}{'after GX':>10}{'min':>8}{'max':>8}{'GX import':>11}")
    for (name, label), runs in got.items():
        after = [r["after_gx"] for r in runs]
        gx = statistics.median(r["gx"] for r in runs)
        print(f"{name:<14}{label:<6}{statistics.median(after):>10.3f}{min(after):>8.3f}"
              f"{max(after):>8.3f}{gx:>11.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
