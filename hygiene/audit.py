"""The audit: load -> normalise -> checks (and matching, links) -> score, as one call.

`audit(...)` is the library's front door; the CLI's `hygiene audit` is a thin layer over it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from .checks.engine import run_checks
from .checks.registry import CheckOptions
from .checks.rules import Rule, load_rules
from .errors import ConfigError
from .load import SourceSpec, apply_overrides, load_sources, parse_source_args
from .model import Source, Trend
from .prepared import Prepared
from .resources import load_yaml, rules_dir
from .score import DuplicateSet, Score, compute
from .workflows import Workflow, load_workflows, required_by_kind, required_fields, select

#: Report formats `Audit.save` writes, and their file names (CONTRACT.md).
FORMATS = {"html": "report.html", "json": "audit.json", "xlsx": "review.xlsx", "md": "summary.md"}
DEFAULT_FORMATS = ("html", "json", "xlsx")


@cache
def platform_kind(platform: str) -> str:
    """ "crm" or "esp", as the platform preset says (generic exports count as CRM)."""
    path = rules_dir() / "platforms" / f"{platform}.yaml"
    if not path.is_file():
        return "crm"
    doc = load_yaml(path)
    kind = doc.get("kind", "crm") if isinstance(doc, dict) else "crm"
    return "esp" if kind == "esp" else "crm"


@dataclass
class Audit:
    """The result of an audit: sources, findings, duplicates, score, and ways to write them."""

    sources: list[Source]
    findings: pd.DataFrame
    score: Score
    workflows: list[Workflow]
    rules: list[Rule]
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    links: pd.DataFrame | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    timings: dict[str, float] = field(default_factory=dict)
    prepared: list[Prepared] = field(default_factory=list, repr=False)
    #: Change since the previous audit of the same sources; set when a history is kept.
    trend: Trend | None = None

    @property
    def kinds(self) -> dict[str, str]:
        return {s.name: platform_kind(s.platform) for s in self.sources}

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

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
        return {"pairs": int(len(self.links))}

    def counts(self) -> pd.Series:
        """Findings per code, most frequent first."""
        return self.findings["code"].value_counts()

    def to_dict(self) -> dict[str, Any]:
        from .report.jsonout import audit_dict

        return audit_dict(self)

    def to_json(self) -> str:
        import json

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
        summary.md (audit.json keeps the values: it is the machine interface).
        """
        from .report import ReportOptions, writers

        out = Path(out_dir)
        available = writers()
        options = ReportOptions(redact=redact)
        chosen = list(dict.fromkeys(formats))
        for fmt in chosen:
            if fmt not in available:
                raise ConfigError(f"unknown format {fmt!r}; choose from {', '.join(available)}")
        return {fmt: available[fmt](self, out / FORMATS[fmt], options) for fmt in chosen}

    def to_html(self, *, redact: bool = False) -> str:
        """report.html as a string: one self-contained page."""
        from .report import ReportOptions
        from .report.html import render_html

        return render_html(self, ReportOptions(redact=redact))

    def _repr_html_(self) -> str:
        """A compact summary for Jupyter: score, workflow cards, findings per code."""
        from .report.html import render_notebook

        return render_notebook(self)


def _as_specs(
    sources: Sequence[str | os.PathLike[str] | SourceSpec | Source],
) -> tuple[list[SourceSpec], list[Source]]:
    specs: list[SourceSpec] = []
    loaded: list[Source] = []
    strings: list[str] = []
    for s in sources:
        if isinstance(s, Source):
            loaded.append(s)
        elif isinstance(s, SourceSpec):
            specs.append(s)
        else:
            strings.append(os.fspath(s))
    if strings:
        specs.extend(parse_source_args(strings))
    return specs, loaded


def audit(
    *sources: str | os.PathLike[str] | SourceSpec | Source,
    workflows: Sequence[str] | None = None,
    platforms: Sequence[str] = (),
    maps: Sequence[str] = (),
    region: str | None = None,
    check_mx: bool = False,
    rule_packs: Sequence[str | Path] = (),
    disable: Sequence[str] = (),
    workflow_files: Sequence[str | Path] = (),
) -> Audit:
    """Audit contact exports and return the findings, duplicates and readiness score.

    `sources` are paths (`"crm=exports/hubspot.csv"`, or a bare path named after its file),
    `SourceSpec`s or already loaded `Source`s. `platforms` ("NAME=PLATFORM") and `maps`
    ("NAME:COLUMN=FIELD") override detection as on the command line.
    """
    if not sources:
        raise ConfigError("no sources given; pass at least one export, e.g. crm=contacts.csv")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    specs, loaded = _as_specs(sources)
    specs = apply_overrides(specs, platforms, maps)
    loaded = [*loaded, *load_sources(specs)]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise ConfigError(f"two sources share a name ({', '.join(names)}); name them NAME=PATH")
    timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    chosen = select(load_workflows(workflow_files), workflows)
    rules = load_rules(rule_packs, disable)
    kinds = {s.name: platform_kind(s.platform) for s in loaded}
    options = CheckOptions(
        region=region.upper() if region else None,
        check_mx=check_mx,
        required=required_fields(chosen),
        required_by_source={n: required_by_kind(chosen, k) for n, k in kinds.items()},
    )
    preps = [Prepared(s, options.region) for s in loaded]
    findings = run_checks(preps, rules, options)
    timings["checks"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    duplicates: list[dict[str, Any]] = []
    dup_sets: list[DuplicateSet] = []
    titles = {r.code: r.title for r in rules}
    score = compute(findings, loaded, chosen, kinds, dup_sets, titles)
    timings["score"] = time.perf_counter() - t0
    return Audit(
        sources=loaded,
        findings=findings,
        score=score,
        workflows=chosen,
        rules=rules,
        duplicates=duplicates,
        timings=timings,
        prepared=preps,
    )
