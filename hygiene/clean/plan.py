"""The clean plan: what happens to every row and cell, decided before anything is written.

`plan_clean(audit, targets, decisions)` is pure: per source the cleaned columns (with the
rule of every change), each row's disposition (kept, merged into a named survivor, or
suppressed with a reason), the merge plan and the suppression list. `check_accounting`
proves every input row is accounted for exactly once; writers only format the plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import normalize as nz
from ..decisions import Decisions, resolve
from ..errors import HygieneError
from ..links.state import consent_state
from ..normalize._arrow import empty_to_null, to_numpy_mask
from ..normalize.nulls import trim
from ..prepared import Prepared
from ..words import counted
from .foreign import foreign_columns, id_column
from .merge import PlannedCluster, apply_separations, plan_merges
from .settings import CleanSettings, load_settings
from .suppress import Suppression, suppression_reasons
from .targets import Target, id_counts, owns_counted
from .values import BIT, Column, Findings, Verdicts, fix_source

if TYPE_CHECKING:
    from ..checks.rules import Rule
    from ..match import Cluster
    from ..results import Audit

KEPT, MERGED, SUPPRESSED = 0, 1, 2
DISPOSITIONS = ("kept", "merged", "suppressed")
#: The header of a record id that is not the target's own (it must not update a record).
ORIGINAL_ID = "Original Record ID"
#: A Salesforce record id: 15 or 18 letters and digits.
_SF_ID = r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$"
#: A record id of some system in a lookup column: a Salesforce id or a number.
_OTHER_ID = r"^(?:[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?|[0-9]+)$"
#: Fields that point at another record (an owner, a company).
_LOOKUPS = ("owner", "company_id")


class AccountingError(HygieneError):
    """The plan loses or doubles a row: a bug, never written out."""


@dataclass
class SourcePlan:
    """One source: cleaned columns, output headers and each row's disposition."""

    name: str
    platform: str
    target: Target
    prep: Prepared
    columns: dict[str, Column]
    #: Original column -> header in cleaned_<source>.csv.
    headers: dict[str, str]
    disposition: np.ndarray
    #: Position of the survivor a merged row folds into (-1 for other rows).
    survivor: np.ndarray
    suppression: Suppression
    #: Rows written to cleaned_<source>.csv (`written_rows`).
    in_file: np.ndarray
    clusters: list[PlannedCluster] = field(default_factory=list)
    #: Whether the source's record ids are the target's own (`owns_ids`).
    own_ids: bool = True
    #: Headers left out of the cleaned file: properties the target's import cannot set, and
    #: another platform's status and extra id columns (`foreign_columns`).
    left_out: tuple[str, ...] = ()
    #: Whether any row has a record id (else the target finds the records by address).
    any_ids: bool = True

    @property
    def rows(self) -> int:
        return len(self.disposition)


@dataclass
class CleanPlan:
    """Everything `hygiene clean` writes, as data."""

    sources: list[SourcePlan]
    merge_plan: pd.DataFrame
    suppression: pd.DataFrame
    settings: CleanSettings
    decisions_applied: dict[str, int] = field(default_factory=dict)

    def source(self, name: str) -> SourcePlan:
        return next(s for s in self.sources if s.name == name)

    @property
    def suppression_targets(self) -> dict[str, Target]:
        """Target name -> target, one suppression_<target>.csv each, in source order."""
        out: dict[str, Target] = {}
        for sp in self.sources:
            out.setdefault(sp.target.name, sp.target)
        return out


def written_rows(
    prep: Prepared, target: Target, disposition: np.ndarray, email: Column | None
) -> np.ndarray:
    """Rows of cleaned_<source>.csv. A CRM keeps every record that is not merged away, the
    suppressed ones marked in its own fields. An ESP keeps its mailable members and, when
    the export is its own (the members are there already), every suppressed member that
    still has an address, marked with its status, so the file still says it must not be
    mailed. A suppressed row from another system is left out: importing it would create
    that address; the suppression file lists it."""
    if not target.is_esp:
        return disposition != MERGED
    kept = disposition == KEPT
    # Without opt-out fields a kept suppressed member would read as mailable.
    if email is None or prep.source.platform != target.name or not target.opt_out:
        return kept
    return kept | ((disposition == SUPPRESSED) & ~to_numpy_mask(pc.is_null(email.value)))


