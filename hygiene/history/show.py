"""`hygiene history`: past audits as a table (rich) or as JSON (`hygiene.history/1`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from .snapshot import Snapshot

SCHEMA = "hygiene.history/1"


def run_dict(snap: Snapshot) -> dict[str, Any]:
    """One run as `hygiene history --json` lists it."""
    return {
        "run": snap.run_id,
        "generated_at": snap.generated_at,
        "sources": [{"name": n, "platform": p, "records": r} for n, (p, r) in snap.sources.items()],
        "inputs": [
            {"source": f.source, "path": f.path, "size": f.size, "sha256": f.sha256}
            for f in snap.inputs
        ],
        "score": {
            "overall": snap.overall,
            "grade": snap.grade,
            "dimensions": dict(snap.dimensions),
            "workflows": {
                w: {
                    "score": s,
                    "ready": r,
                    "ready_at": snap.ready_at.get(w),
                    "status": snap.status.get(w),
                }
                for w, (s, r) in snap.workflows.items()
            },
        },
        # The workflows this run scored: a run is compared only with runs of the same ones.
        "workflows": sorted(snap.workflows),
        "gate": None
        if snap.gate is None
        else {"threshold": snap.gate[0], "passed": snap.gate[1]},
        "records": snap.records,
        "findings": snap.findings,
        "duplicate_clusters": snap.duplicates,
        "counts": [
            {"code": c, "severity": s, "findings": n} for (c, s), n in sorted(snap.counts.items())
        ],
        # Against the previous audit of the same data and workflows; null when there is none.
        "previous_run": snap.previous_id,
        "change": {
            "overall": snap.overall_change,
            "new_findings": snap.new_findings,
            "fixed_findings": snap.fixed_findings,
        },
        "tool_version": snap.tool_version,
    }


def history_dict(runs: Sequence[Snapshot]) -> dict[str, Any]:
    """The whole `hygiene history --json` document, oldest run first."""
    return {"schema": SCHEMA, "runs": [run_dict(r) for r in runs]}


def _signed(value: float | None) -> str:
    if value is None:
        return ""
    colour = "green" if value > 0 else "red" if value < 0 else "dim"
    return f"[{colour}]{value:+.1f}[/]"


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _spans(ids: Sequence[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    out: list[str] = []
    for i in ids:
        if out and out[-1].split("-")[-1] == str(i - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{i}"
        else:
            out.append(str(i))
    return ", ".join(out)


def workflow_lines(runs: Sequence[Snapshot]) -> list[str]:
    """Which workflows each run scored, one line per set of workflows: a run's trend is
    against the last run of the same data and the same workflows."""
    sets: dict[tuple[str, ...], list[Snapshot]] = {}
    for snap in runs:
        sets.setdefault(tuple(sorted(snap.workflows)), []).append(snap)
    lines = []
    for names, group in sets.items():
        ids = [int(r.run_id or 0) for r in group]
        last = group[-1]
        ready = sum(r for _, r in last.workflows.values())
        lines.append(
            f"run{'s' if len(ids) > 1 else ''} {_spans(ids)}: {', '.join(names) or 'none'} "
            f"({ready} of {len(names)} ready in run {ids[-1]})"
        )
    return lines


def history_table(runs: Sequence[Snapshot]) -> Table:
    """Runs oldest first: when, which sources and workflows, findings new and fixed, score
    and its change."""
    # Fits 80 columns: numbers never wrap or get cut, the source names wrap instead.
    table = Table(title="Audit history", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("run", justify="right", no_wrap=True)
    table.add_column("audited (UTC)", no_wrap=True)
    table.add_column("sources", min_width=8)
    for col in ("records", "findings", "new", "fixed", "score", "change"):
        table.add_column(col, justify="right", no_wrap=True)
    for snap in runs:
        table.add_row(
            str(snap.run_id),
            snap.generated_at.replace("T", " ")[:16],
            escape(", ".join(snap.sources)),
            f"{snap.records:,}",
            f"{snap.findings:,}",
            _count(snap.new_findings),
            _count(snap.fixed_findings),
            f"{snap.overall:.1f} {snap.grade}",
            _signed(snap.overall_change),
        )
    return table
