"""Email syntax beyond the pattern GX can check, and look-alike domains.

`email_syntax` is email.invalid_syntax: the rule's own pattern (its GX expectation, the part
`hygiene rules export --gx` writes) plus the RFC 5321 limits (64 octets before the @, 254 in
all) and the special-use top-level domains that receive no mail (RFC 2606, 6761, 6762, 7686,
9476: .arpa, .test, .example, .invalid, .localhost, .local, .onion, .alt). Whole-column
Arrow kernels; reasons are spelt only for the failing values.

`email_lookalike` is email.lookalike_domain: a domain written with letters of another script
that look like ASCII ones ("аcme-corp.com" with a Cyrillic а), or holding an invisible
character (a zero-width space), which the punycode form of the address hides. Only the
non-ASCII values go through Python, once per distinct value.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize._arrow import flat, to_numpy_mask
from ..normalize.base import arrow
from ..prepared import Prepared
from ..resources import rules_yaml
from .registry import CheckOptions, check, hits, no_hits
from .rules import Rule

#: Scripts with letters that pass for Latin ones; mixing one into a Latin name is a disguise.
_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")
#: Characters that show as nothing although Unicode does not class them as format (Cf).
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0")
_WRAPPERS = " \t\"'<>;,()[]"


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return to_numpy_mask(pc.fill_null(arr, False))


@dataclass(frozen=True)
class EmailSyntax:
    """email.invalid_syntax's limits: octets before the @ and in the whole address, and the
    special-use top-level domains that receive no mail."""

    max_local_length: int = 64
    max_length: int = 254
    special_use_tlds: tuple[str, ...] = ()


@check("email.invalid_syntax", params=EmailSyntax, row_local=True)
def email_syntax(prep: Prepared, rule: Rule[EmailSyntax], options: CheckOptions) -> pd.DataFrame:
    """Addresses that are not deliverable by their syntax; `reason` says which limit."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    email = flat(arrow(parts["email"]))
    present = _mask(pc.is_valid(email))
    regex = str((rule.expect or {}).get("regex", ".+@.+"))
    bad_pattern = present & ~_mask(pc.match_substring_regex(email, regex))
    local_len = pc.binary_length(flat(arrow(parts["local"])))
    p = rule.params
    long_local = _mask(pc.greater(local_len, p.max_local_length))
    long_all = _mask(pc.greater(pc.binary_length(email), p.max_length))
    tlds = list(p.special_use_tlds)
    special = np.zeros(len(email), dtype=bool)
    if tlds:
        ending = r"(^|\.)(" + "|".join(t.replace(".", r"\.") for t in tlds) + r")\.?$"
        special = _mask(pc.match_substring_regex(flat(arrow(parts["domain"])), ending))
    pos = np.flatnonzero(bad_pattern | long_local | long_all | special)
    if not len(pos):
        return no_hits()
    reasons = [
        _reason(e, int(n or 0), ll, la, sp)
        for e, n, ll, la, sp in zip(
            email.take(pa.array(pos)).to_pylist(),
            local_len.take(pa.array(pos)).to_pylist(),
            long_local[pos].tolist(),
            long_all[pos].tolist(),
            special[pos].tolist(),
            strict=True,
        )
    ]
    return hits(pos, "email", reason=pd.Series(reasons, dtype="str"))


def _reason(email: str, local: int, long_local: bool, long_all: bool, special: bool) -> str:
    """Why an address is refused, as the tail of the rule's message ("" for the pattern)."""
    if long_local:
        return f": {local} characters before the @ (at most 64)"
    if long_all:
        return f": {len(email.encode('utf-8'))} characters (at most 254)"
    if special:
        tld = email.rstrip(".").rpartition(".")[2].rpartition("@")[2]
        return f": .{tld} is a special-use domain that receives no mail"
    return ""