def mark_opt_outs(
    prep: Prepared,
    target: Target,
    columns: dict[str, Column],
    headers: dict[str, str],
    rows: np.ndarray,
    reason: np.ndarray,
    settings: CleanSettings,
) -> None:
    """Write the target's opt-out fields (rules/targets `opt_out`) on suppressed `rows`,
    adding a column under its `add_as` header where the export has none. A row whose own
    value of that field already says it opted out or bounced keeps it: Klaviyo's HARD_BOUNCE
    relabelled USER_SUPPRESSED would turn the address's bounce into the person's opt-out."""
    if not rows.any():
        return
    src = prep.source
    state = consent_state(prep) if src.platform == (target.platform or target.name) else None
    taken = {h.casefold(): name for name, h in headers.items()}
    action = pd.Series(reason, dtype=object).map(settings.action).to_numpy(dtype=object)
    # changes.csv says why a row was marked (suppress.invalid), not only that it was.
    labels = {f"suppress.{r}": reason == r for r in sorted(set(reason[rows].tolist()), key=str)
              if f"suppress.{r}" in BIT}
    for spec in target.opt_out:
        name = src.column_for(spec.field)
        if name is None and spec.add_as is not None:
            name = taken.get(spec.add_as.casefold())
            if name is None:
                name = spec.add_as
                columns[name] = Column(name, pd.Series([None] * prep.rows, dtype=nz.TEXT))
                headers[name] = spec.add_as
                taken[spec.add_as.casefold()] = name
        if name is None:
            continue
        marked = rows
        if state is not None and spec.field in state.fields:
            marked = rows & ~state.out_masks[state.fields.index(spec.field)]
        value = np.full(prep.rows, None, dtype=object)
        for act, word in spec.values.items():
            value[marked & (action == act)] = word
        col = columns[str(name)]
        new = pa.array(value.tolist(), pa.string())
        col.step("suppress.other", pc.if_else(pc.is_null(new), col.value, new),
                 rule_where=labels)


def whole_counts(prep: Prepared, target: Target) -> dict[str, int]:
    """Counts over a source's rows that decide its headers and ids (`output_headers`,
    `owns_counted`, whether records are found by address). They add up over blocks of rows:
    an engine that plans block by block sums them over the source and passes them in."""
    src = prep.source
    ids = src.record_ids()
    filled, of_form = id_counts(target, ids)
    out = {"ids.filled": filled, "ids.of_form": of_form, "ids.any": int(ids.notna().sum())}
    for fld in dict.fromkeys(src.columns.values()):
        if fld in target.id_fields and fld != "record_id":
            values = prep.value(fld)
            given = values.dropna() if values is not None else pd.Series(dtype="str")
            out[f"{fld}.filled"] = len(given)
            out[f"{fld}.sf_id"] = int(given.str.match(_SF_ID).sum()) if len(given) else 0
        if fld in target.bool_fields:
            values, flags = prep.value(fld), prep.bools(fld)
            texts = (values.notna() & flags.isna()).sum() if (
                values is not None and flags is not None) else 0
            out[f"{fld}.not_bool"] = int(texts)
    return out


