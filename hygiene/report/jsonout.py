"""audit.json: the machine-readable audit (schema `hygiene.audit/1`, see CONTRACT.md)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..fileio import atomic_write
from ..model import FINDING_COLUMNS
from .options import ReportOptions

if TYPE_CHECKING:
    from ..audit import Audit

SCHEMA = "hygiene.audit/1"


def _clean(v: Any) -> Any:
    """A JSON-ready scalar; None for every flavour of missing."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    return v


def finding_records(findings: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Findings as audit.json objects: keys without a value are left out."""
    cols = [c for c in FINDING_COLUMNS if c in findings.columns]
    arrays = [findings[c].to_numpy(dtype=object) for c in cols]
    for values in zip(*arrays, strict=True):
        rec: dict[str, Any] = {}
        for k, v in zip(cols, values, strict=True):
            if k == "related":
                if isinstance(v, (list, tuple)) and v:
                    rec[k] = [
                        {a: _clean(b) for a, b in r.items() if _clean(b) is not None} for r in v
                    ]
                continue
            v = _clean(v)
            if v is not None:
                rec[k] = v
        yield rec


def audit_dict(audit: Audit) -> dict[str, Any]:
    """The whole audit.json document."""
    from .. import __version__

    findings = audit.findings
    counts = findings["code"].value_counts().sort_index()
    by_sev = findings["severity"].value_counts()
    return {
        "schema": SCHEMA,
        "generated_at": audit.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"name": "crm-hygiene", "version": __version__},
        "sources": [audit.source_record(s) for s in audit.sources],
        "score": audit.score.to_dict(),
        "findings": list(finding_records(findings)),
        "duplicates": audit.duplicates,
        "links": audit.link_summary(),
        "summary": {
            "rows": int(sum(s.rows for s in audit.sources)),
            "findings": {str(k): int(v) for k, v in counts.items()},
            "severities": {str(k): int(by_sev.get(k, 0)) for k in ("error", "warning", "info")},
            "records_with_errors": int(
                findings.loc[
                    (findings["severity"] == "error") & (findings["pos"] >= 0), ["source", "pos"]
                ]
                .drop_duplicates()
                .shape[0]
            ),
            "duplicate_clusters": len(audit.duplicates),
            "workflows": list(audit.score.workflows),
            "seconds": {k: round(v, 3) for k, v in audit.timings.items()},
        },
    }


def write_json(audit: Audit, path: Path, options: ReportOptions | None = None) -> Path:
    """Write audit.json. Never redacted: it is the machine interface (README, --redact)."""
    doc = audit_dict(audit)
    with atomic_write(path) as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1, default=str)
        fh.write("\n")
    return path
