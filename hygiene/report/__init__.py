"""Writers of the audit's outputs: report.html, audit.json, review.xlsx, summary.md.

Each writer takes the audit, the path to write and the `ReportOptions` (redaction, caps).
`save`, `to_html`, `notebook_html` and `audit_dict` are what `Audit`'s methods of the same
purpose call: the reports read the result, never the pipeline that made it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..fileio import refuse_inputs
from ..outputs import FAT_RECORD_BYTES, FORMATS
from ..progress import step
from ..runtime import map_writers
from .options import ReportOptions

if TYPE_CHECKING:
    from ..results import Audit

Writer = Callable[["Audit", Path, ReportOptions], Path]

__all__ = ["ReportOptions", "Writer", "audit_dict", "notebook_html", "save", "to_html", "writers"]


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


def save(
    audit: Audit,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str],
    *,
    redact: bool = False,
) -> dict[str, Path]:
    """`Audit.save`: the asked formats written into `out_dir`; format -> path."""
    out = Path(out_dir)
    available = writers()
    options = ReportOptions(redact=redact)
    chosen = list(dict.fromkeys(formats))
    for fmt in chosen:
        if fmt not in available:
            raise ConfigError(f"unknown format {fmt!r}; choose from {', '.join(available)}")
    inputs = [p for s in audit.sources for p in s.paths]
    refuse_inputs([out / FORMATS[f] for f in chosen], inputs)
    step(f"Writing {', '.join(chosen)}")

    def write(fmt: str) -> Path:
        return available[fmt](audit, out / FORMATS[fmt], options)

    # Formats side by side: each writer reads the audit only, and the heavy parts
    # (pyarrow for audit.json and the workbook's rows, zlib for the workbook) release
    # the GIL. Records of more than `FAT_RECORD_BYTES` each put big values in every
    # report: those are written in turn.
    side_by_side = audit.bytes_per_record() <= FAT_RECORD_BYTES
    written = map_writers(write, chosen, side_by_side=side_by_side)
    return dict(zip(chosen, written, strict=True))


def to_html(audit: Audit, *, redact: bool = False) -> str:
    """`Audit.to_html`: report.html as a string."""
    from .html import render_html

    return render_html(audit, ReportOptions(redact=redact))


def notebook_html(audit: Audit) -> str:
    """`Audit._repr_html_`: the compact summary Jupyter shows."""
    from .html import render_notebook

    return render_notebook(audit)


def audit_dict(audit: Audit) -> dict[str, Any]:
    """`Audit.to_dict`: audit.json as a dict."""
    from .jsonout import audit_dict as as_dict

    return as_dict(audit)
