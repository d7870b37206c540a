"""Email addresses: a cleaned address, its parts, and a provider-aware matching key.

All string work runs in pyarrow compute kernels over the whole column, and the rarer fixes
(unwrapping "Name <addr>", "mailto:", "+tag") only over the rows that need them; only
internationalised (non-ASCII) domains go through Python, once per distinct domain, because
IDNA/UTS-46 encoding has no vectorised implementation.
"""

from __future__ import annotations

import idna
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import NULL_STR, apply_where, empty_to_null, to_mask
from .base import arrow, text
from .nulls import TRIM_CHARS, nullify_arrow

#: Mailbox providers that ignore dots in the local part; the first is the canonical domain.
DOTLESS_DOMAINS = ("gmail.com", "googlemail.com")

# List separators left after an address pasted from a mail client. Quotes and angle brackets
# come off only in pairs: "<me@example.com> !" and '"test@iana.org' stay malformed.
_EDGE_CHARS = TRIM_CHARS + ";,"


def _ascii_domain(domain: str) -> str:
    """A domain in its ASCII (punycode) form; unchanged when it is not valid IDNA."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        try:
            return domain.encode("idna").decode("ascii")
        except UnicodeError:
            return domain


def _idna_domains(domain: pa.Array) -> pa.Array:
    """Convert the non-ASCII domains to ASCII, once per distinct domain."""

    def convert(odd: pa.Array) -> pa.Array:
        uniques = pc.unique(odd)
        converted = pa.array([_ascii_domain(d) for d in uniques.to_pylist()], pa.string())
        return pc.take(converted, pc.index_in(odd, value_set=uniques))

    return apply_where(domain, pc.invert(pc.string_is_ascii(domain)), convert)


def _split_at_last_at(cleaned: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(local, domain) split at the last "@"; both null where there is no "@"."""
    has_at = to_mask(pc.match_substring(cleaned, "@"))
    nulls = pa.nulls(len(cleaned), pa.string())
    if not pc.any(has_at).as_py():
        return nulls, nulls
    # split_pattern is much faster than an anchored extract_regex.
    parts = pc.split_pattern(pc.filter(cleaned, has_at), "@", max_splits=1, reverse=True)
    local = pc.replace_with_mask(nulls, has_at, pc.list_element(parts, 0))
    domain = pc.replace_with_mask(nulls, has_at, pc.list_element(parts, 1))
    return empty_to_null(local), empty_to_null(domain)


def _unquote(a: pa.Array) -> pa.Array:
    """Values wrapped in a pair of quotes ("..." or '...') unwrapped and trimmed; the
    others (an unpaired quote) unchanged."""
    paired = pc.match_substring_regex(a, r"^(?:\".*\"|'.*')$")
    inner = pc.utf8_trim(
        pc.replace_substring_regex(a, r"^[\"'](.*)[\"']$", r"\1"), characters=_EDGE_CHARS
    )
    return pc.if_else(paired, inner, a)


def normalize_email(s: pd.Series) -> pd.DataFrame:
    """Columns `email` (cleaned), `local`, `domain` (split at the last "@") and `key`.

    `email` is trimmed, lower-cased, unwrapped from "mailto:", "Name <addr>" and a pair of
    quotes (an unpaired quote or bracket stays, so the address reads as malformed), with an
    IDN domain in punycode. `key` drops "+tag" for every domain and, for Gmail, the dots of
    the local part (googlemail.com -> gmail.com). Values without "@" keep `email` only.
    """
    cleaned = pc.utf8_lower(nullify_arrow(arrow(s)))
    cleaned = apply_where(
        cleaned,
        pc.match_substring(cleaned, "<"),
        lambda a: pc.replace_substring_regex(a, r"^[^<>]*<([^<>]*)>[\s;,]*$", r"\1"),
    )
    cleaned = apply_where(
        cleaned,
        pc.starts_with(cleaned, "mailto:"),
        lambda a: pc.utf8_slice_codeunits(a, len("mailto:")),
    )
    cleaned = pc.utf8_trim(cleaned, characters=_EDGE_CHARS)
    # Only values starting with a quote go through the regular expressions.
    cleaned = apply_where(
        cleaned, pc.or_(pc.starts_with(cleaned, '"'), pc.starts_with(cleaned, "'")), _unquote
    )
    cleaned = empty_to_null(cleaned)

    local, domain = _split_at_last_at(cleaned)
    domain = empty_to_null(_idna_domains(domain))
    joined = pc.binary_join_element_wise(local, domain, "@")
    email = pc.if_else(pc.is_valid(joined), joined, cleaned)

    local_key = apply_where(
        local,
        pc.match_substring(local, "+"),
        lambda a: pc.replace_substring_regex(a, r"^([^+]+)\+.*$", r"\1"),
    )
    dotless = to_mask(pc.is_in(domain, value_set=pa.array(DOTLESS_DOMAINS)))
    local_key = apply_where(local_key, dotless, lambda a: pc.replace_substring(a, ".", ""))
    domain_key = pc.if_else(dotless, pa.scalar(DOTLESS_DOMAINS[0]), domain)
    key = pc.binary_join_element_wise(empty_to_null(local_key), domain_key, "@")
    key = pc.if_else(pc.is_valid(key), key, NULL_STR)

    index = s.index
    return pd.DataFrame(
        {
            "email": text(email, index),
            "local": text(local, index),
            "domain": text(domain, index),
            "key": text(key, index),
        },
        index=index,
    )
