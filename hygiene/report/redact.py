"""`--redact`: mask emails, phone numbers and names in every report written.

A redacted report.html, review.xlsx or summary.md still shows the shape of a problem (a
malformed address keeps its first letters and its top-level domain, a phone number its
format and last two digits) without the personal data; a mask that would still hold the
value (a name written as initials, "J. P.") becomes a token instead. audit.json, read by
scripts, carries tokens only: `[redacted 1f3a9c0b7e]`, a keyed hash of the value, the same
for the same value throughout one process and irreversible (the key is random, kept in
memory and never written), so a script can still tell equal values apart from different ones.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..normalize.base import TEXT, unique_map_values

if TYPE_CHECKING:
    from ..model import Source

#: Canonical fields whose values are masked, by kind of mask. The owner is a person too.
EMAIL_FIELDS = frozenset({"email", "email_local", "email_domain"})
PHONE_FIELDS = frozenset({"phone", "mobile_phone"})
NAME_FIELDS = frozenset({"first_name", "last_name", "full_name", "owner"})

#: The key of the redaction tokens: random per process, never written anywhere.
_KEY = os.urandom(32)
TOKEN_PREFIX = "[redacted "

_WORD = re.compile(r"[^\W\d_]", re.UNICODE)
_ALNUM = re.compile(r"[^\W_]", re.UNICODE)


def mask_email(value: str) -> str:
    """ "john.smith@gmail.com" -> "j***@g***.com"; text without an @ -> "j***"."""
    text = value.strip()
    if not text:
        return text
    local, at, domain = text.rpartition("@")
    if not at:
        return text[0] + "***"
    head = (local[:1] + "***") if local else ""
    labels = domain.split(".")
    if len(labels) > 1 and labels[-1]:
        return f"{head}@{labels[0][:1]}***.{labels[-1]}"
    return f"{head}@{domain[:1]}***" if domain else f"{head}@"


def mask_phone(value: str) -> str:
    """Every letter and digit but the last two digits becomes *: "+1 415 555 2671" ->
    "+* *** *** **71" (the format stays visible, the number does not)."""
    digits = [m.start() for m in re.finditer(r"\d", value)]
    keep = set(digits[-2:]) if len(digits) > 2 else set()
    return "".join(c if i in keep or not _ALNUM.match(c) else "*" for i, c in enumerate(value))


def mask_name(value: str) -> str:
    """Initials: "Mary-Ann O'Neil" -> "M. O."; a value with no letters -> "*"."""
    initials = []
    for part in value.split():
        letter = _WORD.search(part)
        if letter:
            initials.append(letter.group(0).upper() + ".")
    if initials:
        return " ".join(initials)
    return "*" if value.strip() else value


def redaction_token(value: str) -> str:
    """`[redacted 1f3a9c0b7e]`: 40 bits of an HMAC-SHA256 of the value (stripped) under a
    per-process random key: equal values get equal tokens within a run, and no token can be
    turned back into its value."""
    data = value.strip().encode("utf-8", "surrogatepass")
    return f"{TOKEN_PREFIX}{hmac.new(_KEY, data, hashlib.sha256).hexdigest()[:10]}]"


def _leak_proof(fn: Callable[[str], str]) -> Callable[[str], str]:
    """`fn`, but a token wherever its mask would still hold the value ("J. P." as a name is
    its own initials; an address written "j***@g***.com" is its own mask)."""

    def mask(value: str) -> str:
        masked = fn(value)
        core = value.strip()
        if len(core) > 2 and core.casefold() in masked.casefold():
            return redaction_token(value)
        return masked

    mask.__doc__ = fn.__doc__
    return mask


_MASKS = {"email": _leak_proof(mask_email), "phone": _leak_proof(mask_phone),
          "name": _leak_proof(mask_name)}  # fmt: skip


def masker(field: str | None, tokens: bool = False) -> Callable[[str], str] | None:
    """The mask for a canonical field (`tokens`: the redaction token for every personal
    field), or None when its values are not personal."""
    kind = ("email" if field in EMAIL_FIELDS else "phone" if field in PHONE_FIELDS
            else "name" if field in NAME_FIELDS else None)  # fmt: skip
    if kind is None:
        return None
    return redaction_token if tokens else _MASKS[kind]


def mask_series(values: pd.Series, field: str | None) -> pd.Series:
    """The values of `field` masked (once per distinct value); unchanged if not personal."""
    fn = masker(field)
    if fn is None or not len(values):
        return values
    return unique_map_values(values.astype(TEXT), fn)


def redact_findings(
    findings: pd.DataFrame, sources: Sequence[Source] = (), tokens: bool = False
) -> pd.DataFrame:
    """A copy of a findings frame with personal values masked in value, suggestion, message
    (`tokens`: replaced by redaction tokens, as audit.json writes them).

    The message quotes the value ("'ann@gmial.com' is not ..."), so the quoted value and
    suggestion are replaced by their masked forms in it. A message can quote more than its
    own field's value: a link rule names the other system's record ("'M. Quixotic' here,
    'ZEBULON QUIXOTIC' in crm"). With `sources`, every personal value (email, phone, names,
    owner) of the finding's record and of its related records is masked wherever the
    message holds it, whatever the finding's field.
    """
    out = findings.copy()
    if not len(out):
        return out
    if sources:
        out["message"] = np.array(_mask_record_values(out, sources, tokens), dtype=object)
    fields = out["field"].astype(object).to_numpy()
    for field in np.unique(fields[pd.notna(fields)].astype(str)):
        fn = masker(field, tokens)
        if fn is None:
            continue
        sel = fields == field
        sub = out.loc[sel, ["value", "suggestion", "message"]]
        masked = {c: _mask_column(sub[c], fn) for c in ("value", "suggestion")}
        messages = [
            _replace_all(m, {v: mv, s: ms})
            for m, v, mv, s, ms in zip(
                sub["message"].tolist(),
                sub["value"].tolist(),
                masked["value"].tolist(),
                sub["suggestion"].tolist(),
                masked["suggestion"].tolist(),
                strict=True,
            )
        ]
        out.loc[sel, "value"] = masked["value"].to_numpy(dtype=object)
        out.loc[sel, "suggestion"] = masked["suggestion"].to_numpy(dtype=object)
        out.loc[sel, "message"] = np.array(messages, dtype=object)
    return out


#: Canonical fields whose values are personal, as a loader maps them (not derived views).
PERSONAL_FIELDS = ("email", "phone", "mobile_phone", "first_name", "last_name", "full_name",
                   "owner")  # fmt: skip


#: A record a message may speak of: (source, position, file, row); position -1 until found.
_Ref = tuple[str, int, object, int]


def _mask_record_values(
    findings: pd.DataFrame, sources: Sequence[Source], tokens: bool = False
) -> list[object]:
    """Each message with the personal values of its record and related records masked."""
    by_name = {s.name: s for s in sources}
    messages = findings["message"].tolist()
    srcs = findings["source"].astype(object).tolist()
    poss = findings["pos"].to_numpy(dtype=np.int64).tolist()
    relateds = findings["related"].tolist() if "related" in findings else [None] * len(messages)
    records: list[list[_Ref]] = []
    for src, pos, related in zip(srcs, poss, relateds, strict=True):
        mine: list[_Ref] = [(str(src), pos, None, -1)] if pos >= 0 else []
        for r in related if isinstance(related, list) else ():
            if isinstance(r, dict) and r.get("row") is not None:
                mine.append((str(r.get("source")), -1, r.get("file"), int(r["row"])))
        records.append(mine)
    located = _locate(records, by_name)
    wanted: dict[str, set[int]] = {}
    for found in located:
        for name, pos in found:
            wanted.setdefault(name, set()).add(pos)
    values = _personal_values(wanted, by_name, tokens)
    out: list[object] = []
    for message, found in zip(messages, located, strict=True):
        if not isinstance(message, str) or not found:
            out.append(message)
            continue
        pairs: dict[str, str] = {}
        for name, pos in found:
            for value, fn in values.get(name, {}).get(pos, ()):
                for v in {value, value.strip()}:
                    if len(v) > 1 and v in message:
                        pairs[v] = fn(v)
        out.append(_replace_words(message, pairs) if pairs else message)
    return out


def _locate(
    records: list[list[_Ref]], by_name: Mapping[str, Source]
) -> list[list[tuple[str, int]]]:
    """(source, position) of every record; related ones are found by their file and row."""
    asked: dict[str, list[tuple[object, int]]] = {}
    for rec in records:
        for name, pos, file, row in rec:
            if pos < 0:
                asked.setdefault(name, []).append((file, row))
    keys: dict[str, dict[tuple[object, int], int]] = {}
    for name, wanted in asked.items():
        src = by_name.get(name)
        if src is None:
            continue
        prov = src.provenance
        index = pd.MultiIndex.from_arrays([prov["file"].astype(object), prov["row"]])
        where = index.get_indexer(pd.MultiIndex.from_tuples(wanted))
        keys[name] = dict(zip(wanted, where.tolist(), strict=True))
    out: list[list[tuple[str, int]]] = []
    for rec in records:
        found: list[tuple[str, int]] = []
        for name, pos, file, row in rec:
            at = pos if pos >= 0 else keys.get(name, {}).get((file, row), -1)
            if at >= 0:
                found.append((name, at))
        out.append(found)
    return out


def _personal_values(
    wanted: Mapping[str, set[int]], by_name: Mapping[str, Source], tokens: bool = False
) -> dict[str, dict[int, list[tuple[str, Callable[[str], str]]]]]:
    """source -> pos -> [(personal value, its mask)], read for the wanted rows only."""
    out: dict[str, dict[int, list[tuple[str, Callable[[str], str]]]]] = {}
    for name, positions in wanted.items():
        src = by_name.get(name)
        if src is None:
            continue
        pos = np.array(sorted(positions), dtype=np.int64)
        rows: dict[int, list[tuple[str, Callable[[str], str]]]] = {int(p): [] for p in pos}
        for f in PERSONAL_FIELDS:
            col = src.field(f)
            fn = masker(f, tokens)
            if col is None or fn is None:
                continue
            taken = col.iloc[pos].tolist()  # a missing value is not a str
            for p, v in zip(pos.tolist(), taken, strict=True):
                if isinstance(v, str) and v.strip():
                    rows[p].append((v, fn))
        out[name] = rows
    return out


def _replace_words(message: str, pairs: Mapping[str, str]) -> str:
    """`message` with each value (longest first, in any case) replaced by its mask where it
    stands as a whole word ("Al" is masked in "'Al Lee'", not in "Alice")."""
    for old in sorted(pairs, key=len, reverse=True):
        new = pairs[old]
        pattern = rf"(?<!\w){re.escape(old)}(?!\w)"
        message = re.sub(pattern, lambda _m: new, message, flags=re.IGNORECASE)  # noqa: B023
    return message


def _mask_column(values: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    filled = values.notna()
    result = pd.Series(None, index=values.index, dtype=object)
    if filled.any():
        masked = unique_map_values(values[filled].astype(str).astype(TEXT), fn)
        result[filled] = masked.to_numpy(dtype=object)
    return result


def _replace_all(message: object, pairs: Mapping[object, object]) -> object:
    """`message` with each personal value in it replaced by its mask (longest first)."""
    if not isinstance(message, str):
        return message
    for old in sorted((k for k in pairs if isinstance(k, str) and k), key=len, reverse=True):
        new = str(pairs[old])
        message = re.sub(re.escape(old), lambda _m: new, message, flags=re.IGNORECASE)  # noqa: B023
    return message
