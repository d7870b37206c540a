"""Cell fixes of one source: every value standardised, each change labelled by its rule.

Pure functions over whole columns (pyarrow kernels; per distinct value where a library must
be called), no Python loop over rows. Each column keeps its current values and a bit mask
per row of the steps that changed it; changes.csv reads the masks as "trim+email.lowercase".
What a rule's finding is fixed to is the rule's own fix, registered beside its check
(`@fix(code)` in hygiene/checks/); here it meets a person's verdicts and the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import normalize as nz
from ..checks.registry import registry
from ..checks.rules import Rule
from ..links.state import consent_state
from ..normalize._arrow import NULL_STR, empty_to_null, flat, to_numpy_mask
from ..normalize.base import arrow, text
from ..normalize.nulls import nullify_arrow, trim
from ..prepared import Prepared
from .targets import Target

#: Suppression reasons of rules/clean.yaml, each its own label in changes.csv; a reason added
#: there that is not listed here is labelled "suppress.other".
SUPPRESS_STEPS = tuple(f"suppress.{r}" for r in (
    "consent_conflict", "cleaned", "unsubscribed", "invalid", "placeholder", "disposable",
    "role", "missing", "address_fixed", "other",
))
#: Every step that may change a cell, in the order they run. The order of this tuple is the
#: bit order of the masks, so append, never reorder.
STEPS = (
    "trim",
    "value.null",
    "email.lowercase",
    "email.typo_domain",
    "phone.e164",
    "name.case",
    "country.form",
    "state.form",
    "field.inconsistent",
    "value.placeholder",
    "merge.fill",
    "merge.most_recent",
    "merge.oldest",
    "merge.opt_out",
    # A suppressed row marked in the target's opt-out fields, labelled by why it was
    # suppressed (rules/clean.yaml reasons): an invalid address is no opt-out of the person.
    *SUPPRESS_STEPS,
    "checkbox.form",
)
BIT = {s: np.uint32(1 << i) for i, s in enumerate(STEPS)}
#: Fields that name records; never emptied or rewritten, only trimmed.
ID_FIELDS = frozenset({"record_id", "source_id", "company_id"})
NAME_FIELDS = ("first_name", "last_name", "full_name")
PHONE_FIELDS = ("phone", "mobile_phone")


def changed(a: pa.Array, b: pa.Array) -> np.ndarray:
    """True where two aligned string arrays differ (a null and a value differ)."""
    an = to_numpy_mask(pc.is_null(a))
    bn = to_numpy_mask(pc.is_null(b))
    same = to_numpy_mask(pc.equal(a, b))
    return (an != bn) | (~an & ~bn & ~same)


@dataclass
class Findings:
    """One source's findings, by (code, field): positions and suggestions."""

    rows: int
    groups: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    #: The audit's rules by code: a fix reads its rule's params.
    rules: Mapping[str, Rule[Any]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, findings: pd.DataFrame, source: str, rows: int, rules: Sequence[Rule[Any]] = ()
    ) -> Findings:
        mine = findings[(findings["source"] == source) & (findings["pos"] >= 0)]
        groups = {
            (str(code), str(fld)): g[["pos", "suggestion"]].reset_index(drop=True)
            for (code, fld), g in mine.groupby(["code", "field"], sort=False)
        }
        return cls(rows, groups, {r.code: r for r in rules})

    def frame(self, code: str, fld: str) -> pd.DataFrame:
        return self.groups.get((code, fld), pd.DataFrame({"pos": [], "suggestion": []}))

    def mask(self, code: str, fld: str) -> np.ndarray:
        out = np.zeros(self.rows, dtype=bool)
        out[self.frame(code, fld)["pos"].to_numpy(dtype=np.int64)] = True
        return out

    def any_code(self, codes: tuple[str, ...], fld: str | None = None) -> np.ndarray:
        """Rows with a finding of any of `codes` (on `fld`, or on any field)."""
        out = np.zeros(self.rows, dtype=bool)
        for (code, f), g in self.groups.items():
            if code in codes and (fld is None or f == fld):
                out[g["pos"].to_numpy(dtype=np.int64)] = True
        return out


