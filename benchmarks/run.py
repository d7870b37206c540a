"""The full audit at scale: seconds and peak memory per stage, accuracy against the truth.

    python benchmarks/run.py --rows 1000000            # 1M CRM rows + 700k ESP members
    python benchmarks/run.py --rows 100000 --repeat 3  # medians of 3 fresh processes
    python benchmarks/run.py --rows 1000000 --scaling  # N/2 and N, time ratio per stage
    python benchmarks/run.py --data /path/to/set       # a set made by benchmarks/generate.py

The exports come from the demo generator (a HubSpot CSV and a Mailchimp ZIP with known
defects, duplicates, links and hard negatives in truth.json); they are generated once into
benchmarks/data/<rows> and reused while the generator's code is unchanged. Each run is a
fresh process (imports included, as the CLI pays them) doing what `hygiene audit` does:
load, normalise, checks, match, links, score, then audit.json and report.html written side
by side as the CLI writes them, timed together as "reports" (`--formats` adds xlsx, md).
Matching runs beside the checks, so "match" is the wait after them; its own time is the
printed split. Peak memory per stage is the kernel's high-water mark (VmHWM), reset at
every 20 ms sample, so a short spike is never missed. Precision and recall: findings per
code against the planted defects (same source, file, row, field), duplicates and links
as pairs of rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT))
#: The issue's targets: seconds and peak MB for 1M CRM + 700k ESP rows, scaling ratio.
TARGET_SECONDS, TARGET_MB, TARGET_RATIO = 30.0, 3000.0, 2.3


class PeakSampler:
    """Peak resident memory per interval: reads VmHWM and resets it (clear_refs 5)."""

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (time, peak MB since last sample)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _hwm_mb() -> float:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    @staticmethod
    def _reset() -> None:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
        except OSError:
            pass  # not Linux, or not allowed: peaks are then cumulative

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append((time.perf_counter(), self._hwm_mb()))
            self._reset()

    def __enter__(self) -> PeakSampler:
        self._reset()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter(), self._hwm_mb()))

    def peak(self, start: float, end: float) -> float:
        """Highest peak of the samples taken in [start, end] (and the one just after)."""
        inside = [mb for t, mb in self.samples if start <= t <= end]
        after = [mb for t, mb in self.samples if t > end][:1]
        return max(inside + after, default=0.0)


# ---------------------------------------------------------------------------- data


def human(n: int) -> str:
    """1000000 -> 1m, 500000 -> 500k, 1234 -> 1234."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def generator_stamp(rows: int, esp_rows: int, seed: int) -> str:
    """Changes when the generator's code or the asked size does: cached data is then stale."""
    digest = hashlib.sha256(f"{rows}/{esp_rows}/{seed}".encode())
    for path in sorted((ROOT / "hygiene" / "demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dataset(rows: int, esp_rows: int, seed: int) -> Path:
    """benchmarks/data/<rows>[-esp<esp_rows>], generated unless a current copy is there."""
    from hygiene.demo import generate

    label = human(rows) if esp_rows == round(rows * 0.7) else f"{human(rows)}-esp{human(esp_rows)}"
    out = DATA / (label if seed == 7 else f"{label}-seed{seed}")
    stamp = generator_stamp(rows, esp_rows, seed)
    mark = out / ".stamp"
    if mark.is_file() and mark.read_text(encoding="ascii").strip() == stamp:
        return out
    print(f"generating {rows:,} CRM rows and {esp_rows:,} ESP members into {out} ...", flush=True)
    t = time.perf_counter()
    for old in out.glob("*") if out.is_dir() else ():
        old.unlink()
    generate(out, crm_rows=rows, esp_rows=esp_rows, seed=seed)
    mark.write_text(stamp + "\n", encoding="ascii")
    print(f"  done in {time.perf_counter() - t:.1f} s", flush=True)
    return out


def inputs(data: Path) -> tuple[Path, Path, Path]:
    """The CRM export, the ESP export and truth.json of a generated set."""
    crm = next(data.glob("hubspot_contacts*.csv"))
    esp = next(iter(sorted(data.glob("members_export_*.zip"))), None)
    if esp is None:
        raise SystemExit(f"{data}: no members_export_*.zip (generate with --esp-format zip)")
    return crm, esp, data / "truth.json"


# ---------------------------------------------------------------------------- accuracy


def _prf(tp: int, found: int, truth: int) -> dict[str, Any]:
    return {
        "truth": truth,
        "found": found,
        "tp": tp,
        "precision": round(tp / found, 4) if found else None,
        "recall": round(tp / truth, 4) if truth else None,
    }


def accuracy(audit: Any, truth_path: Path) -> dict[str, Any]:
    """Findings per code, duplicate pairs and link pairs against the generator's truth."""
    import numpy as np
    import pandas as pd

    from hygiene.demo import load_truth

    truth = load_truth(truth_path)
    out: dict[str, Any] = {"findings": {}}
    keys = ["source", "file", "row", "field"]
    found = audit.findings[audit.findings["row"].notna()]
    found = found.assign(row=found["row"].astype("int64"))
    defects = truth.defects.assign(row=truth.defects["row"].astype("int64"))
    for code in sorted(defects["kind"].unique()):
        want = defects.loc[defects["kind"] == code, keys].drop_duplicates()
        got = found.loc[found["code"] == code, keys].drop_duplicates()
        for frame in (want, got):
            for c in ("source", "file", "field"):
                frame[c] = frame[c].astype(str)
        tp = len(want.merge(got, on=keys))
        out["findings"][code] = _prf(tp, len(got), len(want))

    # Rows as one integer each: offset of the source + position in it.
    offset, where = {}, {}
    start = 0
    for s in audit.sources:
        offset[s.name] = start
        prov = s.provenance
        idx = pd.MultiIndex.from_arrays([prov["file"].astype(str), prov["row"].astype("int64")])
        where[s.name] = pd.Series(np.arange(len(prov), dtype=np.int64) + start, index=idx)
        start += len(prov)

    def ids(frame: pd.DataFrame) -> np.ndarray:
        outv = np.full(len(frame), -1, dtype=np.int64)
        for name, lookup in where.items():
            sel = (frame["source"] == name).to_numpy()
            if sel.any():
                idx = pd.MultiIndex.from_arrays(
                    [frame.loc[sel, "file"].astype(str), frame.loc[sel, "row"].astype("int64")]
                )
                outv[sel] = lookup.reindex(idx).fillna(-1).to_numpy(dtype=np.int64)
        return outv

    big = np.int64(start + 1)

    def group_pairs(frame: pd.DataFrame, cross: bool) -> np.ndarray:
        """Pairs of row ids inside each group (cross: only pairs from two sources)."""
        g = frame.assign(id=ids(frame))
        g = g[g["id"] >= 0]
        m = g[["group", "id", "source"]].merge(g[["group", "id", "source"]], on="group")
        m = m[m["id_x"] < m["id_y"]]
        m = m[(m["source_x"] != m["source_y"]) if cross else (m["source_x"] == m["source_y"])]
        return np.unique(m["id_x"].to_numpy() * big + m["id_y"].to_numpy())

    def score_pairs(pred: np.ndarray, want: np.ndarray) -> dict[str, Any]:
        return _prf(len(np.intersect1d(pred, want)), len(pred), len(want))

    members = [
        (c.id, offset[c.source] + p)
        for c in (audit.match.clusters if audit.match else ())
        for p in c.members
    ]
    cl = pd.DataFrame(members, columns=["group", "id"])
    m = cl.merge(cl, on="group")
    m = m[m["id_x"] < m["id_y"]]
    pred_dup = np.unique(m["id_x"].to_numpy() * big + m["id_y"].to_numpy())
    out["duplicates"] = score_pairs(pred_dup, group_pairs(truth.duplicates, cross=False))
    hard = group_pairs(truth.hard_negatives, cross=False)
    out["hard_negatives_merged"] = {
        "pairs": int(len(hard)),
        "merged": int(len(np.intersect1d(pred_dup, hard))),
    }

    links = audit.links if audit.links is not None else pd.DataFrame()
    pred_link = np.empty(0, dtype=np.int64)
    if len(links):
        a = links["source_a"].map(offset).to_numpy(np.int64) + links["pos_a"].to_numpy(np.int64)
        b = links["source_b"].map(offset).to_numpy(np.int64) + links["pos_b"].to_numpy(np.int64)
        pred_link = np.unique(np.minimum(a, b) * big + np.maximum(a, b))
    out["links"] = score_pairs(pred_link, group_pairs(truth.links, cross=True))
    return out


# ---------------------------------------------------------------------------- one run


def child(data: Path, formats: list[str], with_accuracy: bool) -> dict[str, Any]:
    """One audit in this process: seconds and peak MB per stage (+ accuracy)."""
    crm, esp, truth = inputs(data)
    marks: list[tuple[str, float, float]] = []
    with PeakSampler() as sampler, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        import hygiene  # noqa: F401  (the CLI pays the import too)

        t1 = time.perf_counter()
        marks.append(("import", t0, t1))
        from hygiene.audit import audit as run_audit

        result = run_audit(f"crm={crm}", f"esp={esp}")
        end = time.perf_counter()
        # audit() times its stages back to back: rebuild their start and end from the sums.
        start = end - sum(result.timings.values())
        for stage, secs in result.timings.items():
            marks.append((stage, start, start + secs))
            start += secs
        # As `hygiene audit` writes them: views the reports do not read dropped, then all
        # formats in one call (side by side).
        t = time.perf_counter()
        result.release_views()
        result.save(tmp, formats)
        marks.append(("reports", t, time.perf_counter()))
        total = time.perf_counter() - t0
    stages = {
        name: {"seconds": round(b - a, 3), "peak_mb": round(sampler.peak(a, b), 1)}
        for name, a, b in marks
    }
    out: dict[str, Any] = {
        "stages": stages,
        "total": round(total, 3),
        "peak_mb": round(max((s["peak_mb"] for s in stages.values()), default=0.0), 1),
        "rows": {s.name: int(s.rows) for s in result.sources},
        "findings": int(len(result.findings)),
        "clusters": len(result.duplicates),
        "match": {
            k: round(v, 2)
            for k, v in (result.match.stats.get("seconds", {}) if result.match else {}).items()
        },
        "loadavg": os.getloadavg(),
        # CPU of every thread of the run (accuracy not yet computed): on a shared box the
        # figure to compare, where wall time also counts other work's.
        "cpu": _cpu(),
    }
    if with_accuracy:
        out["accuracy"] = accuracy(result, truth)
    return out


def _cpu() -> dict[str, float]:
    import resource

    use = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": round(use.ru_utime, 2), "sys": round(use.ru_stime, 2),
            "total": round(use.ru_utime + use.ru_stime, 2)}


def run_child(data: Path, formats: list[str], with_accuracy: bool) -> dict[str, Any]:
    """`child` in a fresh interpreter, so imports, caches and peak memory are its own."""
    args = [sys.executable, str(HERE), "--child", str(data), "--formats", ",".join(formats)]
    if with_accuracy:
        args.append("--accuracy")
    load = os.getloadavg()[0]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"benchmark run failed (exit {proc.returncode})")
    got = dict(json.loads(lines[-1]))
    got["load_before"] = load
    return got