def output_headers(
    prep: Prepared, target: Target, own_ids: bool = True, counts: Mapping[str, int] | None = None
) -> dict[str, str]:
    """Original column -> the target's header for its field (lookup fields only when they
    hold record ids; the record id only when it is the target's own, else "Original Record
    ID"), else the original name; clashes get " (2)". `counts`: `whole_counts` of the
    whole source (default: of `prep`)."""
    src = prep.source
    counts = counts if counts is not None else whole_counts(prep, target)
    out: dict[str, str] = {}
    for name in src.data.columns:
        fld = src.columns.get(name)
        header = target.headers.get(fld) if fld else None
        if fld == "record_id" and header and not own_ids:
            header = ORIGINAL_ID
        elif (fld == "source_id" and not own_ids and "record_id" in target.headers
              and not src.has("record_id") and name == id_column(prep)):
            header = ORIGINAL_ID  # an ESP's member id: the mapping back to its member
        if header and fld in _LOOKUPS and fld not in target.id_fields and not own_ids:
            # Another system's record ids (a Salesforce OwnerId) under a target's lookup
            # header (HubSpot's "Contact owner" takes an owner's name or email) would be
            # misread by its import: they keep their own header.
            values = prep.value(fld)
            filled = values.dropna() if values is not None else pd.Series(dtype="str")
            if len(filled) and filled.str.match(_OTHER_ID).mean() >= 0.9:
                header = None
        if header and fld in target.id_fields and fld != "record_id":
            n_filled = counts.get(f"{fld}.filled", 0)
            if n_filled == 0 or counts.get(f"{fld}.sf_id", 0) / n_filled < 0.9:
                header = None
        if header and fld in target.bool_fields and counts.get(f"{fld}.not_bool", 0):
            header = None  # reason text ("550 5.1.1 user unknown") is not a checkbox
        out[str(name)] = header or str(name)
    taken: set[str] = set()
    mapped_first = sorted(out, key=lambda c: src.columns.get(c) is None)
    for name in mapped_first:
        h, i = out[name], 2
        while h.casefold() in taken:
            h = f"{out[name]} ({i})"
            i += 1
        taken.add(h.casefold())
        out[name] = h
    return out


def verdicts_for(decisions: Decisions | None, preps: Sequence[Prepared]) -> dict[str, Verdicts]:
    """Accepted and rejected fixes as row masks per source (a decision whose value no longer
    matches the row's value is stale and ignored)."""
    out = {p.source.name: Verdicts(p.rows) for p in preps}
    if decisions is None:
        return out
    items = [("reject", f) for f in decisions.rejected_fixes]
    items += [("accept", f) for f in decisions.accepted_fixes]
    where = resolve([f.record for _, f in items], preps)
    by_name = {p.source.name: p for p in preps}
    for kind, f in items:
        positions = where.get(f.record, [])
        prep = by_name.get(f.record.source)
        if prep is None or not positions:
            continue
        raw = prep.raw(f.field)
        if raw is not None and f.value is not None:
            positions = [
                p
                for p in positions
                if pd.notna(raw.iloc[p]) and str(raw.iloc[p]).strip() == f.value.strip()
            ]
        if positions:
            out[f.record.source].add(kind, f.code, f.field, positions)
    return out


def _separations(decisions: Decisions | None, preps: Sequence[Prepared]) -> set[tuple]:
    if decisions is None or not decisions.keep_separate:
        return set()
    return set(decisions.exclude_pairs(preps))


def plan_clean(
    audit: Audit,
    targets: Mapping[str, Target],
    decisions: Decisions | None = None,
    settings: CleanSettings | None = None,
) -> CleanPlan:
    """Decide every row's and cell's fate; nothing is written."""
    kinds = audit.kinds
    preps = [p for p in audit.prepared if kinds.get(p.source.name) != "reference"]
    clusters = audit.match.clusters if audit.match is not None else []
    return plan_prepared(preps, audit.findings, audit.rules, clusters, targets, decisions,
                         settings)


