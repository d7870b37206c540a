"""The result of an audit: the `Audit` the pipeline returns and the reports, clean and the
history read.

It sits below the pipeline (hygiene.audit) and above the steps whose results it holds; the
reports take it and never import the pipeline. Writing it (`save`, `to_html`, `to_dict`,
`_repr_html_`) is the report layer's work: those methods look that layer up when called
(`_report`), so importing a result never loads Jinja2 or openpyxl and no import runs upward.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from .checks.gx import batch_column
from .checks.rules import DERIVED_FIELDS, Rule
from .load import source_kinds
from .match import MatchResult
from .model import FIELDS, Source, Trend, observed_counts
from .outputs import DEFAULT_FORMATS, FORMATS
from .prepared import Prepared
from .score import Score
from .workflows import Workflow

if TYPE_CHECKING:
    from .config import Config
    from .decisions import Decisions

__all__ = ["DEFAULT_FORMATS", "FORMATS", "Audit"]


def _report() -> ModuleType:
    """hygiene.report, imported on first use. The reports read `Audit`, so the results
    module cannot import them: the writing methods below are conveniences for library users
    that hand the audit up to that layer at call time."""
    return importlib.import_module("hygiene.report")


@dataclass(repr=False)
class Audit:
    """The result of an audit: sources, findings, duplicates, score, and ways to write them."""

    sources: list[Source]
    findings: pd.DataFrame
    score: Score
    workflows: list[Workflow]
    rules: list[Rule]
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    links: pd.DataFrame | None = None
    #: Counts per link (pairs, rows linked on each side; references: values missing).
    link_stats: list[dict[str, Any]] = field(default_factory=list)
    #: Source kinds set by hygiene.toml or `--kind` ("crm", "esp", "reference").
    kind_overrides: dict[str, str] = field(default_factory=dict)
    #: The hygiene.toml the audit read (`config.folder` for files kept beside it), if any.
    config: Config | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    timings: dict[str, float] = field(default_factory=dict)
    prepared: list[Prepared] = field(default_factory=list, repr=False)
    #: The matcher's result: clusters (with row positions), cross-source links, scored pairs.
    match: MatchResult | None = field(default=None, repr=False)
    #: Change since the previous audit of the same sources; set when a history is kept.
    trend: Trend | None = None
    #: The review decisions the audit read (hygiene-decisions.json), if any.
    decisions: Decisions | None = field(default=None, repr=False)
    #: How many of them the audit applied: keep-separate pairs found in these sources.
    decisions_applied: int = 0

    @property
    def kinds(self) -> dict[str, str]:
        """Each source's kind (crm, esp, reference): as set, else its platform's."""
        return source_kinds({s.name: s.platform for s in self.sources}, self.kind_overrides)

    def __repr__(self) -> str:
        sources = ", ".join(f"{s.name}={s.platform}:{s.rows}" for s in self.sources)
        return (
            f"<Audit {sources} score={self.score.overall} grade={self.score.grade} "
            f"findings={len(self.findings)} duplicates={len(self.duplicates)}>"
        )

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def release_views(self) -> None:
        """Drop the normalised views that the reports and the history do not read (all but
        the emails); writing the reports hands the memory back (`save`). Any view is
        computed again if asked for (`normalized`, cleaning). `hygiene audit` calls it
        before writing."""
        for p in self.prepared:
            p.keep_only("email")

    def normalized(self, name: str) -> pd.DataFrame:
        """One source's canonical fields as the checks see them: trimmed, null-likes empty,
        email lower-cased and split into email_local / email_domain. The exported GX suite
        (`hygiene rules export --gx`) validates exactly this table."""
        prep = next(p for p in self.prepared if p.source.name == name)
        columns = {}
        for f in (*FIELDS, *DERIVED_FIELDS):
            col = batch_column(prep, f)
            if col is not None:
                columns[f] = col
        return pd.DataFrame(columns)

    def source_record(self, s: Source) -> dict[str, Any]:
        """A source as audit.json lists it."""
        return {
            "name": s.name,
            "platform": s.platform,
            "kind": self.kinds[s.name],
            "files": s.files,
            "rows": int(s.rows),
            "columns": dict(s.columns),
            "confidence": {c: round(float(v), 3) for c, v in s.confidence.items()},
            "platform_confidence": round(float(s.platform_confidence), 3),
            "unmapped": [c for c in s.data.columns if c not in s.columns],
        }

    def link_summary(self) -> dict[str, Any]:
        if self.links is None:
            return {"pairs": 0}
        return {"pairs": int(len(self.links)), "links": list(self.link_stats)}

    def counts(self) -> pd.Series:
        """Findings per code, most frequent first."""
        return observed_counts(self.findings["code"])

    def to_dict(self) -> dict[str, Any]:
        return _report().audit_dict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=str)

    def save(
        self,
        out_dir: str | os.PathLike[str],
        formats: Iterable[str] = DEFAULT_FORMATS,
        *,
        redact: bool = False,
    ) -> dict[str, Path]:
        """Write the asked formats into `out_dir`; returns format -> path.

        `redact` masks emails, phone numbers and names in report.html, review.xlsx and
        summary.md, and replaces them by redaction tokens in audit.json.
        """
        return _report().save(self, out_dir, formats, redact=redact)

    def bytes_per_record(self) -> float:
        """Bytes read per record over all sources (0 for sources built in memory)."""
        records = sum(s.rows for s in self.sources)
        return sum(s.bytes_read for s in self.sources) / max(records, 1)

    def to_html(self, *, redact: bool = False) -> str:
        """report.html as a string: one self-contained page."""
        return _report().to_html(self, redact=redact)

    def _repr_html_(self) -> str:
        """A compact summary for Jupyter: score, workflow cards, findings per code."""
        return _report().notebook_html(self)
