"""The short summary `hygiene audit` prints: score, workflows, counts per code, where files went."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from ..words import counted

if TYPE_CHECKING:
    from ..audit import Audit

_SEV_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


def print_summary(
    audit: Audit, written: Mapping[str, Path], console: Console | None = None
) -> None:
    console = console or Console()
    s = audit.score
    rows = sum(x.rows for x in audit.sources)
    console.print(
        f"[bold]Readiness {s.overall:.1f}/100 (grade {s.grade})[/bold]  "
        f"{counted(rows, 'record')}, {counted(len(audit.findings), 'finding')}, "
        f"{counted(len(audit.duplicates), 'duplicate cluster')}"
    )
    if audit.trend is not None:
        from .markdown import trend_sentence

        console.print(trend_sentence(audit.trend), markup=False, soft_wrap=True)
    for src in audit.sources:
        mapped = len(src.columns)
        console.print(
            f"  {src.name}: {src.platform} ({src.platform_confidence:.0%}), {src.rows:,} rows, "
            f"{mapped} of {len(src.data.columns)} columns mapped"
        )
    if s.workflows:
        table = Table(title="Workflows", show_edge=False)
        table.add_column("workflow")
        table.add_column("score", justify="right")
        table.add_column("ready")
        table.add_column("top blocker")
        for w in s.workflows.values():
            table.add_row(
                w.title,
                f"{w.score:.1f}",
                "[green]yes[/]" if w.ready else "[red]no[/]",
                w.blockers[0] if w.blockers else "",
            )
        console.print(table)
    counts = audit.findings.groupby(["code", "severity"]).size().sort_values(ascending=False)
    if len(counts):
        table = Table(title="Findings", show_edge=False)
        table.add_column("code")
        table.add_column("severity")
        table.add_column("count", justify="right")
        for (code, sev), n in counts.items():
            table.add_row(str(code), f"[{_SEV_STYLE.get(str(sev), '')}]{sev}[/]", f"{n:,}")
        console.print(table)
    for fmt, path in written.items():
        # One line per file, never wrapped, so the path can be copied.
        console.print(f"  {fmt:5} {path}", soft_wrap=True, highlight=False)
