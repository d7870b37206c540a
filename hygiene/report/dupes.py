"""Duplicate clusters for the reports: members as row positions, and their values side by side.

Clusters arrive in audit.json form (members named by source, file and row) or straight from
the matcher (positions in `source.data`); both become `ClusterRef`s, whose members are
positions, so the reports can read each member's values from its source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..model import Source
from ..normalize.dates import parse_dates
from .context import ClusterField, ClusterMember, ClusterView
from .giveup import LOST, cell_states, field_strategies, is_dated, strategy_note
from .redact import mask_series

if TYPE_CHECKING:
    from ..match import Cluster
    from ..results import Audit

#: Canonical fields shown side by side, in this order (those no member fills are left out).
SIDE_BY_SIDE = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "mobile_phone",
    "company",
    "job_title",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "owner",
    "lifecycle_stage",
    "lead_status",
    "email_status",
    "created_at",
    "updated_at",
    "last_activity_at",
)

#: The canonical values review.xlsx's Duplicates sheet lists per member (CONTRACT: phase 2).
SHEET_FIELDS = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email": "email",
    "Phone": "phone",
    "Company": "company",
}


@dataclass(frozen=True)
class ClusterRef:
    """A duplicate cluster with its members as (source name, position in source.data)."""

    id: int
    confidence: float
    members: tuple[tuple[str, int], ...]
    survivor: tuple[str, int] | None
    evidence: tuple[str, ...] = ()
    reason: str = ""
    """The survivorship rule that chose the survivor, in words ("" when not recorded)."""


def refs_from_match(clusters: Iterable[Cluster]) -> list[ClusterRef]:
    """Clusters as the matcher returns them."""
    return [
        ClusterRef(
            id=int(c.id),
            confidence=float(c.confidence),
            members=tuple((c.source, int(p)) for p in c.members),
            survivor=(c.source, int(c.survivor)),
            evidence=tuple(c.evidence),
            reason=str(c.survivor_reason or ""),
        )
        for c in clusters
    ]


def refs_from_records(
    records: Sequence[Mapping[str, Any]], sources: Sequence[Source]
) -> list[ClusterRef]:
    """Clusters in audit.json form; members are found by source, file and row."""
    if not records:
        return []
    flat = pd.DataFrame(
        [
            {
                "cluster": i,
                "source": str(m.get("source")),
                "file": str(m.get("file")),
                "row": int(m.get("row") or 0),
            }
            for i, rec in enumerate(records)
            for m in rec.get("members", ())
        ]
    )
    positions = np.full(len(flat), -1, dtype=np.int64)
    for s in sources:
        sel = (flat["source"] == s.name).to_numpy()
        if not sel.any():
            continue
        prov = pd.DataFrame(
            {
                "file": s.provenance["file"].astype(str).to_numpy(dtype=object),
                "row": s.provenance["row"].to_numpy(dtype=np.int64),
                "pos": np.arange(s.rows, dtype=np.int64),
            }
        )
        wanted = flat.loc[sel, ["file", "row"]].astype({"file": object})
        found = wanted.merge(prov, on=["file", "row"], how="left")["pos"]
        positions[sel] = found.fillna(-1).to_numpy(dtype=np.int64)
    flat["pos"] = positions
    located = flat[flat["pos"] >= 0]
    # One pass over the members, not a scan of them per cluster (quadratic at 50k clusters).
    by_cluster = located.groupby("cluster", sort=False).indices
    src_of = located["source"].tolist()
    pos_of = located["pos"].astype(int).tolist()
    row_of = located["row"].astype(int).tolist()
    out = []
    for i, rec in enumerate(records):
        at = by_cluster.get(i, ())
        members = tuple((src_of[k], pos_of[k]) for k in at)
        member_rows = [row_of[k] for k in at]
        surv = rec.get("survivor") or {}
        survivor = next(
            (
                (src, pos)
                for (src, pos), row in zip(members, member_rows, strict=True)
                if src == surv.get("source") and row == surv.get("row")
            ),
            members[0] if members else None,
        )
        out.append(
            ClusterRef(
                id=int(rec.get("cluster", i + 1)),
                confidence=float(rec.get("confidence", 0.0)),
                members=members,
                survivor=survivor,
                evidence=tuple(str(e) for e in rec.get("evidence", ())),
                reason=str(surv.get("reason") or rec.get("survivor_reason") or ""),
            )
        )
    return out


def cluster_refs(audit: Audit) -> list[ClusterRef]:
    """The audit's duplicate clusters with member positions: the one place the reports get
    them: the matcher's clusters when the audit ran it, else `Audit.duplicates`
    (audit.json form, e.g. an Audit built by hand)."""
    if audit.match is not None:
        return refs_from_match(audit.match.clusters)
    return refs_from_records(audit.duplicates, audit.sources)


def _ordered(ref: ClusterRef) -> list[tuple[str, int]]:
    """Members with the survivor first."""
    rest = [m for m in ref.members if m != ref.survivor]
    return ([ref.survivor] if ref.survivor in ref.members else []) + rest


def member_values(
    refs: Sequence[ClusterRef], sources: Sequence[Source], fields: Iterable[str], redact: bool
) -> pd.DataFrame:
    """One row per member (survivor first in each cluster): cluster, source, pos, file, row,
    record_id, survivor, then one column per canonical field ("" when empty or unmapped)."""
    fields = list(fields)
    base = pd.DataFrame(
        [
            {
                "cluster": ref.id,
                "confidence": ref.confidence,
                "source": src,
                "pos": pos,
                "survivor": (src, pos) == ref.survivor,
                "evidence": "; ".join(ref.evidence),
            }
            for ref in refs
            for src, pos in _ordered(ref)
        ],
        columns=["cluster", "confidence", "source", "pos", "survivor", "evidence"],
    )
    cols: dict[str, np.ndarray] = {
        k: np.full(len(base), "", dtype=object) for k in ["file", "row", "record_id", *fields]
    }
    for s in sources:
        sel = (base["source"] == s.name).to_numpy()
        if not sel.any():
            continue
        pos = base.loc[sel, "pos"].to_numpy(dtype=np.int64)
        cols["file"][sel] = s.provenance["file"].to_numpy(dtype=object)[pos]
        cols["row"][sel] = s.provenance["row"].to_numpy(dtype=np.int64)[pos].astype(str)
        cols["record_id"][sel] = _text(s.record_ids().iloc[pos])
        for f in fields:
            values = s.field(f)
            if values is None:
                continue
            picked = values.iloc[pos].reset_index(drop=True)
            if redact:
                picked = mask_series(picked, f)
            cols[f][sel] = _text(picked)
    return base.assign(**cols)


def _text(values: pd.Series) -> np.ndarray:
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)


#: Clusters shown open at the head of the list: this many least certain, and as many most.
FEATURED_EACH = 3


def display_order(refs: Sequence[ClusterRef], limit: int) -> tuple[list[ClusterRef], list[str]]:
    """Up to `limit` clusters in the order the page shows them, with the label of each: the
    least certain (worth a person's look) and the most certain (what a merge will mostly
    be) first, then the others, least certain first. Ties go by cluster number."""
    asc = sorted(refs, key=lambda r: (r.confidence, r.id))
    n = len(asc)
    if n <= 1 or asc[0].confidence == asc[-1].confidence:
        # All as certain as each other: none is "least" or "most"; in cluster order.
        return sorted(asc, key=lambda r: r.id)[:limit], [""] * min(n, limit)
    strong_n = min(FEATURED_EACH, n // 2)
    least = asc[: min(FEATURED_EACH, n - strong_n)]
    strong = sorted(asc[n - strong_n :], key=lambda r: (-r.confidence, r.id))
    rest = asc[len(least) : n - strong_n]
    ordered = [*least, *strong, *rest][:limit]
    labels = ["least certain"] * len(least) + ["most certain"] * len(strong)
    labels += [""] * (len(ordered) - len(labels))
    return ordered, labels[: len(ordered)]


def _bounds(cluster: np.ndarray) -> dict[int, tuple[int, int]]:
    """Cluster id -> (first, end) row of its members in a frame listed cluster by cluster."""
    bounds = [0, *(np.flatnonzero(cluster[1:] != cluster[:-1]) + 1).tolist(), len(cluster)]
    return {
        int(cluster[lo]): (lo, hi)
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
        if hi > lo
    }


def cluster_views(
    refs: Sequence[ClusterRef], sources: Sequence[Source], redact: bool, limit: int
) -> tuple[list[ClusterView], int]:
    """Up to `limit` clusters as tables of fields x members (in `display_order`), with what
    each member would give up; and how many at the head are featured (shown open)."""
    shown, labels = display_order(refs, limit)
    raw = member_values(shown, sources, SIDE_BY_SIDE, redact=False)
    frame = member_values(shown, sources, SIDE_BY_SIDE, redact) if redact else raw
    # Members are listed cluster after cluster: slice plain lists, not filter the frame per
    # cluster (a scan and a frame per cluster is slow at a million rows).
    at = _bounds(frame["cluster"].to_numpy())
    cols = {
        c: frame[c].tolist()
        for c in ("source", "file", "row", "record_id", "survivor", *SIDE_BY_SIDE)
    }
    # States come from the real values: two different addresses may mask alike.
    raw_cols = {f: raw[f].tolist() for f in SIDE_BY_SIDE}
    strategies = field_strategies()
    dates = {
        f: parse_dates(pd.Series([str(v) for v in raw_cols[f]], dtype=object)).tolist()
        for f in SIDE_BY_SIDE
        if is_dated(strategies.get(f, "survivor"))
    }
    views = []
    for ref, label in zip(shown, labels, strict=True):
        lo, hi = at.get(ref.id, (0, 0))
        lost: list[list[str]] = [[] for _ in range(lo, hi)]
        fields = []
        for f in SIDE_BY_SIDE:
            values = [str(v) for v in cols[f][lo:hi]]
            if not any(values):
                continue
            strategy = strategies.get(f, "survivor")
            parsed = dates[f][lo:hi] if f in dates else None
            states = cell_states([str(v) for v in raw_cols[f][lo:hi]], strategy, parsed)
            name = f.replace("_", " ")
            for k, state in enumerate(states):
                if state == LOST:
                    lost[k].append(f"{name}: {values[k]}")
            distinct = {v.strip().casefold() for v in values}
            fields.append(
                ClusterField(
                    label=name,
                    differs=len(distinct) > 1,
                    values=values,
                    states=states,
                    note=strategy_note(strategy),
                )
            )
        members = [
            ClusterMember(
                source=str(cols["source"][i]),
                file=str(cols["file"][i]),
                row=str(cols["row"][i]),
                record_id=str(cols["record_id"][i]),
                survivor=bool(cols["survivor"][i]),
                gives_up=lost[i - lo],
            )
            for i in range(lo, hi)
        ]
        views.append(
            ClusterView(
                id=ref.id,
                confidence=round(ref.confidence, 3),
                evidence=list(ref.evidence),
                members=members,
                fields=fields,
                reason=ref.reason,
                highlight=label,
                gives_up=sum(len(x) for x in lost),
            )
        )
    # Clusters all equally certain have no labels: the first few are still shown open.
    return views, max(sum(1 for label in labels if label), min(len(views), 2 * FEATURED_EACH))
