"""`--redact`: mask emails, phone numbers and names in the reports people pass around.

A redacted report still shows the shape of a problem (a malformed address keeps its first
letters and its top-level domain, a phone number its format and last two digits) without
the personal data. audit.json is not redacted: it is the machine interface (README).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from ..normalize.base import TEXT, unique_map_values

#: Canonical fields whose values are masked, by kind of mask. The owner is a person too.
EMAIL_FIELDS = frozenset({"email", "email_local", "email_domain"})
PHONE_FIELDS = frozenset({"phone", "mobile_phone"})
NAME_FIELDS = frozenset({"first_name", "last_name", "full_name", "owner"})

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


def masker(field: str | None) -> Callable[[str], str] | None:
    """The mask for a canonical field, or None when its values are not personal."""
    if field in EMAIL_FIELDS:
        return mask_email
    if field in PHONE_FIELDS:
        return mask_phone
    if field in NAME_FIELDS:
        return mask_name
    return None


def mask_series(values: pd.Series, field: str | None) -> pd.Series:
    """The values of `field` masked (once per distinct value); unchanged if not personal."""
    fn = masker(field)
    if fn is None or not len(values):
        return values
    return unique_map_values(values.astype(TEXT), fn)


def redact_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """A copy of a findings frame with personal values masked in value, suggestion, message.

    The message quotes the value ("'ann@gmial.com' is not ..."), so the quoted value and
    suggestion are replaced by their masked forms in it.
    """
    out = findings.copy()
    if not len(out):
        return out
    fields = out["field"].astype(object).to_numpy()
    for field in np.unique(fields[pd.notna(fields)].astype(str)):
        fn = masker(field)
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
        message = message.replace(old, str(pairs[old]))
    return message
