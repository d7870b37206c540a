"""report.html: the context rendered through Jinja2 templates into one self-contained file.

Autoescape is on for every template and undefined names raise (StrictUndefined), so a value
from the data is always text and a typo in a template fails the tests. CSS and JS are inlined;
a Content-Security-Policy forbids every network request and lets only our own script run
(by its hash), so even a value that slipped through could not execute.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from ..fileio import atomic_write
from ..resources import reports_dir
from ..words import counted
from .build import build_context
from .context import Assets, ReportContext
from .dupes import ClusterRef
from .options import ReportOptions

if TYPE_CHECKING:
    from ..results import Audit


def num(value: float) -> str:
    """1234567 -> "1,234,567"."""
    return f"{int(round(value)):,}"


def pct(share: float) -> str:
    """0.0123 -> "1.2%"; small non-zero shares are not rounded down to 0."""
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{share:.1%}"


def ticks(text: str) -> Markup:
    """Rule text with `code` in backticks shown as code; every part escaped first."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as it is
        return Markup.escape(text)
    return Markup("").join(
        Markup("<code>{}</code>").format(p) if i % 2 else Markup.escape(p)
        for i, p in enumerate(parts)
    )


#: The most characters of one value the page shows: a 10 MB cell would otherwise make a
#: page of tens of MB. audit.json, review.xlsx and the cleaned files keep values whole.
SHOWN_MAX = 500


def cap(value: object) -> object:
    """A text value cut to `SHOWN_MAX` characters (with "…"); our own markup (Markup: the
    inlined CSS and JS) and everything else unchanged. The environment's `finalize`."""
    if type(value) is str and len(value) > SHOWN_MAX:
        return value[:SHOWN_MAX] + "…"
    return value


@cache
def environment(folder: Path | None = None) -> jinja2.Environment:
    """The templates' environment: autoescape everywhere, StrictUndefined, our filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder or reports_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
        finalize=cap,
    )
    env.filters["num"] = num
    env.filters["pct"] = pct
    env.filters["ticks"] = ticks
    env.filters["counted"] = counted  # {{ n|counted("record") }}: "1 record", "2 records"
    return env


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def assets() -> Assets:
    """The inlined CSS and JS (trusted files of ours, hence Markup) and the page's CSP."""
    static = reports_dir() / "static"
    css = (static / "report.css").read_text(encoding="utf-8")
    js = (static / "report.js").read_text(encoding="utf-8")
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {_csp_hash(js)}; base-uri 'none'; form-action 'none'"
    )
    return Assets(css=Markup(css), js=Markup(js), csp=csp)


def render_context(ctx: ReportContext, template: str = "report.html.j2") -> str:
    """A context rendered into a page (or a fragment, for another template)."""
    return environment().get_template(template).render(ctx=ctx, assets=assets())


def render_html(
    audit: Audit,
    options: ReportOptions | None = None,
    clusters: Sequence[ClusterRef] | None = None,
) -> str:
    """report.html for an audit, as a string."""
    return render_context(build_context(audit, options, clusters))


def write_html(audit: Audit, path: Path, options: ReportOptions | None = None) -> Path:
    """Write report.html (atomically, readable by its owner only)."""
    page = render_html(audit, options)
    with atomic_write(path) as fh:
        fh.write(page)
    return path


def render_notebook(audit: Audit, options: ReportOptions | None = None) -> str:
    """A compact fragment for Jupyter: score, workflow cards, top findings; styles scoped."""
    options = options or ReportOptions(max_findings=0, max_clusters=0)
    return render_context(build_context(audit, options), "notebook.html.j2")