# ---------------------------------------------------------------------------- printing


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds and peak MB per stage over runs."""
    names = list(runs[0]["stages"])
    return {
        "stages": {
            n: {
                "seconds": statistics.median(r["stages"][n]["seconds"] for r in runs),
                "peak_mb": statistics.median(r["stages"][n]["peak_mb"] for r in runs),
                "runs": [r["stages"][n]["seconds"] for r in runs],
            }
            for n in names
        },
        "total": statistics.median(r["total"] for r in runs),
        "totals": [r["total"] for r in runs],
        "peak_mb": statistics.median(r["peak_mb"] for r in runs),
    }


def print_table(label: str, summary: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    n = len(runs)
    print(
        f"\n{label}: {', '.join(f'{k} {v:,}' for k, v in runs[0]['rows'].items())} rows; "
        f"{runs[0]['findings']:,} findings, {runs[0]['clusters']:,} duplicate clusters"
    )
    print(
        f"{'stage':10s} {'seconds':>8s} {'peak MB':>8s}   runs"
        + (f" (median of {n})" if n > 1 else "")
    )
    for name, s in summary["stages"].items():
        each = ", ".join(f"{x:.2f}" for x in s["runs"])
        print(f"{name:10s} {s['seconds']:8.2f} {s['peak_mb']:8.0f}   {each}")
    print(
        f"{'total':10s} {summary['total']:8.2f} {summary['peak_mb']:8.0f}   "
        + ", ".join(f"{x:.2f}" for x in summary["totals"])
    )
    match = runs[0].get("match") or {}
    if match:
        own = sum(match.values())
        print(
            f"match split (s; {own:.1f} s in all, run beside the checks, so \"match\" above "
            "is only the wait after them): " + ", ".join(f"{k} {v}" for k, v in match.items())
        )
    cpu = [r["cpu"] for r in runs if "cpu" in r]
    if cpu:
        print(
            "cpu (user + sys, s): "
            + ", ".join(f"{c['total']:.2f} ({c['user']:.2f} + {c['sys']:.2f})" for c in cpu)
            + (f"; median {statistics.median(c['total'] for c in cpu):.2f}" if n > 1 else "")
        )
    loads = [r["load_before"] for r in runs] + [r["loadavg"][0] for r in runs]
    print(f"load average during runs: {min(loads):.1f}-{max(loads):.1f} ({os.cpu_count()} cores)")


def print_accuracy(acc: dict[str, Any]) -> None:
    print(f"\n{'against truth':28s} {'truth':>8s} {'found':>8s} {'precision':>9s} {'recall':>7s}")

    def line(name: str, v: dict[str, Any]) -> None:
        p = "-" if v["precision"] is None else f"{v['precision']:.3f}"
        r = "-" if v["recall"] is None else f"{v['recall']:.3f}"
        print(f"{name:28s} {v['truth']:8,} {v['found']:8,} {p:>9s} {r:>7s}")

    for code, v in acc["findings"].items():
        line(code, v)
    line("duplicates (pairs)", acc["duplicates"])
    line("links (pairs)", acc["links"])
    hn = acc["hard_negatives_merged"]
    print(f"hard negatives merged: {hn['merged']} of {hn['pairs']} pairs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="CRM rows (default 100k)")
    parser.add_argument("--esp-rows", type=int, default=None, help="default 70%% of --rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="use this generated set as it is")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (median)")
    parser.add_argument("--formats", default="json,html", help="reports written (json,html)")
    parser.add_argument("--scaling", action="store_true", help="also N/2: time ratio per stage")
    parser.add_argument("--no-accuracy", action="store_true", help="skip precision/recall")
    parser.add_argument("--json", type=Path, help="write every figure to this file too")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--accuracy", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    if args.child:
        print(json.dumps(child(args.child, formats, args.accuracy)))
        return 0

    sizes = [args.rows // 2, args.rows] if args.scaling else [args.rows]
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; reports: {', '.join(formats)}"
    )
    results: dict[str, Any] = {}
    for rows in sizes:
        esp_rows = args.esp_rows if args.esp_rows is not None else round(args.rows * 0.7)
        esp_rows = esp_rows * rows // args.rows
        data = args.data if args.data and rows == args.rows else dataset(rows, esp_rows, args.seed)
        runs = []
        for k in range(max(args.repeat, 1)):
            want = not args.no_accuracy and k == 0 and rows == args.rows
            runs.append(run_child(data, formats, want))
        summary = summarise(runs)
        print_table(
            str(data.relative_to(ROOT) if data.is_relative_to(ROOT) else data), summary, runs
        )
        results[str(rows)] = {"data": str(data), "summary": summary, "runs": runs}
        if "accuracy" in runs[0]:
            print_accuracy(runs[0]["accuracy"])
    if args.scaling:
        half, full = (results[str(n)]["summary"] for n in sizes)
        print(
            f"\nscaling {sizes[0]:,} -> {sizes[1]:,} rows (time ratio; target <= {TARGET_RATIO}):"
        )
        for name, s in full["stages"].items():
            h = half["stages"][name]["seconds"]
            ratio = s["seconds"] / h if h > 0.05 else float("nan")
            flag = "  over" if ratio > TARGET_RATIO else ""
            print(f"  {name:10s} {h:7.2f} -> {s['seconds']:7.2f}  x{ratio:.2f}{flag}")
        print(
            f"  {'total':10s} {half['total']:7.2f} -> {full['total']:7.2f}  "
            f"x{full['total'] / half['total']:.2f}"
        )
        # The "match" stage is only the wait after the checks; matching's own time is the
        # sum of its split, which is what has to scale.
        own = [
            statistics.median(sum(r["match"].values()) for r in results[str(n)]["runs"])
            for n in sizes
        ]
        if own[0] > 0.05:
            ratio = own[1] / own[0]
            flag = "  over" if ratio > TARGET_RATIO else ""
            print(f"  {'matching':10s} {own[0]:7.2f} -> {own[1]:7.2f}  x{ratio:.2f}{flag}"
                  "  (its own time, beside the checks)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
