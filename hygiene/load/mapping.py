"""Map original columns onto canonical fields: preset, synonyms, similarity, overrides.

Each column gets its best candidate field with a confidence:
- override (`--map`, `[sources.NAME.columns]`): 1.0
- header of the platform's preset: 1.0 (a preset header mapped to null stays unmapped)
- a generic synonym, ignoring case/spaces/punctuation: 0.95
- a header another preset maps (all presets agreeing on its field): 0.9
- rapidfuzz similarity to a generic synonym, at or above SIMILARITY_CUTOFF: 0.9 x similarity
Then each field goes to its most confident column (ties: preset order, then file order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz, process

from ..errors import ConfigError
from ..model import FIELDS
from .presets import GENERIC, header_key, platform_presets, preset_index

#: Similarity (0-100, rapidfuzz ratio on the loose header key) needed to map an unknown header.
#: 85 keeps "Mail" (email, 89), "Organisation" vs "Organization" (92) and drops "Notes",
#: "Favourite colour", "Phone no" (83).
SIMILARITY_CUTOFF = 85.0
EXACT = 1.0
SYNONYM = 0.95
OTHER_PRESET = 0.9
_FUZZY_SCALE = 0.9


def map_columns(
    headers: Sequence[str], platform: str, overrides: Mapping[str, str] | None = None
) -> tuple[dict[str, str], dict[str, float]]:
    """column -> field and column -> confidence for the headers of one source.

    `overrides` maps a column (as in the file, case-insensitive) to a field, "" to unmap it.
    """
    presets = platform_presets()
    if platform not in presets:
        raise ConfigError(f"unknown platform {platform!r}; use one of {', '.join(sorted(presets))}")
    forced = _resolve_overrides(headers, overrides or {})
    index = preset_index()
    known = index.keys.get(platform, {}) if platform != GENERIC else {}
    synonym_keys = list(index.synonyms)

    candidates: list[tuple[float, int, int, str, str]] = []
    for pos, column in enumerate(headers):
        if column in forced:
            continue
        key = header_key(column)
        if not key:
            continue
        if key in known:
            fld, order = known[key]
            if fld is not None:
                candidates.append((EXACT, order, pos, column, fld))
            continue
        if key in index.synonyms:
            candidates.append((SYNONYM, 0, pos, column, index.synonyms[key]))
        elif key in index.elsewhere:
            candidates.append((OTHER_PRESET, 0, pos, column, index.elsewhere[key]))
        else:
            hit = process.extractOne(
                key, synonym_keys, scorer=fuzz.ratio, score_cutoff=SIMILARITY_CUTOFF
            )
            if hit is not None:
                conf = round(_FUZZY_SCALE * hit[1] / 100.0, 3)
                candidates.append((conf, 0, pos, column, index.synonyms[hit[0]]))

    mapping: dict[str, str] = {}
    confidence: dict[str, float] = {}
    taken: set[str] = set()
    for column, fld in forced.items():
        if fld:
            mapping[column], confidence[column] = fld, EXACT
            taken.add(fld)
    for conf, _order, _pos, column, fld in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if fld in taken or column in mapping:
            continue
        mapping[column], confidence[column] = fld, conf
        taken.add(fld)
    position = {c: i for i, c in enumerate(headers)}
    mapping = dict(sorted(mapping.items(), key=lambda kv: position[kv[0]]))
    confidence = {c: confidence[c] for c in mapping}
    return mapping, confidence


def _resolve_overrides(headers: Sequence[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Override keys matched to the file's columns (exactly, else ignoring case and spaces)."""
    by_loose = {h.strip().casefold(): h for h in headers}
    out: dict[str, str] = {}
    for column, fld in overrides.items():
        if fld and fld not in FIELDS:
            raise ConfigError(f"--map {column}={fld}: unknown field {fld!r}")
        real = column if column in headers else by_loose.get(column.strip().casefold())
        if real is None:
            near = process.extractOne(column, list(headers), scorer=fuzz.ratio)
            hint = f"; did you mean {near[0]!r}?" if near and near[1] >= 70 else ""
            raise ConfigError(f"--map {column}={fld}: no column named {column!r}{hint}")
        out[real] = fld
    return out
