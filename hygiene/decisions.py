"""A person's review decisions, kept beside hygiene.toml in hygiene-decisions.json.

Records are named by source and the platform's record id, else the normalised email, else
file and row, so a decision survives the next export: the next audit does not pair again
two records a person judged different, and the next clean does not apply a fix a person
rejected. `resolve` turns the names back into row positions of the current sources.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError
from .fileio import atomic_write
from .outputs import DECISIONS_FILE

if TYPE_CHECKING:
    from .prepared import Prepared

SCHEMA = "hygiene.decisions/1"
#: The file's name (`hygiene.outputs.DECISIONS_FILE`).
FILE_NAME = DECISIONS_FILE


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RecordRef:
    """One record of one source, named so it can be found again in a later export."""

    source: str
    record_id: str | None = None
    email: str | None = None
    file: str | None = None
    row: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], where: str) -> RecordRef:
        if not isinstance(doc, Mapping) or not isinstance(doc.get("source"), str):
            raise ConfigError(f"{where}: a record needs at least a `source`")
        row = doc.get("row")
        return cls(
            source=str(doc["source"]),
            record_id=_opt(doc.get("record_id")),
            email=_opt(doc.get("email")),
            file=_opt(doc.get("file")),
            row=int(row) if isinstance(row, (int, float)) and not isinstance(row, bool) else None,
        )

    @property
    def identity(self) -> tuple[str, str, str]:
        """What names the record: its id, else its email, else file and row."""
        if self.record_id:
            return (self.source, "id", self.record_id)
        if self.email:
            return (self.source, "email", f"{self.email}|{self.file}|{self.row}")
        return (self.source, "row", f"{self.file}|{self.row}")


def _opt(v: object) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


@dataclass(frozen=True)
class FixDecision:
    """A finding's fix accepted or rejected on one record; `value` is the value judged."""

    record: RecordRef
    code: str
    field: str
    value: str | None = None
    decided_at: str = ""

    @property
    def identity(self) -> tuple[object, ...]:
        return (self.record.identity, self.code, self.field)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record.to_dict(), "code": self.code}
        out["field"] = self.field
        if self.value is not None:
            out["value"] = self.value
        out["decided_at"] = self.decided_at
        return out


@dataclass(frozen=True)
class PairDecision:
    """Two records a person judged to be different people."""

    a: RecordRef
    b: RecordRef
    decided_at: str = ""

    @property
    def identity(self) -> frozenset[tuple[str, str, str]]:
        return frozenset((self.a.identity, self.b.identity))

    def to_dict(self) -> dict[str, Any]:
        return {"records": [self.a.to_dict(), self.b.to_dict()], "decided_at": self.decided_at}


@dataclass
class Decisions:
    """Everything decided so far (the decisions file's content)."""

    keep_separate: list[PairDecision] = field(default_factory=list)
    rejected_fixes: list[FixDecision] = field(default_factory=list)
    accepted_fixes: list[FixDecision] = field(default_factory=list)
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.keep_separate) + len(self.rejected_fixes) + len(self.accepted_fixes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "keep_separate": [p.to_dict() for p in self.keep_separate],
            "rejected_fixes": [f.to_dict() for f in self.rejected_fixes],
            "accepted_fixes": [f.to_dict() for f in self.accepted_fixes],
        }

    def merged_with(self, newer: Decisions, unpair: Iterable[PairDecision] = ()) -> Decisions:
        """These decisions updated by `newer` ones: a later verdict on the same record and
        finding replaces the earlier (accept after reject and back), `unpair` removes pairs
        a person has since said to merge."""
        drop = {p.identity for p in unpair}
        pairs = {p.identity: p for p in self.keep_separate if p.identity not in drop}
        for p in newer.keep_separate:
            pairs[p.identity] = p
        verdicts: dict[tuple[object, ...], tuple[str, FixDecision]] = {}
        for kind, items in (("reject", self.rejected_fixes), ("accept", self.accepted_fixes)):
            for f in items:
                verdicts[f.identity] = (kind, f)
        for kind, items in (("reject", newer.rejected_fixes), ("accept", newer.accepted_fixes)):
            for f in items:
                verdicts[f.identity] = (kind, f)
        return Decisions(
            keep_separate=list(pairs.values()),
            rejected_fixes=[f for k, f in verdicts.values() if k == "reject"],
            accepted_fixes=[f for k, f in verdicts.values() if k == "accept"],
            path=self.path,
        )

    def exclude_pairs(self, preps: Sequence[Prepared]) -> list[tuple[str, int, str, int]]:
        """keep-separate pairs as (source_a, pos_a, source_b, pos_b) for the matcher."""
        refs = [r for p in self.keep_separate for r in (p.a, p.b)]
        where = resolve(refs, preps)
        out: list[tuple[str, int, str, int]] = []
        for p in self.keep_separate:
            for pa in where.get(p.a, ()):
                for pb in where.get(p.b, ()):
                    if (p.a.source, pa) != (p.b.source, pb):
                        out.append((p.a.source, pa, p.b.source, pb))
        return out