def plan_prepared(
    preps: Sequence[Prepared],
    findings: pd.DataFrame,
    rules: Sequence[Rule[Any]],
    clusters: Sequence[Cluster],
    targets: Mapping[str, Target],
    decisions: Decisions | None = None,
    settings: CleanSettings | None = None,
    counts: Mapping[str, Mapping[str, int]] | None = None,
) -> CleanPlan:
    """`plan_clean` on prepared contact sources, their findings (`pos` into each source) and
    duplicate clusters. `counts`: per source, `whole_counts` of the whole source where
    `preps` hold only some of its rows (a block on Spark)."""
    settings = settings or load_settings()
    by_name = {p.source.name: p for p in preps}
    verdicts = verdicts_for(decisions, preps)
    separate = _separations(decisions, preps)
    planned = apply_separations(clusters, separate, by_name)
    plans: list[SourcePlan] = []
    merge_rows: list[pd.DataFrame] = []
    for prep in preps:
        name = prep.source.name
        target = targets[name]
        whole = (counts or {}).get(name) or whole_counts(prep, target)
        found = Findings.of(findings, name, prep.rows, rules)
        columns = fix_source(prep, target, found, verdicts[name])
        mine = [c for c in planned if c.source == name]
        merges = plan_merges(mine, prep, columns, target)
        if len(merges.plan):
            merge_rows.append(merges.plan)
        email_col = prep.source.column_for("email")
        email = columns.get(email_col) if email_col else None
        supp = suppression_reasons(
            prep,
            findings,
            found,
            verdicts[name],
            settings,
            email,
            target.is_esp,
            merges.inherit,
            merges.donors.get(str(email_col), {}),
        )
        disposition = np.where(supp.mask, SUPPRESSED, KEPT).astype(np.int8)
        survivor = np.full(prep.rows, -1, dtype=np.int64)
        for c in mine:
            survivor[c.merged] = c.survivor
        disposition[survivor >= 0] = MERGED
        own = owns_counted(target, prep.source.platform, whole["ids.filled"],
                           whole["ids.of_form"])
        headers = output_headers(prep, target, own, whole)
        in_file = written_rows(prep, target, disposition, email)
        marked = in_file & (disposition == SUPPRESSED)
        mark_opt_outs(prep, target, columns, headers, marked, supp.reason, settings)
        foreign = set(foreign_columns(prep, target))
        read_only = [c for c in columns if target.is_read_only(headers[c]) or c in foreign]
        left_out = tuple(headers.pop(col) for col in read_only)
        for col in read_only:
            del columns[col]
        plans.append(
            SourcePlan(
                name,
                prep.source.platform,
                target,
                prep,
                columns,
                headers,
                disposition,
                survivor,
                supp,
                in_file,
                mine,
                own,
                left_out,
                whole["ids.any"] > 0,
            )
        )
    n_verdicts = sum(int(m.sum()) for v in verdicts.values() for m in v.rejected.values())
    n_accept = sum(int(m.sum()) for v in verdicts.values() for m in v.accepted.values())
    return CleanPlan(
        sources=plans,
        merge_plan=pd.concat(merge_rows, ignore_index=True) if merge_rows else pd.DataFrame(),
        suppression=suppression_frame(plans, settings),
        settings=settings,
        decisions_applied={
            "keep_separate_pairs": len(separate),
            "rejected_fixes": n_verdicts,
            "accepted_fixes": n_accept,
        },
    )


def _email_values(sp: SourcePlan) -> tuple[pa.Array, pa.Array]:
    """(cleaned email, original email trimmed and lower-cased) per row, null where empty."""
    col_name = sp.prep.source.column_for("email")
    if col_name is None:
        none = pa.nulls(sp.rows, pa.string())
        return none, none
    col = sp.columns[col_name]
    original = empty_to_null(pc.utf8_lower(trim(col.original)))
    return col.value, original


def _take(arr: pa.Array, pos: np.ndarray) -> np.ndarray:
    """Values at `pos` as a numpy object array (None where null)."""
    return np.asarray(arr.take(pa.array(pos, pa.int64())).to_pylist(), dtype=object)