@dataclass
class Verdicts:
    """A person's decisions on fixes, as row masks per (code, field)."""

    rows: int
    rejected: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    accepted: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def _get(self, table: dict[tuple[str, str], np.ndarray], code: str, fld: str) -> np.ndarray:
        got = table.get((code, fld))
        return got if got is not None else np.zeros(self.rows, dtype=bool)

    def rejects(self, code: str, fld: str) -> np.ndarray:
        return self._get(self.rejected, code, fld)

    def accepts(self, code: str, fld: str) -> np.ndarray:
        return self._get(self.accepted, code, fld)

    def add(self, kind: str, code: str, fld: str, positions: list[int]) -> None:
        table = self.rejected if kind == "reject" else self.accepted
        mask = table.setdefault((code, fld), np.zeros(self.rows, dtype=bool))
        mask[positions] = True


class Column:
    """A column being cleaned: its current values and the steps that changed each row."""

    def __init__(self, name: str, raw: pd.Series) -> None:
        self.name = name
        self.original = flat(arrow(raw))
        self.value = empty_to_null(trim(self.original))
        self.bits = np.where(changed(self.original, self.value), BIT["trim"], 0).astype(np.uint32)

    def step(
        self,
        rule: str,
        new: pa.Array,
        skip: np.ndarray | None = None,
        rule_where: Mapping[str, np.ndarray] | None = None,
        clears: bool = False,
    ) -> None:
        """Take `new` values, except on `skip` rows; label changed rows with `rule` (or
        with another rule where `rule_where` says so). A step that `clears` cells replaces
        their labels: an emptied placeholder was not also "cased"."""
        new = flat(new)
        if skip is not None and skip.any():
            new = pc.if_else(pa.array(skip), self.value, new)
        diff = changed(self.value, new)
        if not diff.any():
            return
        bits = np.full(len(diff), BIT[rule], dtype=np.uint32)
        for other, where in (rule_where or {}).items():
            bits = np.where(where, BIT[other], bits)
        if clears:
            self.bits[diff] = bits[diff] | (self.bits[diff] & BIT["trim"])
        else:
            self.bits |= np.where(diff, bits, 0).astype(np.uint32)
        self.value = new

    def set_rows(self, rule: str, positions: np.ndarray, values: list[str | None]) -> None:
        """Overwrite rows `positions` with `values` (aligned, any order: merges); rows whose
        value does not change keep their bits."""
        if len(positions) == 0:
            return
        if len(np.unique(positions)) != len(positions):
            raise ValueError(f"{self.name}: two values for one row")
        # replace_with_mask fills the masked rows in row order: the values must be too.
        order = np.argsort(positions, kind="stable")
        positions = np.asarray(positions)[order]
        values = [values[i] for i in order.tolist()]
        current = self.value.take(pa.array(positions)).to_pylist()
        keep = [i for i, (c, v) in enumerate(zip(current, values, strict=True)) if c != v]
        if not keep:
            return
        at = positions[keep]
        mask = np.zeros(len(self.value), dtype=bool)
        mask[at] = True
        replacement = pa.array([values[i] for i in keep], pa.string())
        self.value = pc.replace_with_mask(self.value, pa.array(mask), replacement)
        self.bits[at] |= BIT[rule]


def rule_labels(bits: np.ndarray) -> np.ndarray:
    """Bit masks -> "trim+email.lowercase" (each distinct mask spelt once)."""
    uniq, inverse = np.unique(bits, return_inverse=True)
    names = np.array(
        ["+".join(s for s in STEPS if int(u) & int(BIT[s])) for u in uniq.tolist()], dtype=object
    )
    return names[inverse]


