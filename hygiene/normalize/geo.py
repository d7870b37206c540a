"""Countries and states: ISO codes from any spelling, and the spelling a style asks for.

pycountry supplies ISO 3166-1/3166-2 codes and names and `us` the US state names and AP
abbreviations; rules/aliases/countries.yaml and states.yaml add what people type instead
("USA", "Deutschland", "Calif.", "Bavaria"). Lookups run once per distinct value.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from ..resources import rules_yaml
from ._arrow import flat, map_distinct, to_numpy_mask
from ._text import pair_unique_map, words_key
from .base import TEXT, arrow, text, unique_map
from .nulls import nullify, trim

COUNTRY_STYLES = ("alpha2", "alpha3", "name", "other")
STATE_STYLES = ("code", "name", "other")

#: Countries tried, in order, for a state written without a country (only when unambiguous).
_STATE_FALLBACK_COUNTRIES = ("US", "CA", "AU")

_BRACKETS = re.compile(r"\s*\[(.*?)\]")
_CODE_TOKEN = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")


def _compact(key: str) -> str:
    return key.replace(" ", "")


@cache
def _country_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """(alpha3 -> alpha2, name key -> alpha2, other key -> alpha2, alpha2 -> display name)."""
    alpha3: dict[str, str] = {}
    names: dict[str, str] = {}
    display: dict[str, str] = {}
    for c in pycountry.countries:
        alpha3[c.alpha_3] = c.alpha_2
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names.setdefault(words_key(value), c.alpha_2)
        display[c.alpha_2] = getattr(c, "common_name", None) or c.name
    data = rules_yaml("aliases", "countries.yaml") or {}
    overrides = {str(k): str(v) for k, v in (data.get("display") or {}).items()}
    display.update(overrides)
    for code, spelling in overrides.items():
        names.setdefault(words_key(spelling), code)
    other: dict[str, str] = {}
    for code, spellings in (data.get("aliases") or {}).items():
        for spelling in spellings or ():
            key = words_key(str(spelling))
            if key not in names:
                other.setdefault(key, str(code))
            other.setdefault(_compact(key), str(code))
    # Codes written with dots or spaces ("U.S.", "G B R") are codes in another style.
    for a3, a2 in alpha3.items():
        other.setdefault(a3.lower(), a2)
    for a2 in display:
        other.setdefault(a2.lower(), a2)
    return alpha3, names, other, display


def _lookup_country(value: str) -> tuple[str | None, str | None]:
    alpha3, names, other, display = _country_tables()
    raw = value.strip()
    upper = raw.upper()
    if len(upper) == 2 and upper in display and upper.isalpha():
        return upper, "alpha2"
    if len(upper) == 3 and upper in alpha3:
        return alpha3[upper], "alpha3"
    key = words_key(raw)
    if key in names:
        return names[key], "name"
    for candidate in (key, key.removeprefix("the "), _compact(key)):
        if candidate in other:
            return other[candidate], "other"
        if candidate in names:
            return names[candidate], "other"
    return None, None


def _trimmed(s: pd.Series) -> pd.Series:
    arr = trim(flat(arrow(s)))
    return text(pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr), s.index)


def _frame(pairs: list[tuple[str | None, str | None]], columns: tuple[str, str]) -> pd.DataFrame:
    first = pd.Series([p[0] for p in pairs], dtype=TEXT)
    second = pd.Series([p[1] for p in pairs], dtype=TEXT)
    return pd.DataFrame({columns[0]: first, columns[1]: second})


def country_code(s: pd.Series) -> pd.DataFrame:
    """ISO alpha-2 of each value (NaN if unknown) and the `style` it was written in.

    Styles: "alpha2" (US), "alpha3" (USA), "name" (an official or common English name, any
    case or accents), "other" (aliases, native names, misspellings, dotted codes).
    """

    def lookup(u: pd.Series) -> pd.DataFrame:
        return _frame([_lookup_country(v) for v in u.tolist()], ("alpha2", "style"))

    return unique_map(nullify(s), lookup)


#: Python's whitespace among ASCII characters (str.isspace, `\s` in `re`): RE2's `\s`
#: lacks \v and \x1c-\x1f.
_WS = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"


def _last_part_ascii(a: pa.Array) -> pa.Array:
    a = pc.replace_substring_regex(a, rf"^{_WS}+|{_WS}+$", "")
    found = pc.extract_regex(a, rf"(?s)^.*{_WS}{{2,}}(?P<last>.*)$")
    part = pc.struct_field(found, [0])
    return pc.if_else(pc.is_valid(part), part, a)


def _last_part(v: str) -> str:
    return re.split(r"\s{2,}", v.strip())[-1]


def last_address_part(s: pd.Series) -> pd.Series:
    """The last part of a combined address whose parts are separated by two or more spaces
    ("12 Main St  Springfield  IL  62701  US" -> "US"), once per distinct value: ASCII
    values in pyarrow, others (Unicode whitespace) in Python."""

    def parts(a: pa.Array) -> pa.Array:
        out = _last_part_ascii(a)
        other = ~to_numpy_mask(pc.fill_null(pc.string_is_ascii(a), True))
        if other.any():
            values = a.filter(pa.array(other)).to_pylist()
            fixed = pa.array([_last_part(v) for v in values], out.type)
            out = pc.replace_with_mask(out, pa.array(other), fixed)
        return out

    return text(map_distinct(arrow(s), parts), s.index)


def country_display(alpha2: pd.Series, style: str) -> pd.Series:
    """The canonical spelling of each alpha-2 code in a style ("US", "USA", "United States")."""
    if style not in ("alpha2", "alpha3", "name"):
        raise ValueError(f"style must be alpha2, alpha3 or name, not {style!r}")
    alpha3, _, _, display = _country_tables()
    to_alpha3 = {a2: a3 for a3, a2 in alpha3.items()}

    def spell(code: str) -> str | None:
        code = code.strip().upper()
        if code not in display:
            return None
        if style == "alpha2":
            return code
        if style == "alpha3":
            return to_alpha3.get(code)
        return display[code]

    def apply(u: pd.Series) -> pd.Series:
        return pd.Series([spell(v) for v in u.tolist()], dtype=TEXT)

    # Codes are trimmed, not nullified: "NA" is Namibia here, not "not available".
    return unique_map(_trimmed(alpha2), apply)


def _pycountry_names(name: str) -> list[str]:
    """Every spelling inside a pycountry subdivision name ("Wales [Cymru GB-CYM]",
    "Madrid, Comunidad de" -> also "Madrid" and "Comunidad de Madrid")."""
    out = []
    base = _BRACKETS.sub("", name).strip()
    out.append(base)
    for inner in _BRACKETS.findall(name):
        inner = _CODE_TOKEN.sub("", inner).strip()
        if inner:
            out.append(inner)
    if ", " in base:
        head, tail = base.split(", ", 1)
        out += [head, f"{tail} {head}"]
    return out


def _display_subdivision(name: str) -> str:
    base = _BRACKETS.sub("", name).strip()
    if ", " in base:
        head, tail = base.split(", ", 1)
        return f"{tail} {head}"
    return base


class _StateTable:
    """Subdivision lookups of one country: codes, names and other spellings."""

    def __init__(self, country: str) -> None:
        self.country = country
        self.codes: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.other: dict[str, str] = {}
        self.display: dict[str, str] = {}
        subs = list(pycountry.subdivisions.get(country_code=country) or ())
        # Top-level subdivisions (states, regions) win over lower ones with the same name.
        subs.sort(key=lambda sd: (sd.parent_code is not None, sd.code))
        ambiguous: set[str] = set()
        for sd in subs:
            suffix = sd.code.split("-", 1)[1]
            self.codes[suffix] = sd.code
            self.display[sd.code] = _display_subdivision(sd.name)
            level = sd.parent_code is not None
            for spelling in _pycountry_names(sd.name):
                key = words_key(spelling)
                if key in self.names and self.names[key] != sd.code:
                    if not level:
                        ambiguous.add(key)
                    continue
                self.names[key] = sd.code
        for key in ambiguous:
            self.names.pop(key, None)
        if country == "US":
            self._add_us()
        aliases = (rules_yaml("aliases", "states.yaml") or {}).get(country) or {}
        for section, target in (("names", self.names), ("other", self.other)):
            for suffix, spellings in (aliases.get(section) or {}).items():
                code = f"{country}-{suffix}"
                for spelling in spellings or ():
                    target.setdefault(words_key(str(spelling)), code)
        for suffix, code in self.codes.items():
            self.other.setdefault(suffix.lower(), code)
        for key, code in list(self.other.items()):
            self.other.setdefault(_compact(key), code)

    def _add_us(self) -> None:
        import us  # only where a US state is looked up

        for st in [*us.states.STATES_AND_TERRITORIES, us.states.DC]:
            code = f"US-{st.abbr}"
            self.codes[st.abbr] = code
            self.names[words_key(st.name)] = code
            self.display[code] = st.name
            if st.ap_abbr and words_key(st.ap_abbr) != words_key(st.name):
                self.other[words_key(st.ap_abbr)] = code

    def lookup(self, value: str) -> tuple[str | None, str | None]:
        raw = value.strip()
        upper = raw.upper()
        if upper in self.codes:
            return self.codes[upper], "code"
        if upper.startswith(f"{self.country}-") and upper[len(self.country) + 1 :] in self.codes:
            return self.codes[upper[len(self.country) + 1 :]], "code"
        key = words_key(raw)
        if key in self.names:
            return self.names[key], "name"
        for candidate in (key, _compact(key)):
            if candidate in self.other:
                return self.other[candidate], "other"
        return None, None


@cache
def _state_table(country: str) -> _StateTable:
    return _StateTable(country)


def _lookup_state(value: str, country: object) -> tuple[str | None, str | None]:
    if isinstance(country, str) and country:
        return _state_table(country).lookup(value)
    hits = [_state_table(c).lookup(value) for c in _STATE_FALLBACK_COUNTRIES]
    found = [h for h in hits if h[0] is not None]
    return found[0] if len(found) == 1 else (None, None)


def state_code(s: pd.Series, country: pd.Series | None = None) -> pd.DataFrame:
    """ISO 3166-2 code of each state/province ("US-CA", "CA-ON") and the `style` written.

    `country` (any spelling, aligned with `s`) picks the country per row; where it is
    missing, US then CA then AU are tried and a value is kept only if exactly one knows it.
    """
    values = nullify(s)
    if country is None:
        countries = pd.Series(np.nan, index=values.index, dtype=TEXT)
    else:
        countries = country_code(country.reindex(values.index))["alpha2"]

    def lookup(u: pd.Series, c: pd.Series) -> pd.DataFrame:
        pairs = [_lookup_state(v, cc) for v, cc in zip(u.tolist(), c.tolist(), strict=True)]
        return _frame(pairs, ("code", "style"))

    return pair_unique_map(values, countries, lookup)


def state_display(code: pd.Series, style: str) -> pd.Series:
    """The spelling of each ISO 3166-2 code in a style: "CA" ("code") or "California" ("name")."""
    if style not in ("code", "name"):
        raise ValueError(f"style must be code or name, not {style!r}")

    def spell(value: str) -> str | None:
        value = value.strip().upper()
        if "-" not in value:
            return None
        country, suffix = value.split("-", 1)
        table = _state_table(country)
        if suffix not in table.codes:
            return None
        return suffix if style == "code" else table.display.get(value)

    def apply(u: pd.Series) -> pd.Series:
        return pd.Series([spell(v) for v in u.tolist()], dtype=TEXT)

    return unique_map(_trimmed(code), apply)
