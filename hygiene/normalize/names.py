"""Person and company names: cleaned for display, keyed for matching.

Everything runs once per distinct value (a million contacts hold some tens of thousands of
distinct names). nameparser splits full names. Companies are in `company`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from nameparser import HumanName

from ._arrow import flat, to_numpy_mask
from ._text import fold
from .base import TEXT, arrow, unique_map
from .nulls import nullify

#: Surname particles kept lower-case inside a name ("van der Berg", "de la Cruz").
#: Hand-picked rather than nameparser's prefix list, which also holds "mac", "st", "al",
#: "bar", "san": given names or surname starts that must stay capitalised.
PARTICLES = frozenset(
    "van von der den de del della degli di da das do dos du des la le ter ten zu zur af av y"
    .split()
)
#: Generational suffixes, beside the casing nameparser knows (`_case_exceptions`).
_GENERATIONS = {"ii": "II", "iii": "III", "iv": "IV", "jr": "Jr", "sr": "Sr"}
_APOSTROPHES = "'’"
_NON_LETTERS = re.compile(r"[^\w\s]|[\d_]")
_SPACES = re.compile(r"\s+")


def _nfkc_collapse(u: pd.Series) -> pa.Array:
    """NFKC, runs of white space collapsed to one space, ends trimmed (pyarrow kernels)."""
    arr = pc.utf8_normalize(flat(arrow(u)), "NFKC")
    arr = pc.replace_substring_regex(arr, r"\s+", " ")
    return pc.utf8_trim_whitespace(arr)


@cache
def _case_exceptions() -> dict[str, str]:
    """Casing nameparser knows (PhD, MSc ...) plus generational suffixes. nameparser is
    imported here, when a name is first re-cased or split: an audit whose names need
    neither does not pay for its import."""
    from nameparser.config import CONSTANTS

    known = {str(k): str(v) for k, v in dict(CONSTANTS.capitalization_exceptions).items()}
    return {**known, **_GENERATIONS}


def _cap_part(part: str) -> str:
    """One hyphen-free piece of a lower-case name: Mc, O'/D' prefixes, else Capitalised."""
    exceptions = _case_exceptions()
    if part in exceptions:
        return exceptions[part]
    if len(part) > 2 and part.startswith("mc"):
        return "Mc" + part[2:].capitalize()
    if len(part) > 2 and part[1] in _APOSTROPHES:
        return part[0].upper() + part[1] + part[2:].capitalize()
    return part.capitalize()


def fix_case(value: str) -> str:
    """Title-case a name typed in one case: "mcdonald" -> "McDonald", "van der berg" ->
    "van der Berg"; a particle is lower-case only when a word follows it."""
    words = value.lower().split(" ")
    out = []
    for i, word in enumerate(words):
        if word in PARTICLES and i < len(words) - 1:
            out.append(word)
        else:
            out.append("-".join(_cap_part(p) for p in word.split("-")))
    return " ".join(out)


def _clean_names(u: pd.Series) -> pd.Series:
    arr = _nfkc_collapse(u)
    one_case = to_numpy_mask(pc.or_(pc.utf8_is_upper(arr), pc.utf8_is_lower(arr)))
    values = arr.to_pylist()
    for i in one_case.nonzero()[0]:
        values[i] = fix_case(values[i])
    return pd.Series([v or None for v in values], dtype=TEXT)


def clean_name(s: pd.Series) -> pd.Series:
    """NFKC, white space collapsed; casing fixed only for values in ALL CAPS or all lower."""
    return unique_map(nullify(s), _clean_names)


def _name_key(value: str) -> str | None:
    key = _SPACES.sub(" ", _NON_LETTERS.sub("", fold(value))).strip()
    return key or None


def name_key(s: pd.Series) -> pd.Series:
    """Matching key of a name: casefolded, accents stripped, only letters and single spaces."""

    def apply(u: pd.Series) -> pd.Series:
        return pd.Series([_name_key(v) for v in u.tolist()], dtype=TEXT)

    return unique_map(nullify(s), apply)


def _split(value: str, human_name: type[HumanName]) -> tuple[str | None, str | None]:
    name = human_name(_SPACES.sub(" ", unicodedata.normalize("NFKC", value)))
    return (name.first or None), (name.last or None)


def split_full_name(s: pd.Series) -> pd.DataFrame:
    """`first_name` and `last_name` of full names ("Dr. John Q. Smith Jr.", "Smith, John")."""

    def apply(u: pd.Series) -> pd.DataFrame:
        # Imported on first use: an audit without full names does not pay for nameparser.
        from nameparser import HumanName

        pairs = [_split(v, HumanName) for v in u.tolist()]
        return pd.DataFrame(
            {
                "first_name": pd.Series([p[0] for p in pairs], dtype=TEXT),
                "last_name": pd.Series([p[1] for p in pairs], dtype=TEXT),
            }
        )

    return unique_map(nullify(s), apply)
