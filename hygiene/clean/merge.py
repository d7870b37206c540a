"""Merge planning: which records fold into which survivor, each field's value and why.

Per field the strategy comes from rules/survivorship.yaml (`fields:`): the survivor's value
(empty ones filled from the other members, in row order), the latest or earliest date, or
the opt-out of any member. Every value a member held that the survivor does not keep stays
in the plan, so a merge loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import normalize as nz
from ..errors import HygieneError
from ..links.state import consent_state
from ..match.survivor import choose_survivors, load_survivorship
from ..prepared import Prepared
from ..resources import load_yaml, rules_dir
from .targets import Target
from .values import ID_FIELDS, Column

if TYPE_CHECKING:
    from ..match import Cluster

STRATEGIES = ("survivor", "most_recent", "oldest", "opt_out")


@dataclass
class PlannedCluster:
    """A cluster after a person's keep-separate decisions: survivor first."""

    id: int
    source: str
    survivor: int
    merged: list[int]
    confidence: float
    evidence: list[str]
    reason: str


@dataclass
class MergeOutcome:
    """Clusters kept, the plan rows, and survivors that inherit an opt-out."""

    clusters: list[PlannedCluster] = field(default_factory=list)
    plan: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: (source, survivor position) -> the merged row whose opt-out it inherits.
    opted_out: dict[tuple[str, int], int] = field(default_factory=dict)


@cache
def field_strategies() -> dict[str, str]:
    """Canonical field -> strategy, from rules/survivorship.yaml's `fields:`."""
    doc: Any = load_yaml(rules_dir() / "survivorship.yaml") or {}
    out: dict[str, str] = {}
    for strategy, names in (doc.get("fields") or {}).items():
        if strategy in STRATEGIES:
            for n in names or ():
                out[str(n)] = str(strategy)
    return out


def apply_separations(
    clusters: Sequence[Cluster],
    separate: set[tuple[str, int, str, int]],
    preps: Mapping[str, Prepared],
) -> list[PlannedCluster]:
    """Clusters without the members a person said to keep separate: the member with most
    such pairs leaves first, until no pair is left; a cluster left with one record is gone,
    one that lost its survivor gets a new one by the survivorship rules."""
    out: list[PlannedCluster] = []
    surv_rules = None
    for c in clusters:
        members = list(c.members)
        survivor: int | None = c.survivor
        while len(members) > 1:
            counts = {
                m: sum(
                    (c.source, m, c.source, o) in separate or (c.source, o, c.source, m) in separate
                    for o in members
                    if o != m
                )
                for m in members
            }
            worst = max(members, key=lambda m: (counts[m], m != survivor, m))
            if counts[worst] == 0:
                break
            members.remove(worst)
        if len(members) < 2:
            continue
        reason = c.survivor_reason
        if survivor not in members:
            surv_rules = surv_rules or load_survivorship()
            frame = pd.DataFrame({"cluster": 1, "source": c.source, "pos": members})
            chosen = choose_survivors(frame, [preps[c.source].source], surv_rules)
            survivor = int(chosen["pos"].iloc[0])
            reason = str(chosen["reason"].iloc[0])
        assert survivor is not None
        out.append(
            PlannedCluster(
                id=int(c.id),
                source=c.source,
                survivor=survivor,
                merged=sorted(m for m in members if m != survivor),
                confidence=float(c.confidence),
                evidence=list(c.evidence),
                reason=reason,
            )
        )
    return out


def _members(clusters: Sequence[PlannedCluster]) -> pd.DataFrame:
    """cluster, pos, order (0 = survivor, then the others in row order)."""
    rows = [
        (i, pos, k) for i, c in enumerate(clusters) for k, pos in enumerate([c.survivor, *c.merged])
    ]
    return pd.DataFrame(rows, columns=["cluster", "pos", "order"])


def record_names(
    prep: Prepared, columns: Mapping[str, Column], positions: np.ndarray
) -> dict[int, str]:
    """What a merge plan calls rows `positions`: record id, else cleaned email, else file#row."""
    src = prep.source
    raw_ids = src.record_ids().iloc[positions].astype(object)
    ids = raw_ids.where(raw_ids.notna(), None).to_numpy(dtype=object)
    email_col = src.column_for("email")
    emails = (
        np.asarray(columns[email_col].value.take(pa.array(positions, pa.int64())).to_pylist(),
                   dtype=object)
        if email_col is not None
        else np.full(len(positions), None, dtype=object)
    )  # fmt: skip
    files = src.provenance["file"].to_numpy(dtype=object)[positions]
    rows = src.provenance["row"].to_numpy(dtype=np.int64)[positions]
    out = {}
    for p, i, e, f, r in zip(positions.tolist(), ids, emails, files, rows, strict=True):
        out[p] = str(i) if i is not None else (str(e) if e is not None else f"{f}#{r}")
    return out


