"""Duplicate clusters as audit.json lists them: members with file, row and record id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hygiene.arrays import distinct
from hygiene.model import Source

from ..arrays import objects
from .types import MatchResult


def clusters_to_records(result: MatchResult, sources: Sequence[Source]) -> list[dict[str, Any]]:
    """audit.json `duplicates` entries (CONTRACT.md): members with file, 1-based row, id.

    Provenance is looked up for all members of a source at once (one `iloc` per member
    is slow)."""
    by_name = {s.name: s for s in sources}
    rows_of: dict[str, dict[int, dict[str, Any]]] = {}
    for name in dict.fromkeys(c.source for c in result.clusters):
        src = by_name[name]
        pos = distinct(
            np.asarray(
                [p for c in result.clusters if c.source == name for p in (*c.members, c.survivor)],
                dtype=np.int64,
            )
        )
        # The members' rows first, then Python objects of those only (not of every row).
        prov = src.provenance.iloc[pos]
        files = prov["file"].to_numpy(dtype=object)
        rows = prov["row"].to_numpy(dtype=np.int64)
        ids = objects(src.record_ids().iloc[pos])
        sheets = (
            objects(prov["sheet"])
            if "sheet" in prov.columns
            else np.full(len(pos), None, dtype=object)
        )
        members: dict[int, dict[str, Any]] = {}
        for p, file, row, rec, sheet in zip(
            pos.tolist(), files, rows.tolist(), ids, sheets, strict=True
        ):
            member: dict[str, Any] = {
                "source": name,
                "file": str(file),
                "row": row,
                "record_id": None if pd.isna(rec) else str(rec),
            }
            if sheet is not None and not pd.isna(sheet):
                member["sheet"] = str(sheet)
            members[p] = member
        rows_of[name] = members
    out = []
    for c in result.clusters:
        members_of = rows_of[c.source]
        out.append(
            {
                "cluster": c.id,
                "confidence": round(c.confidence, 3),
                "members": [dict(members_of[p]) for p in c.members],
                # The member's file and id too: a row number alone is ambiguous in a
                # source joined from several files.
                "survivor": {
                    **members_of[c.survivor],
                    "reason": c.survivor_reason,
                    "rule": c.survivor_rule,
                },
                "evidence": list(c.evidence),
            }
        )
    return out
