"""Missing values as exports write them: blanks, "N/A", "NULL", Excel error codes.

`nullify` is the first step of every normaliser, so a stray BOM, a non-breaking space or a
"#N/A" never reaches a check as if it were data.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import flat
from .base import TEXT, arrow, text

#: Casefolded spellings that mean "no value". Placeholders that a person typed on purpose
#: ("unknown", "test", "?", "none provided") are NOT here: they are data that a check reports
#: as `value.placeholder`, and nulling them would hide that finding.
NULL_LIKES: frozenset[str] = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "(null)",
        "<null>",
        "nil",
        "nan",
        "undefined",
        "-",
        "--",
        "---",
        "(blank)",
        "(empty)",
        "#n/a",
        "#null!",
        "#value!",
        "#ref!",
        "#div/0!",
        "#name?",
        "#num!",
    }
)

#: Unicode white space plus the invisible characters spreadsheets and web forms leave behind
#: (zero-width space/joiners, word joiner, BOM); pyarrow's whitespace trim keeps the latter.
TRIM_CHARS = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
    + "\u200b\u200c\u200d\u2060\ufeff"
)

_NULL_SET = pa.array(sorted(NULL_LIKES))
_MAX_NULL_LEN = max(len(v) for v in NULL_LIKES)


def trim(arr: pa.Array) -> pa.Array:
    """Strip white space and invisible characters from both ends of every value."""
    return pc.utf8_trim(arr, characters=TRIM_CHARS)


def nullify_arrow(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`nullify` on a pyarrow string array (for normalisers that stay in pyarrow).

    The result is always one `pa.string()` chunk (pandas hands over chunked `large_string`),
    so callers can mix it with plain string scalars and masks.
    """
    trimmed = trim(flat(arr))
    # Only short values can be null-likes; lower-casing just those keeps this cheap.
    short = pc.less_equal(pc.utf8_length(trimmed), _MAX_NULL_LEN)
    candidate = pc.if_else(short, trimmed, pa.scalar(None, pa.string()))
    is_null = pc.is_in(pc.utf8_lower(candidate), value_set=_NULL_SET)
    return pc.if_else(is_null, pa.scalar(None, pa.string()), trimmed)


def nullify(s: pd.Series) -> pd.Series:
    """Trim white space (incl. NBSP, zero-width characters, BOM); null-likes become NaN.

    A text column that needs neither is returned as it is: most columns of an export are
    clean, and a copy of each would hold another copy of the file in memory.
    """
    src = flat(arrow(s))
    out = nullify_arrow(src)
    if s.dtype == TEXT and out.null_count == src.null_count and pc.all(
        pc.equal(out, src)
    ).as_py() in (True, None):
        return s
    return text(out, index=s.index)
