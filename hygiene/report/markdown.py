"""summary.md: the audit in a few lines for a ticket or a pull request.

It carries scores, counts and plain-word blockers, never a contact's values, so it is the
same with or without --redact.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..fileio import atomic_write
from ..model import Trend
from ..readiness import NEEDS_SOURCE
from ..words import counted
from .build import fix_first, headline, verdict, when, workflow_cards
from .options import ReportOptions

if TYPE_CHECKING:
    from ..results import Audit


def _cell(text: object) -> str:
    """Markdown table cell: pipes and newlines would break the table."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def trend_sentence(trend: Trend) -> str:
    """One line: the score change and findings new and fixed since the previous audit."""
    return (
        f"Since the previous audit of these sources and workflows ({when(trend.previous_at)}, "
        f"{trend.previous_overall:.1f}): {trend.overall_delta:+.1f} points, "
        f"{counted(trend.new_findings, 'new finding')}, {trend.fixed_findings:,} fixed."
    )


def trend_lines(trend: Trend | None, top: int = 10) -> list[str]:
    """summary.md lines for the change since the previous audit (none for a first audit)."""
    if trend is None:
        return []
    lines = ["", trend_sentence(trend)]
    moved = {
        **{d: v for d, v in trend.dimension_deltas.items() if v},
        **{w: v for w, v in trend.workflow_deltas.items() if v},
    }
    if moved:
        lines += ["", "Changed: " + ", ".join(f"{k} {v:+.1f}" for k, v in moved.items()) + "."]
    codes = sorted(
        set(trend.new_by_code) | set(trend.fixed_by_code),
        key=lambda c: (-(trend.new_by_code.get(c, 0) + trend.fixed_by_code.get(c, 0)), c),
    )[:top]
    if codes:
        lines += ["", "| Code | New | Fixed |", "|---|---:|---:|"]
        lines += [
            f"| `{c}` | {trend.new_by_code.get(c, 0):,} | {trend.fixed_by_code.get(c, 0):,} |"
            for c in codes
        ]
    return lines


def render_markdown(audit: Audit, top: int = 10) -> str:
    s = audit.score
    rows = sum(x.rows for x in audit.sources)
    cards = workflow_cards(audit)
    first = fix_first(audit)
    lines = [
        f"# Contact data audit: {_cell(headline(audit))}",
        "",
        _cell(verdict(cards, first, s.overall)),
        "",
        f"{counted(rows, 'record')} in {counted(len(audit.sources), 'source')}: "
        + ", ".join(f"{x.name} ({x.platform}, {x.rows:,})" for x in audit.sources)
        + f". {counted(len(audit.findings), 'finding')}, "
        + f"{counted(len(audit.duplicates), 'duplicate cluster')}.",
        *trend_lines(audit.trend, top),
    ]
    if first:
        lines += ["", "## Fix first", ""]
        lines += [
            f"{i}. **{_cell(f.title)}**{f' (`{f.code}`)' if f.code else ''}: "
            f"{counted(f.records, 'record')}; blocks {_cell(', '.join(f.workflows))}"
            for i, f in enumerate(first, 1)
        ]
    lines += ["", "## Scores", "", "| Dimension | Score |", "|---|---:|"]
    lines += [
        f"| {d} | {v:.1f}{' (not measured)' if d in s.unmeasured else ''} |"
        for d, v in s.dimensions.items()
    ]
    lines += [f"\n{d.capitalize()} is not measured: {why}." for d, why in s.unmeasured.items()]
    if cards:
        lines += ["", "| Workflow | Score | Line | Ready | Top blocker |"]
        lines += ["|---|---:|---:|:---:|---|"]
        for c in cards:
            b = c.blockers[0] if c.blockers and c.status != NEEDS_SOURCE else None
            blocker = f"{b.records:,}: {b.text}" if b else ""
            blocker += " (zero tolerance)" if b and b.zero_tolerance else ""
            mark = "yes" if c.ready else "**no**"
            mark = c.status_label.lower() if c.status == NEEDS_SOURCE else mark
            lines.append(
                f"| {_cell(c.title)} | {c.score:.1f} | {c.ready_at:g} | {mark} | {_cell(blocker)} |"
            )
        # Over the line and still not ready: say why, or the table reads as a contradiction.
        lines += [
            f"\n**{_cell(c.title)}**: {_cell(c.reason)}"
            for c in cards
            if not c.ready and c.status != NEEDS_SOURCE and c.score >= c.ready_at
        ]
    counts = audit.counts().head(top)
    if len(counts):
        titles = {r.code: r.title for r in audit.rules}
        lines += ["", "| Finding | Code | Count |", "|---|---|---:|"]
        lines += [f"| {_cell(titles.get(str(c), str(c)))} | `{c}` | {n:,} |"
                  for c, n in counts.items()]
    lines.append("")
    return "\n".join(lines)


def write_markdown(audit: Audit, path: Path, options: ReportOptions | None = None) -> Path:
    """Write summary.md (no contact values in it, so --redact changes nothing)."""
    with atomic_write(path) as fh:
        fh.write(render_markdown(audit))
    return path
