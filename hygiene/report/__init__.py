"""Writers of the audit's outputs: audit.json, summary.md (and the terminal summary)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..audit import Audit

Writer = Callable[["Audit", Path], Path]


def writers() -> dict[str, Writer]:
    """Format -> writer. Imported lazily: a JSON-only run never loads openpyxl or Jinja2."""
    from .jsonout import write_json
    from .markdown import write_markdown

    return {"json": write_json, "md": write_markdown}