def load_decisions(path: str | os.PathLike[str]) -> Decisions:
    """Read a decisions file; a missing file is an empty set of decisions."""
    p = Path(path)
    if not p.is_file():
        return Decisions(path=p)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{p}: not a readable decisions file ({exc}); fix or delete it") from exc
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ConfigError(f"{p}: not a decisions file (schema {SCHEMA!r} expected)")
    where = str(p)

    def fixes(key: str) -> list[FixDecision]:
        out = []
        for item in doc.get(key) or ():
            if not isinstance(item, dict) or not item.get("code") or not item.get("field"):
                raise ConfigError(f"{where}: {key}: each entry needs record, code and field")
            out.append(
                FixDecision(
                    record=RecordRef.from_dict(item.get("record") or {}, where),
                    code=str(item["code"]),
                    field=str(item["field"]),
                    value=_opt(item.get("value")),
                    decided_at=str(item.get("decided_at", "")),
                )
            )
        return out

    pairs = []
    for item in doc.get("keep_separate") or ():
        records = item.get("records") if isinstance(item, dict) else None
        if not isinstance(records, list) or len(records) != 2:
            raise ConfigError(f"{where}: keep_separate: each entry needs two records")
        a, b = (RecordRef.from_dict(r, where) for r in records)
        pairs.append(PairDecision(a, b, str(item.get("decided_at", ""))))
    return Decisions(pairs, fixes("rejected_fixes"), fixes("accepted_fixes"), path=p)


def save_decisions(decisions: Decisions, path: str | os.PathLike[str]) -> Path:
    """Write the decisions file atomically (owner-readable: it names contacts)."""
    p = Path(path)
    with atomic_write(p) as fh:
        json.dump(decisions.to_dict(), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return p


def stamp(decisions: Decisions, when: str | None = None) -> Decisions:
    """The same decisions with every undated entry dated `when` (default: now)."""
    t = when or _now()
    return Decisions(
        [p if p.decided_at else replace(p, decided_at=t) for p in decisions.keep_separate],
        [f if f.decided_at else replace(f, decided_at=t) for f in decisions.rejected_fixes],
        [f if f.decided_at else replace(f, decided_at=t) for f in decisions.accepted_fixes],
        path=decisions.path,
    )


def record_refs(prep: Prepared, positions: np.ndarray) -> list[RecordRef]:
    """RecordRefs of rows `positions` of one source (id, normalised email, file, row)."""
    src = prep.source
    ids = src.record_ids().iloc[positions]
    parts = prep.email()
    emails = parts["email"].iloc[positions] if parts is not None else None
    files = src.provenance["file"].iloc[positions]
    rows = src.provenance["row"].iloc[positions]
    out = []
    for i in range(len(positions)):
        out.append(
            RecordRef(
                source=src.name,
                record_id=_opt(ids.iloc[i]) if pd.notna(ids.iloc[i]) else None,
                email=(
                    _opt(emails.iloc[i])
                    if emails is not None and pd.notna(emails.iloc[i])
                    else None
                ),
                file=str(files.iloc[i]),
                row=int(rows.iloc[i]),
            )
        )
    return out


def resolve(refs: Iterable[RecordRef], preps: Sequence[Prepared]) -> dict[RecordRef, list[int]]:
    """Row positions of each record in the current sources: by record id (every row of that
    id), else by normalised email when one row has it, else by file and row. Records not
    found (deleted since) are left out."""
    by_source: dict[str, list[RecordRef]] = {}
    for r in refs:
        by_source.setdefault(r.source, []).append(r)
    out: dict[RecordRef, list[int]] = {}
    for prep in preps:
        wanted = by_source.get(prep.source.name)
        if not wanted:
            continue
        out.update(_resolve_source(prep, wanted))
    return out


def _positions_of(values: pd.Series, wanted: set[str]) -> dict[str, list[int]]:
    """value -> positions, only for the wanted values (one vectorised isin over the column)."""
    if not wanted:
        return {}
    hit = np.flatnonzero(values.isin(list(wanted)).to_numpy(dtype=bool, na_value=False))
    found: dict[str, list[int]] = {}
    for pos, v in zip(hit.tolist(), values.iloc[hit].tolist(), strict=True):
        found.setdefault(str(v), []).append(pos)
    return found


def _resolve_source(prep: Prepared, wanted: list[RecordRef]) -> dict[RecordRef, list[int]]:
    src = prep.source
    ids = src.record_ids().astype("str").str.strip()
    by_id = _positions_of(ids, {r.record_id for r in wanted if r.record_id})
    parts = prep.email()
    by_email = (
        _positions_of(parts["email"], {r.email for r in wanted if r.email})
        if parts is not None
        else {}
    )
    prov = pd.DataFrame(
        {
            "file": src.provenance["file"].astype(str).to_numpy(dtype=object),
            "row": src.provenance["row"].to_numpy(dtype=np.int64),
        }
    )
    keyed = {(r.file, r.row) for r in wanted if r.file is not None and r.row is not None}
    by_row: dict[tuple[str | None, int | None], int] = {}
    if keyed:
        files = {f for f, _ in keyed}
        sel = np.flatnonzero(prov["file"].isin(files).to_numpy())
        for pos, f, r in zip(
            sel.tolist(), prov["file"].iloc[sel], prov["row"].iloc[sel], strict=True
        ):
            if (f, int(r)) in keyed:
                by_row[(f, int(r))] = pos
    out: dict[RecordRef, list[int]] = {}
    for r in wanted:
        at_row = by_row.get((r.file, r.row))
        if r.record_id and r.record_id in by_id:
            out[r] = by_id[r.record_id]
        elif r.record_id:
            continue  # the id is gone: the record was deleted or merged since
        elif r.email and len(by_email.get(r.email, ())) == 1:
            out[r] = by_email[r.email]
        elif r.email and at_row is not None and at_row in by_email.get(r.email, ()):
            out[r] = [at_row]
        elif not r.email and at_row is not None:
            out[r] = [at_row]
    return out
