"""Platform presets (rules/platforms/*.yaml) and platform detection from headers.

A preset lists a platform's real export headers and the canonical field of each (or null
for a known header with no field). Detection scores each preset by how much of a file's
header it explains, headers that only one platform uses weighing more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

from ..errors import ConfigError
from ..model import FIELDS, Source
from ..resources import load_yaml, rules_dir

GENERIC = "generic"
#: Below this score a file is "generic": no preset explains enough of its header.
DETECT_THRESHOLD = 0.4
_SIGNATURE_WEIGHT = 3.0
_UNIQUE_WEIGHT = 2.0
# A preset that matches only headers every platform has ("Email", "First Name") is no
# evidence of that platform: its score is scaled down by this.
_NO_EVIDENCE = 0.3

_NOT_ALNUM = re.compile(r"[\W_]+")


def header_key(header: str) -> str:
    """A header compared loosely: casefolded, spaces and punctuation removed."""
    return _NOT_ALNUM.sub("", header.casefold())


@dataclass(frozen=True)
class Preset:
    """One platform's export headers and their canonical fields."""

    platform: str
    title: str
    kind: str
    #: Export header as written -> canonical field, or None for a known header with no field.
    columns: Mapping[str, str | None] = field(default_factory=dict)
    signatures: tuple[str, ...] = ()
    #: generic only: canonical field -> synonyms used for similarity mapping.
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Prefixes some versions of the export put before every header (Pipedrive's
    #: "Person - "): each header is known with and without them.
    prefixes: tuple[str, ...] = ()
    #: Object variant (e.g. "lead", "contact") -> headers only that object's export carries.
    objects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def _spellings(self, header: str) -> list[str]:
        return [header_key(header)] + [header_key(p + header) for p in self.prefixes]

    def keys(self) -> dict[str, tuple[str | None, int]]:
        """header_key -> (field, position in the preset); the first listing of a key wins."""
        out: dict[str, tuple[str | None, int]] = {}
        for i, (header, fld) in enumerate(self.columns.items()):
            for key in self._spellings(header):
                out.setdefault(key, (fld, i))
        return out

    def signature_keys(self) -> frozenset[str]:
        return frozenset(k for h in self.signatures for k in self._spellings(h))


def platform_presets() -> dict[str, Preset]:
    """Every preset under rules/platforms/, by platform name (generic included)."""
    return dict(_load_presets(_stamp()))


@cache
def platform_kind(platform: str) -> str:
    """ "crm" or "esp", as the platform preset says (generic exports count as CRM)."""
    path = rules_dir() / "platforms" / f"{platform}.yaml"
    if not path.is_file():
        return "crm"
    doc = load_yaml(path)
    kind = doc.get("kind", "crm") if isinstance(doc, dict) else "crm"
    return "esp" if kind == "esp" else "crm"


def source_kind(platform: str, asked: str | None = None) -> str:
    """A source's kind (`KINDS`): as asked (hygiene.toml's `kind`, `--kind`, `kinds=`), else
    its platform's. The one place a kind is worked out: the audit, the links, the Spark
    engine, `hygiene init` and `Audit.kinds` all call it."""
    return asked or platform_kind(platform)


def source_kinds(
    platforms: Mapping[str, str], asked: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`source_kind` of each source, from source name -> platform and the kinds asked by
    name (names not among the sources are the caller's to refuse: `check_kinds`)."""
    given = asked or {}
    return {name: source_kind(platform, given.get(name)) for name, platform in platforms.items()}


def _stamp() -> tuple[tuple[str, float], ...]:
    """The preset files and their mtimes: the cache key, so an edited YAML is re-read."""
    files = sorted((rules_dir() / "platforms").glob("*.yaml"))
    return tuple((str(p), p.stat().st_mtime) for p in files)


@cache
def _load_presets(stamp: tuple[tuple[str, float], ...]) -> tuple[tuple[str, Preset], ...]:
    presets = [_parse_preset(Path(path)) for path, _ in stamp]
    if not any(p.platform == GENERIC for p in presets):
        raise ConfigError(f"{rules_dir() / 'platforms'}: generic.yaml is missing; reinstall")
    return tuple((p.platform, p) for p in presets)


def _parse_preset(path: Path) -> Preset:
    doc = load_yaml(path)
    if not isinstance(doc, dict) or not doc.get("platform"):
        raise ConfigError(f"{path}: a platform preset needs 'platform', 'title', 'kind', 'columns'")
    columns = doc.get("columns") or {}
    synonyms = doc.get("synonyms") or {}
    if not isinstance(columns, dict) or not isinstance(synonyms, dict):
        raise ConfigError(f"{path}: 'columns' and 'synonyms' must be mappings")
    fields = [f for f in columns.values() if f is not None] + list(synonyms)
    for fld in fields:
        if fld not in FIELDS:
            raise ConfigError(f"{path}: unknown canonical field {fld!r}; use one of hygiene FIELDS")
    return Preset(
        platform=str(doc["platform"]),
        title=str(doc.get("title", doc["platform"])),
        kind=str(doc.get("kind", "crm")),
        columns=MappingProxyType({str(k): v for k, v in columns.items()}),
        signatures=tuple(str(s) for s in doc.get("signatures") or ()),
        prefixes=tuple(str(s) for s in doc.get("prefixes") or ()),
        objects=MappingProxyType(
            {str(k): tuple(str(h) for h in v or ()) for k, v in (doc.get("objects") or {}).items()}
        ),
        synonyms=MappingProxyType(
            {str(k): tuple(str(s) for s in v or ()) for k, v in synonyms.items()}
        ),
    )


@dataclass(frozen=True)
class _Index:
    """Lookup tables derived once from the presets."""

    keys: Mapping[str, Mapping[str, tuple[str | None, int]]]
    signatures: Mapping[str, frozenset[str]]
    unique: Mapping[str, frozenset[str]]
    synonyms: Mapping[str, str]
    elsewhere: Mapping[str, str]


@cache
def _index_for(stamp: tuple[tuple[str, float], ...]) -> _Index:
    presets = dict(_load_presets(stamp))
    keys = {name: p.keys() for name, p in presets.items() if name != GENERIC}
    synonyms: dict[str, str] = {}
    for syn_field, words in presets[GENERIC].synonyms.items():
        for word in words:
            synonyms.setdefault(header_key(word), syn_field)
    owners: dict[str, set[str]] = {}
    fields_of: dict[str, set[str | None]] = {}
    for name, ks in keys.items():
        for k, (fld, _) in ks.items():
            owners.setdefault(k, set()).add(name)
            fields_of.setdefault(k, set()).add(fld)
    unique = {
        name: frozenset(k for k in ks if len(owners[k]) == 1 and k not in synonyms)
        for name, ks in keys.items()
    }
    # A header some preset maps, and every preset that knows it maps to the same field.
    elsewhere: dict[str, str] = {}
    for k, fs in fields_of.items():
        only = next(iter(fs))
        if len(fs) == 1 and only is not None:
            elsewhere[k] = only
    return _Index(
        keys=keys,
        signatures={n: presets[n].signature_keys() for n in keys},
        unique=unique,
        synonyms=synonyms,
        elsewhere=elsewhere,
    )


def preset_index() -> _Index:
    return _index_for(_stamp())


def detect_platform(headers: Sequence[str]) -> tuple[str, float]:
    """The platform whose export these headers are, with a 0-1 confidence.

    Below DETECT_THRESHOLD the answer is ("generic", 1 - best score).
    """
    keys = list(dict.fromkeys(k for k in map(header_key, headers) if k))
    if not keys:
        return GENERIC, 1.0
    index = preset_index()
    ranked = []
    for name in sorted(index.keys):
        score, matched = _score(keys, name, index)
        ranked.append((score, matched, name))
    ranked.sort(key=lambda t: (-t[0], -t[1], t[2]))
    score, _, name = ranked[0]
    if score < DETECT_THRESHOLD:
        return GENERIC, round(1.0 - score, 3)
    return name, round(score, 3)


def _score(keys: Sequence[str], name: str, index: _Index) -> tuple[float, int]:
    known, sigs, unique = index.keys[name], index.signatures[name], index.unique[name]
    weight, unmatched, evidence, matched = 0.0, 0, False, 0
    for k in keys:
        if k not in known:
            unmatched += 1
            continue
        matched += 1
        w = _SIGNATURE_WEIGHT if k in sigs else _UNIQUE_WEIGHT if k in unique else 1.0
        evidence = evidence or w > 1.0
        weight += w
    if not weight:
        return 0.0, 0
    score = weight / (weight + unmatched)
    return (score if evidence else score * _NO_EVIDENCE), matched


def export_object(platform: str, headers: Sequence[str]) -> str | None:
    """Which object an export of `platform` holds ("lead", "contact"), by the headers only
    one object's export carries (the preset's `objects`); None when the headers do not say."""
    preset = platform_presets().get(platform)
    if preset is None or not preset.objects:
        return None
    keys = {header_key(h) for h in headers}
    counts = {
        name: sum(1 for h in marks if header_key(h) in keys)
        for name, marks in preset.objects.items()
    }
    best = max(counts.values(), default=0)
    winners = [name for name, c in counts.items() if c == best]
    return winners[0] if best and len(winners) == 1 else None


def export_variant(source: Source) -> str:
    """The platform with the export's object where the platform has several ("salesforce"
    for Contacts, "salesforce_lead" for Leads): what an import target is chosen by."""
    obj = export_object(source.platform, [str(c) for c in source.data.columns])
    default = next(iter(platform_presets()[source.platform].objects), None) \
        if source.platform in platform_presets() else None
    return source.platform if obj is None or obj == default else f"{source.platform}_{obj}"
