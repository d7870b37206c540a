"""Writers of the audit's outputs: report.html, audit.json, review.xlsx, summary.md.

Each writer takes the audit, the path to write and the `ReportOptions` (redaction, caps).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .options import ReportOptions

if TYPE_CHECKING:
    from ..audit import Audit

Writer = Callable[["Audit", Path, ReportOptions], Path]

__all__ = ["ReportOptions", "Writer", "writers"]


def _html(audit: Audit, path: Path, options: ReportOptions) -> Path:
    from .html import write_html

    return write_html(audit, path, options)


def _json(audit: Audit, path: Path, options: ReportOptions) -> Path:
    from .jsonout import write_json

    return write_json(audit, path, options)


def _xlsx(audit: Audit, path: Path, options: ReportOptions) -> Path:
    from .xlsx import write_xlsx

    return write_xlsx(audit, path, options)


def _md(audit: Audit, path: Path, options: ReportOptions) -> Path:
    from .markdown import write_markdown

    return write_markdown(audit, path, options)


def writers() -> dict[str, Writer]:
    """Format -> writer. Each imports its module when called: a JSON-only run never loads
    openpyxl or Jinja2."""
    return {"html": _html, "json": _json, "xlsx": _xlsx, "md": _md}