def _choose(
    strategy: str, values: pd.Series, members: pd.DataFrame, opted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster: the member row (index into `members`) whose value wins, and why."""
    n_clusters = int(members["cluster"].max()) + 1
    cluster = members["cluster"].to_numpy()
    filled = values.notna().to_numpy()
    idx = np.arange(len(members))
    winner = np.full(n_clusters, -1, dtype=np.int64)
    why = np.full(n_clusters, "", dtype=object)
    if strategy in ("most_recent", "oldest"):
        dates = nz.parse_dates(values.reset_index(drop=True).astype(nz.TEXT))
        secs = (dates - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(np.float64)
        key = secs if strategy == "most_recent" else -secs
        ok = ~np.isnan(key)
        order = np.lexsort((-np.where(ok, key, -np.inf), cluster))
        first = order[np.r_[True, cluster[order][1:] != cluster[order][:-1]]]
        good = ok[first]
        winner[cluster[first[good]]] = idx[first[good]]
        why[cluster[first[good]]] = "latest date" if strategy == "most_recent" else "earliest date"
    if strategy == "opt_out":
        hit = idx[opted]
        # First opted-out member per cluster (members are in survivor-first order).
        firsts = pd.Series(hit).groupby(cluster[hit]).first()
        winner[firsts.index.to_numpy()] = firsts.to_numpy()
        why[firsts.index.to_numpy()] = "opted out: the opt-out is kept"
    # Everything not decided yet: the survivor's value, else the first filled member's.
    rest = winner < 0
    sel = idx[filled]
    first_filled = pd.Series(sel).groupby(cluster[sel]).first()
    fill_at = np.full(n_clusters, -1, dtype=np.int64)
    fill_at[first_filled.index.to_numpy()] = first_filled.to_numpy()
    survivor_at = pd.Series(idx).groupby(cluster).first().to_numpy()
    use = rest & (fill_at >= 0)
    winner[use] = fill_at[use]
    is_surv = winner == survivor_at
    why[use & is_surv] = "survivor's value"
    why[use & ~is_surv] = "survivor empty: filled from a merged record"
    still = winner < 0
    winner[still] = survivor_at[still]
    why[still] = "empty in every record"
    return winner, why


class MergeError(HygieneError):
    """A merge whose values cannot be placed safely (nothing is written)."""


@dataclass
class SourceMerges:
    """One source's merges: plan rows, inherited opt-outs and where values came from."""

    plan: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Survivor position -> the merged row whose opt-out it inherits.
    inherit: dict[int, int] = field(default_factory=dict)
    #: Column -> {survivor position: member position whose value it took}, where not its own.
    donors: dict[str, dict[int, int]] = field(default_factory=dict)


def check_disjoint(clusters: Sequence[PlannedCluster], rows: int) -> None:
    """Each record in at most one cluster, inside the source: else a survivor would take two
    merges' values (or a merged record survive), and no value could be placed safely."""
    seen = np.zeros(rows, dtype=np.int64)
    for c in clusters:
        members = np.asarray([c.survivor, *c.merged], dtype=np.int64)
        if (
            len(np.unique(members)) != len(members)
            or (members < 0).any()
            or (members >= rows).any()
        ):
            raise MergeError(
                f"{c.source}: duplicate cluster {c.id} names a record twice or one that is "
                "not in the export; nothing was written"
            )
        seen[members] += 1
    if (seen > 1).any():
        raise MergeError(
            "a record is in more than one duplicate cluster, so no merge could be placed "
            "safely; nothing was written (mark one pair 'keep separate' in review.xlsx)"
        )


def plan_merges(
    clusters: Sequence[PlannedCluster],
    prep: Prepared,
    columns: Mapping[str, Column],
    target: Target,
) -> SourceMerges:
    """merge_plan rows of one source's clusters, writing the chosen values into the
    survivors' columns. Per column that differs, the plan names the chosen value, the row
    it came from and every other member whose value differs (empty ones too), so the merge
    can be undone from the plan alone."""
    if not clusters:
        return SourceMerges()
    check_disjoint(clusters, prep.rows)
    src = prep.source
    members = _members(clusters)
    pos = members["pos"].to_numpy(dtype=np.int64)
    state = consent_state(prep)
    # Only an opt-out travels: a bounce (Mailchimp "cleaned") is about that record's
    # address, not the person, and stays with the address it was recorded on.
    if state.known:
        opted = (state.opted_out & ~state.bounce_only())[pos]
    else:
        opted = np.zeros(len(pos), dtype=bool)
    strategies = field_strategies()
    fields_of = dict(src.columns)
    names = record_names(prep, columns, pos)
    provenance_row = src.provenance["row"].to_numpy(dtype=np.int64)
    choices: list[dict[str, Any]] = [{} for _ in clusters]
    cluster_of = members["cluster"].to_numpy()
    # Members are laid out cluster by cluster, survivor first: slices, not searches.
    starts = np.searchsorted(cluster_of, np.arange(len(clusters)), side="left")
    ends = np.searchsorted(cluster_of, np.arange(len(clusters)), side="right")
    survivor_at = starts
    donors: dict[str, dict[int, int]] = {}
    for name, col in columns.items():
        fld = fields_of.get(name)
        values = pd.Series(col.value.take(pa.array(pos)).to_pylist(), dtype=object)
        vals = values.to_numpy(dtype=object)
        if fld is None or fld in ID_FIELDS:
            winner = survivor_at
            why = np.full(
                len(clusters),
                "survivor's value (not merged: column not mapped)"
                if fld is None
                else "the survivor's own id",
                dtype=object,
            )
        else:
            strategy = strategies.get(fld, "survivor")
            winner, why = _choose(strategy, values, members, opted)
            rule = {
                "most_recent": "merge.most_recent",
                "oldest": "merge.oldest",
                "opt_out": "merge.opt_out",
            }.get(strategy, "merge.fill")
            chosen = [None if pd.isna(v) else v for v in vals[winner]]
            col.set_rows(rule, pos[survivor_at], chosen)
            placed = col.value.take(pa.array(pos[survivor_at])).to_pylist()
            if placed != chosen:
                raise MergeError(
                    f"{src.name}: column {name!r}: merged values did not land on their "
                    "survivors; nothing was written"
                )
            moved = np.flatnonzero(winner != survivor_at)
            if len(moved):
                donors[name] = dict(
                    zip(pos[survivor_at[moved]].tolist(), pos[winner[moved]].tolist(), strict=True)
                )
        if fld in ID_FIELDS:
            continue  # merged_ids names them
        key = np.array([None if pd.isna(v) else v for v in vals], dtype=object)
        kept = key[winner]
        # Members whose value differs from what their survivor keeps (an empty one too).
        differs = key != kept[cluster_of]
        clusters_hit = np.zeros(len(clusters), dtype=bool)
        clusters_hit[cluster_of[differs]] = True
        clusters_hit |= winner != survivor_at
        for ci in np.flatnonzero(clusters_hit).tolist():
            rows = np.arange(starts[ci], ends[ci])
            others = [
                {"row": int(provenance_row[pos[r]]), "id": str(names[pos[r]]), "value": key[r]}
                for r in rows
                if r != winner[ci] and differs[r]
            ]
            choices[ci][name] = {
                "value": kept[ci],
                "why": str(why[ci]),
                "from_row": int(provenance_row[pos[winner[ci]]]),
                "others": others,
            }
    inherit: dict[int, int] = {}
    for ci, c in enumerate(clusters):
        rows = np.arange(starts[ci], ends[ci])
        hit = [int(pos[r]) for r in rows if opted[r] and pos[r] != c.survivor]
        if hit and not opted[rows[0]]:
            inherit[c.survivor] = hit[0]
    plan = _plan_rows(clusters, src, names, choices, target)
    return SourceMerges(plan, inherit, donors)


def merge_calls(target: Target, survivor: object, merged: Sequence[object]) -> list[dict[str, Any]]:
    """The calls the target's merge API takes, in order (HubSpot: one pair each; Salesforce:
    a master and at most two others each)."""
    ids = [m for m in merged if isinstance(m, str) and m]
    if not isinstance(survivor, str) or not survivor or not ids:
        return []
    if target.merge_calls == "pairs":
        return [{"primaryObjectId": survivor, "objectIdToMerge": m} for m in ids]
    if target.merge_calls == "salesforce":
        return [
            {"masterRecord": survivor, "recordToMergeIds": ids[i : i + 2]}
            for i in range(0, len(ids), 2)
        ]
    return []


def _plan_rows(
    clusters: Sequence[PlannedCluster],
    src: Any,
    names: Mapping[int, str],
    choices: list[dict[str, Any]],
    target: Target,
) -> pd.DataFrame:
    files = src.provenance["file"].to_numpy(dtype=object)
    lines = src.provenance["row"].to_numpy(dtype=np.int64)
    ids = src.record_ids().to_numpy(dtype=object, na_value=None)
    rows = []
    for c, fields in zip(clusters, choices, strict=True):
        merged_ids = [str(names[m]) for m in c.merged]
        record_ids = [None if ids[m] is None else str(ids[m]) for m in c.merged]
        surv_id = ids[c.survivor]
        calls = merge_calls(target, None if surv_id is None else str(surv_id), record_ids)
        if target.merge_calls != "none":
            action = f"merge in {target.title}" if calls else "merge by hand (no record ids)"
        else:
            action = f"archive the merged records in {target.title}"
        rows.append(
            {
                "cluster": c.id,
                "source": c.source,
                "survivor_id": str(names[c.survivor]),
                "survivor_file": str(files[c.survivor]),
                "survivor_row": int(lines[c.survivor]),
                "merged_ids": "; ".join(merged_ids),
                "merged_rows": "; ".join(str(int(lines[m])) for m in c.merged),
                "merged_files": "; ".join(str(files[m]) for m in c.merged),
                "confidence": round(c.confidence, 4),
                "survivor_reason": c.reason,
                "evidence": "; ".join(c.evidence),
                "action": action,
                "merge_calls": json.dumps(calls, ensure_ascii=False) if calls else "",
                "fields": json.dumps(fields, ensure_ascii=False, default=str),
                # Internal: positions, for the accounting check (not written).
                "_survivor_pos": c.survivor,
                "_merged_pos": list(c.merged),
            }
        )
    return pd.DataFrame(rows)