@cache
def lookalikes() -> dict[str, str]:
    """Character -> the ASCII letter, digit or hyphen it looks like (rules/email/
    confusables.yaml, from Unicode's confusables)."""
    doc = rules_yaml("email", "confusables.yaml") or {}
    return {chr(int(str(k), 16)): str(v) for k, v in (doc.get("lookalikes") or {}).items()}


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ch in _INVISIBLE


def _script(ch: str) -> str:
    """The script of a letter by its Unicode name ("CYRILLIC SMALL LETTER A" -> CYRILLIC)."""
    return unicodedata.name(ch, "").split(" ", 1)[0]


def _ascii_of(ch: str) -> str | None:
    """The ASCII character `ch` is read as, if any (full-width forms, then confusables)."""
    folded = unicodedata.normalize("NFKC", ch).lower()
    if folded.isascii() and len(folded) == 1 and (folded.isalnum() or folded in "-."):
        return folded
    return lookalikes().get(ch) or lookalikes().get(ch.lower())


def lookalike_domain(address: str) -> tuple[str, str | None] | None:
    """(reason, the ASCII domain it reads as or None) for a disguised domain; None for an
    ASCII domain or an honest internationalised one (bücher.de, 臺網中心.tw)."""
    domain = address.strip(_WRAPPERS).rpartition("@")[2].strip(_WRAPPERS).lower()
    if not domain or domain.isascii():
        return None
    hidden = [ch for ch in domain if _invisible(ch)]
    shown = "".join(ch for ch in domain if not _invisible(ch))
    odd = [ch for ch in shown if not ch.isascii()]
    if not odd:
        names = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}" for ch in hidden)
        return f"the domain holds an invisible character ({names})", shown
    read = [_ascii_of(ch) for ch in odd]
    scripts = sorted({_script(ch) for ch in odd} - {"LATIN", "FULLWIDTH", ""})
    mapping = {ch: r for ch, r in zip(odd, read, strict=True) if r is not None}
    if len(mapping) == len(set(odd)):
        ascii_domain = "".join(mapping.get(ch, ch) for ch in shown)
        kind = " and ".join(s.title() for s in scripts) or "non-ASCII"
        return f"the domain is written with {kind} look-alike letters", ascii_domain
    for label in shown.split("."):
        latin = any(ch.isascii() and ch.isalpha() for ch in label)
        other = {_script(ch) for ch in label if ch.isalpha() and not ch.isascii()}
        if latin and other & set(_LOOKALIKE_SCRIPTS):
            mixed = " and ".join(s.title() for s in sorted(other & set(_LOOKALIKE_SCRIPTS)))
            return f"the domain mixes Latin and {mixed} letters in one name", None
    if hidden:
        return "the domain holds an invisible character", shown
    return None


@check("email.lookalike_domain", row_local=True)
def email_lookalike(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """Addresses whose domain is disguised; the suggestion is the address it reads as."""
    raw = prep.value("email")
    parts = prep.email()
    if raw is None or parts is None:
        return no_hits()
    values = flat(arrow(raw))
    pos = np.flatnonzero(~_mask(pc.string_is_ascii(values)) & _mask(pc.is_valid(values)))
    if not len(pos):
        return no_hits()
    odd = values.take(pa.array(pos)).to_pylist()
    verdicts = {v: lookalike_domain(v) for v in dict.fromkeys(odd)}
    keep = np.array([verdicts[v] is not None for v in odd], dtype=bool)
    pos = pos[keep]
    if not len(pos):
        return no_hits()
    found = [verdicts[v] for v, k in zip(odd, keep.tolist(), strict=True) if k]
    locals_ = parts["local"].iloc[pos].tolist()
    suggestion = [
        f"{loc}@{f[1]}" if f is not None and f[1] and isinstance(loc, str) else None
        for loc, f in zip(locals_, found, strict=True)
    ]
    reason = [f[0] if f is not None else "" for f in found]
    return hits(
        pos,
        "email",
        suggestion=pd.Series(suggestion, dtype="str"),
        reason=pd.Series(reason, dtype="str"),
    )