def proposed(
    code: str, fld: str, prep: Prepared, found: Findings, verdicts: Verdicts
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The rows of `code`'s findings on `fld`, the values its registered fix writes there,
    and which rows take them: sure or accepted by a person, never rejected, able."""
    frame = found.frame(code, fld)
    if frame.empty:
        return None
    got = registry().fix_of(code)(prep, found.rules.get(code), frame)
    pos = frame["pos"].to_numpy(dtype=np.int64)
    take = (got.sure | verdicts.accepts(code, fld)[pos]) & ~verdicts.rejects(code, fld)[pos]
    return pos, got.values, take & got.able


def _at(n: int, positions: np.ndarray, values: np.ndarray, base: pa.Array) -> pa.Array:
    """`base` with `values` put at `positions`."""
    if len(positions) == 0:
        return base
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    order = np.argsort(positions, kind="stable")
    repl = pa.array([None if pd.isna(v) else str(v) for v in values[order]], pa.string())
    return pc.replace_with_mask(base, pa.array(mask), repl)


def fix_email(
    col: Column, prep: Prepared, found: Findings, verdicts: Verdicts
) -> None:
    """Lower-cased and unwrapped ("mailto:", "Name <a@b>"); a typo domain fixed where the
    suggestion is confident or a person accepted it, and no person rejected it."""
    parts = prep.email()
    if parts is None:
        return
    norm = flat(arrow(parts["email"]))
    # IDN domains stay in Unicode: normalize_email's punycode is for matching, not for import.
    ascii_ok = to_numpy_mask(pc.string_is_ascii(pc.fill_null(col.value, "")))
    lowered = pc.utf8_lower(col.value)
    col.step(
        "email.lowercase",
        pc.if_else(pa.array(ascii_ok), pc.if_else(pc.is_null(norm), lowered, norm), lowered),
    )
    typo = proposed("email.typo_domain", "email", prep, found, verdicts)
    if typo is not None:
        pos, values, sure = typo
        # A status (bounce, opt-out) belongs to the address it was recorded on: such an
        # address is kept as it is, so the status never moves onto the corrected one.
        state = consent_state(prep)
        if state.known:
            sure &= ~(state.bounced | state.opted_out)[pos]
        col.step("email.typo_domain", _at(len(col.value), pos[sure], values[sure], col.value))


def fix_phone(col: Column, prep: Prepared, fld: str, target: Target) -> None:
    """Valid numbers in E.164 ("+14155552671"); numbers that are not valid stay as typed."""
    if target.phone_form != "e164":
        return
    parsed = prep.phone(fld)
    if parsed is None:
        return
    valid = parsed["valid"].fillna(False).to_numpy(dtype=bool)
    e164 = flat(arrow(parsed["e164"].astype(nz.TEXT)))
    col.step(
        "phone.e164",
        pc.if_else(pa.array(valid & ~to_numpy_mask(pc.is_null(e164))), e164, col.value),
    )


#: Checkbox values every import reads as they are; other yes/no words are rewritten.
_CHECKBOX_WORDS = pa.array(["true", "false", "1", "0"])


def fix_checkbox(col: Column) -> None:
    """A target's checkbox (Salesforce HasOptedOutOfEmail, Zoho Email Opt Out) takes true or
    false: a yes or no in other words (a German Excel's WAHR / FALSCH, "ja", "Yes") is
    written true / false; true/false and 1/0 stay, and text that is no yes or no (a bounce
    reason) is kept as it is."""
    flags = nz.parse_bool(pd.Series(col.value.to_pandas(), dtype=object))
    read = pc.is_in(pc.utf8_lower(col.value), value_set=_CHECKBOX_WORDS)
    word = pa.array(flags.map({True: "true", False: "false"}).astype(object), type=pa.string())
    keep = pc.or_kleene(pc.is_null(word), pc.fill_null(read, False))
    col.step("checkbox.form", pc.if_else(keep, col.value, word))


def fix_name(col: Column) -> None:
    """ALL CAPS and all-lower names cased ("mcdonald" -> "McDonald"); others kept."""
    cleaned = nz.clean_name(text(col.value))
    col.step(
        "name.case",
        pc.if_else(pc.is_null(col.value), NULL_STR, flat(arrow(cleaned.astype(nz.TEXT)))),
    )


def fix_geo(
    col: Column, prep: Prepared, fld: str, target: Target, found: Findings, verdicts: Verdicts
) -> None:
    """Countries and states in the target's form; values no ISO entry knows stay as typed.
    Form "keep": the spelling the column mostly uses (the field.inconsistent suggestion)."""
    form = target.country_form if fld == "country" else target.state_form
    rejected = verdicts.rejects("field.inconsistent", fld)
    flagged = found.mask("field.inconsistent", fld)
    if form == "keep":
        apply_suggestions(col, prep, found, verdicts, fld)
        return
    if fld == "country":
        got = prep.country()
        disp = nz.country_display(got["alpha2"], form) if got is not None else None
    else:
        got = prep.state()
        disp = nz.state_display(got["code"], form) if got is not None else None
    if disp is None or got is None:
        return
    if form == "name":
        # A name is already the target's form: "Bavaria" stays (not "Bayern"), as does
        # "Ile-de-France", unless the column spells it otherwise (field.inconsistent); codes,
        # aliases and misspellings take the ISO name.
        disp = disp.mask(got["style"].eq("name").fillna(False).to_numpy(dtype=bool) & ~flagged)
    shown = flat(arrow(disp.astype(nz.TEXT)))
    new = pc.if_else(pc.is_null(shown), col.value, shown)
    new = pc.if_else(pc.is_null(col.value), NULL_STR, new)
    col.step(f"{fld}.form", new, skip=rejected, rule_where={"field.inconsistent": flagged})


def apply_suggestions(
    col: Column, prep: Prepared, found: Findings, verdicts: Verdicts, fld: str
) -> None:
    """field.inconsistent: the canonical spelling the finding suggests."""
    got = proposed("field.inconsistent", fld, prep, found, verdicts)
    if got is None:
        return
    pos, values, keep = got
    col.step("field.inconsistent", _at(len(col.value), pos[keep], values[keep], col.value))


def clear_placeholders(
    col: Column, prep: Prepared, found: Findings, verdicts: Verdicts, fld: str
) -> None:
    """value.placeholder cells ("test", "asdf", "xxx", 1234567890) emptied."""
    got = proposed("value.placeholder", fld, prep, found, verdicts)
    if got is None:
        return
    pos, _, take = got
    mask = np.zeros(found.rows, dtype=bool)
    mask[pos[take]] = True
    if mask.any():
        col.step("value.placeholder", pc.if_else(pa.array(mask), NULL_STR, col.value), clears=True)


def fix_source(
    prep: Prepared,
    target: Target,
    found: Findings,
    verdicts: Verdicts,
) -> dict[str, Column]:
    """Every column of one source cleaned (original names, file order)."""
    src = prep.source
    fields_of = dict(src.columns)
    out: dict[str, Column] = {}
    for name in src.data.columns:
        col = Column(str(name), src.data[name])
        fld = fields_of.get(name)
        if fld is not None and fld not in ID_FIELDS:
            col.step("value.null", nullify_arrow(col.value))
            if fld == "email":
                fix_email(col, prep, found, verdicts)
            elif fld in PHONE_FIELDS:
                fix_phone(col, prep, fld, target)
            elif fld in NAME_FIELDS:
                fix_name(col)
            elif fld in ("country", "state"):
                fix_geo(col, prep, fld, target, found, verdicts)
            else:
                apply_suggestions(col, prep, found, verdicts, fld)
            if fld in target.bool_fields:
                fix_checkbox(col)
            clear_placeholders(col, prep, found, verdicts, fld)
        out[str(name)] = col
    return out
