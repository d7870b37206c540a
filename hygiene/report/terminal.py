"""The short summary `hygiene audit` prints: score, workflows, counts per code, where files went."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..readiness import NEEDS_SOURCE
from ..words import counted
from .build import headline
from .markdown import trend_sentence

if TYPE_CHECKING:
    from ..results import Audit

_SEV_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


class PipeConsole(Console):
    """A console whose reader may go away (`hygiene audit ... | head`): the rest of the
    summary is dropped and the run goes on, so the gate, not the pipe, sets the exit code
    (rich's own handler exits 1, the gate's code)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def print_summary(
    audit: Audit, written: Mapping[str, Path], console: Console | None = None
) -> None:
    console = console or PipeConsole()
    s = audit.score
    rows = sum(x.rows for x in audit.sources)
    # Readiness leads: a good data score beside "no workflow is ready" must not read as a go.
    console.print(f"[bold]{escape(headline(audit))}[/bold]", soft_wrap=True)
    console.print(
        f"{counted(rows, 'record')}, {counted(len(audit.findings), 'finding')}, "
        f"{counted(len(audit.duplicates), 'duplicate cluster')}"
    )
    if audit.decisions is not None and audit.decisions.path is not None:
        n = audit.decisions_applied
        console.print(
            f"Review decisions: {n:,} record pair{'' if n == 1 else 's'} kept apart, from "
            f"{audit.decisions.path} ({counted(len(audit.decisions), 'decision')} in the file; "
            "--no-decisions reads none)",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
    if audit.trend is not None:
        console.print(trend_sentence(audit.trend), markup=False, soft_wrap=True)
    for src in audit.sources:
        mapped = len(src.columns)
        console.print(
            f"  {src.name}: {platform_label(src.platform, src.platform_confidence)}, "
            f"{counted(src.rows, 'row')}, "
            f"{mapped} of {counted(len(src.data.columns), 'column')} mapped"
        )
    if s.workflows:
        table = Table(title="Workflows", show_edge=False)
        table.add_column("workflow")
        table.add_column("score", justify="right")
        table.add_column("line", justify="right")
        table.add_column("ready")
        table.add_column("top blocker")
        for w in s.workflows.values():
            if w.status == NEEDS_SOURCE:
                state = f"[dim]needs a {' and '.join(w.needs)} export[/]"
            else:
                state = "[green]yes[/]" if w.ready else "[red]no[/]"
            table.add_row(
                escape(w.title),
                f"{w.score:.1f}",
                f"{w.ready_at:g}",
                state,
                escape(w.details[0].short()) if w.details and w.status != NEEDS_SOURCE else "",
            )
        console.print(table)
        for w in s.workflows.values():
            # Above the line and still not ready: the table alone would read as a contradiction.
            if not w.ready and w.status != NEEDS_SOURCE and w.score >= w.ready_at:
                console.print(f"  {w.title}: {w.reason}", markup=False, soft_wrap=True)
    if s.gate is not None and s.gate.passed:  # a failed gate says so on stderr
        console.print(s.gate.describe(), markup=False, soft_wrap=True, highlight=False)
    counts = audit.findings.groupby(["code", "severity"]).size().sort_values(ascending=False)
    if len(counts):
        table = Table(title="Findings", show_edge=False)
        table.add_column("code")
        table.add_column("severity")
        table.add_column("count", justify="right")
        # grouped by two keys: each label is a (code, severity) pair
        pairs = cast("Iterable[tuple[tuple[object, object], int]]", counts.items())
        for (code, sev), n in pairs:
            table.add_row(str(code), f"[{_SEV_STYLE.get(str(sev), '')}]{sev}[/]", f"{n:,}")
        console.print(table)
    for fmt, path in written.items():
        # One line per file, never wrapped, so the path can be copied.
        console.print(f"  {fmt:5} {path}", soft_wrap=True, highlight=False)


def platform_label(platform: str, confidence: float) -> str:
    """"hubspot (97%)": the detected platform and how sure the detection is. A generic
    export is no detection (its confidence is how unlike every known export the headers
    are), so it gets no percentage that would read as certainty."""
    if platform == "generic":
        return "generic (no known platform's export)"
    return f"{platform} ({confidence:.0%})"