def suppression_frame(plans: Sequence[SourcePlan], settings: CleanSettings) -> pd.DataFrame:
    """One row per suppressed record, plus (where the target finds records by address) the
    old address of each fixed typo, so the ESP drops the misspelt member."""
    frames = []
    actions = {r: settings.action(r) for r in (*settings.reasons, "role", "missing")}
    for sp in plans:
        cleaned, original = _email_values(sp)
        prov = sp.prep.source.provenance
        files = prov["file"].to_numpy(dtype=object)
        rows = prov["row"].to_numpy(dtype=np.int64)
        ids_series = sp.prep.source.record_ids()
        pos = np.flatnonzero(sp.disposition == SUPPRESSED)
        ids = ids_series.iloc[pos].astype(object)
        now, before = _take(cleaned, pos), _take(original, pos)
        reason = sp.suppression.reason[pos]
        frames.append(pd.DataFrame({
            "email": np.where(pd.notna(now), now, before),
            "record_id": ids.where(ids.notna(), None).to_numpy(),
            "reason": reason,
            "reasons": sp.suppression.reasons[pos], "detail": sp.suppression.detail[pos],
            "action": pd.Series(reason, dtype=object).map(actions).to_numpy(),
            "source": sp.name, "file": files[pos], "row": rows[pos], "pos": pos,
            "target": sp.target.name, "own_id": sp.own_ids,
        }))  # fmt: skip
        # An address fixed on a record the target finds by address: the old one is dropped.
        by_address = sp.target.key == "email" or not sp.any_ids
        col_name = sp.prep.source.column_for("email")
        if by_address and col_name is not None:
            typo = (sp.columns[col_name].bits & _typo_bit()) != 0
            moved = np.flatnonzero(typo & (sp.disposition != MERGED))
            mids = ids_series.iloc[moved].astype(object)
            frames.append(pd.DataFrame({
                "email": _take(original, moved),
                "record_id": mids.where(mids.notna(), None).to_numpy(),
                "reason": "address_fixed", "reasons": "address_fixed",
                "detail": [f"replaced by {c}" for c in _take(cleaned, moved)],
                "action": settings.action("address_fixed"),
                "source": sp.name, "file": files[moved], "row": rows[moved], "pos": moved,
                "target": sp.target.name, "own_id": sp.own_ids,
            }))  # fmt: skip
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["email", "record_id", "reason", "reasons", "detail",
                                     "action", "source", "file", "row", "pos", "target",
                                     "own_id"])  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _typo_bit() -> np.uint32:
    return BIT["email.typo_domain"]


def check_accounting(plan: CleanPlan) -> dict[str, Any]:
    """Every input row kept, merged into a survivor that stays, or suppressed with a reason,
    exactly once; per source and per file. Raises AccountingError on any gap."""
    problems: list[str] = []
    out: dict[str, Any] = {"ok": True, "sources": []}
    supp = plan.suppression
    merged_in_plan: dict[str, list[int]] = {}
    if len(plan.merge_plan):
        for src, pos in zip(plan.merge_plan["source"], plan.merge_plan["_merged_pos"], strict=True):
            merged_in_plan.setdefault(str(src), []).extend(int(p) for p in pos)
    for sp in plan.sources:
        d = sp.disposition
        counts = {k: int((d == i).sum()) for i, k in enumerate(DISPOSITIONS)}
        total = sum(counts.values())
        if total != sp.rows:
            problems.append(f"{sp.name}: {counted(sp.rows, 'row')} in, {total} accounted for")
        merged = np.flatnonzero(d == MERGED)
        surv = sp.survivor[merged]
        if (surv < 0).any() or (d[surv[surv >= 0]] == MERGED).any():
            problems.append(f"{sp.name}: a merged row has no surviving record")
        listed = supp[(supp["source"] == sp.name) & (supp["reason"] != "address_fixed")]
        suppressed = np.flatnonzero(d == SUPPRESSED)
        if not np.array_equal(np.sort(listed["pos"].to_numpy(dtype=np.int64)), suppressed):
            problems.append(f"{sp.name}: suppressed rows and suppression.csv differ")
        if (sp.suppression.reason[suppressed] == "").any():
            problems.append(f"{sp.name}: a suppressed row has no reason")
        if sorted(merged_in_plan.get(sp.name, [])) != merged.tolist():
            problems.append(f"{sp.name}: merged rows and merge_plan.csv differ")
        per_file = []
        files = sp.prep.source.provenance["file"].astype(str).to_numpy(dtype=object)
        for f in pd.unique(files):
            sel = files == f
            per_file.append(
                {
                    "file": str(f),
                    "rows": int(sel.sum()),
                    **{k: int((d[sel] == i).sum()) for i, k in enumerate(DISPOSITIONS)},
                }
            )
        out["sources"].append(
            {
                "source": sp.name,
                "target": sp.target.name,
                "rows": sp.rows,
                **counts,
                "cleaned_rows": int(sp.in_file.sum()),
                "files": per_file,
            }
        )
    if problems:
        raise AccountingError(
            "the clean plan does not account for every row: " + "; ".join(problems)
        )
    return out


def safe_name(name: str) -> str:
    """A source name as part of a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "source"
