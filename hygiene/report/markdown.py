"""summary.md: the audit in a few lines for a ticket or a pull request."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..fileio import atomic_write

if TYPE_CHECKING:
    from ..audit import Audit


def _cell(text: object) -> str:
    """Markdown table cell: pipes and newlines would break the table."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def render_markdown(audit: Audit, top: int = 10) -> str:
    s = audit.score
    rows = sum(x.rows for x in audit.sources)
    lines = [
        f"# Contact data audit: {s.overall:.1f}/100 (grade {s.grade})",
        "",
        f"{rows:,} records in {len(audit.sources)} source(s): "
        + ", ".join(f"{x.name} ({x.platform}, {x.rows:,})" for x in audit.sources)
        + f". {len(audit.findings):,} findings, {len(audit.duplicates):,} duplicate clusters.",
        "",
        "| Dimension | Score |",
        "|---|---:|",
    ]
    lines += [f"| {d} | {v:.1f} |" for d, v in s.dimensions.items()]
    if s.workflows:
        lines += ["", "| Workflow | Score | Ready | Top blocker |", "|---|---:|:---:|---|"]
        for w in s.workflows.values():
            blocker = w.blockers[0] if w.blockers else ""
            mark = "yes" if w.ready else "**no**"
            lines.append(f"| {_cell(w.title)} | {w.score:.1f} | {mark} | {_cell(blocker)} |")
    counts = audit.counts().head(top)
    if len(counts):
        titles = {r.code: r.title for r in audit.rules}
        lines += ["", "| Finding | Code | Count |", "|---|---|---:|"]
        lines += [f"| {_cell(titles.get(c, c))} | `{c}` | {n:,} |" for c, n in counts.items()]
    lines.append("")
    return "\n".join(lines)


def write_markdown(audit: Audit, path: Path) -> Path:
    with atomic_write(path) as fh:
        fh.write(render_markdown(audit))
    return path
