"""Decisions read back from review.xlsx (the report's workbook): the Decision columns of
its Findings sheet (accept fix / reject fix) and Duplicates sheet (merge / keep separate).

Rows are found in the current sources by source, file and row (the Finding ID's position
when it still points at that row), then named as `RecordRef`s so the decisions outlive this
export.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..decisions import Decisions, FixDecision, PairDecision, RecordRef, record_refs
from ..errors import InputError

if TYPE_CHECKING:
    from ..prepared import Prepared

ACCEPT, REJECT = "accept fix", "reject fix"
MERGE, SEPARATE = "merge", "keep separate"


def _table(rows: list[list[Any]], sheet: str, path: Path, needed: Sequence[str]) -> list[dict]:
    """Sheet rows as dicts by header; the needed headers must be there."""
    if not rows:
        return []
    header = [str(h).strip() for h in rows[0]]
    missing = [h for h in needed if h not in header]
    if missing:
        raise InputError(
            path,
            f"sheet {sheet!r} has no {', '.join(missing)} column",
            "pass the review.xlsx that `hygiene audit` wrote",
        )
    return [dict(zip(header, r, strict=False)) for r in rows[1:]]


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _int(v: object) -> int | None:
    try:
        return int(float(str(v)))
    except (TypeError, ValueError):
        return None


class _Locator:
    """Finds workbook rows in the current sources by (source, file, row)."""

    def __init__(self, preps: Sequence[Prepared]) -> None:
        self.preps = {p.source.name: p for p in preps}
        self._index: dict[str, dict[tuple[str, int], int]] = {}

    def position(self, source: str, file: str, row: int | None, hint: int | None) -> int | None:
        prep = self.preps.get(source)
        if prep is None or row is None:
            return None
        prov = prep.source.provenance
        if hint is not None and 0 <= hint < prep.rows:
            if str(prov["file"].iloc[hint]) == file and int(prov["row"].iloc[hint]) == row:
                return hint
        if source not in self._index:
            self._index[source] = {
                (str(f), int(r)): i
                for i, (f, r) in enumerate(
                    zip(prov["file"].tolist(), prov["row"].tolist(), strict=True)
                )
            }
        return self._index[source].get((file, row))

    def value(self, source: str, pos: int, field: str) -> str | None:
        raw = self.preps[source].raw(field)
        if raw is None or pd.isna(raw.iloc[pos]):
            return None
        return str(raw.iloc[pos]).strip() or None

    def ref(self, source: str, pos: int) -> RecordRef:
        return record_refs(self.preps[source], np.asarray([pos], dtype=np.int64))[0]


def read_review(
    path: str | os.PathLike[str], preps: Sequence[Prepared]
) -> tuple[Decisions, list[PairDecision]]:
    """The decisions a person made in review.xlsx: (new decisions, pairs to un-separate).

    An empty Decision changes nothing; "merge" on a cluster member undoes an earlier
    "keep separate" between the cluster's members.
    """
    from python_calamine import CalamineWorkbook

    p = Path(path)
    if not p.is_file():
        raise InputError(p, "file not found", "pass the review.xlsx that `hygiene audit` wrote")
    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise InputError(p, f"not a readable workbook ({exc})") from exc
    loc = _Locator(preps)
    decisions = Decisions()
    if "Findings" in wb.sheet_names:
        rows = wb.get_sheet_by_name("Findings").to_python()
        for rec in _table(rows, "Findings", p, ("Finding ID", "Decision")):
            verdict = _text(rec.get("Decision")).lower()
            if verdict not in (ACCEPT, REJECT):
                continue
            fid = _text(rec.get("Finding ID")).split("|")
            if len(fid) < 4:
                continue
            code, field, hint = fid[0], fid[-1], _int(fid[-2])
            source = _text(rec.get("Source")) or "|".join(fid[1:-2])
            pos = loc.position(source, _text(rec.get("File")), _int(rec.get("Row")), hint)
            if pos is None:
                continue
            ref = loc.ref(source, pos)
            field = field or _text(rec.get("Field"))
            # The value judged is the cell as it is now (a redacted workbook masks Value).
            value = loc.value(source, pos, field)
            fix = FixDecision(ref, code, field, value)
            (decisions.accepted_fixes if verdict == ACCEPT else decisions.rejected_fixes).append(
                fix
            )
    unpair: list[PairDecision] = []
    if "Duplicates" in wb.sheet_names:
        rows = wb.get_sheet_by_name("Duplicates").to_python()
        clusters: dict[str, list[tuple[RecordRef, str]]] = {}
        for rec in _table(rows, "Duplicates", p, ("Cluster", "Source", "File", "Row", "Decision")):
            source = _text(rec.get("Source"))
            pos = loc.position(source, _text(rec.get("File")), _int(rec.get("Row")), None)
            if pos is None:
                continue
            verdict = _text(rec.get("Decision")).lower()
            clusters.setdefault(_text(rec.get("Cluster")), []).append(
                (loc.ref(source, pos), verdict)
            )
        for members in clusters.values():
            for i, (a, va) in enumerate(members):
                for b, vb in members[i + 1 :]:
                    if SEPARATE in (va, vb):
                        decisions.keep_separate.append(PairDecision(a, b))
                    elif MERGE in (va, vb):
                        unpair.append(PairDecision(a, b))
    return decisions, unpair
