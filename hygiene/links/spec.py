"""Declared links and the default ones, resolved against the loaded sources.

Two kinds, told apart by their ends:
- records: `from = "esp"`, `to = "crm"` (source names): the same person in both systems,
  joined on the normalised email and on id pairs (`on = ["email", "CRM ID=record_id"]`).
- references: `from = "deals.contact_id"`, `to = "crm.record_id"` (SOURCE.FIELD or
  SOURCE.COLUMN): every value of the `from` column must point at a row of the target.
Default links: every ESP with every CRM, joined on email; ESP members must be in the CRM,
marketable CRM contacts in the ESP (`require`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from ..errors import ConfigError
from ..load.presets import header_key
from ..model import Source
from ..resources import rules_yaml

#: What `require` may ask of one side of a records link.
REQUIRE = ("all", "marketable", "none")
#: Default requirement by source kind: every ESP member needs a CRM record; of CRM records,
#: only those marked marketable must be in the ESP.
DEFAULT_REQUIRE = {"esp": "all", "crm": "marketable"}
LINK_KEYS = ("name", "from", "to", "on", "require", "active")
#: Target names a source with first and last name columns answers by joining the two.
COMPOSED = ("full_name", "name")


@dataclass(frozen=True)
class LinkSpec:
    """A link as declared (hygiene.toml `[[links]]`, `--link FROM=TO`) or by default."""

    from_: str
    to: tuple[str, ...]
    name: str = ""
    on: tuple[str, ...] = ("email",)
    #: Source name -> "all" | "marketable" | "none" (records links; defaults by kind).
    require: Mapping[str, str] = field(default_factory=dict)
    #: SOURCE.COLUMN whose false / "inactive" rows do not count as targets (users who left).
    active: str | None = None
    #: Where it was declared, for error messages ("hygiene.toml: [[links]] #2").
    where: str = "--link"

    @property
    def label(self) -> str:
        return self.name or f"{self.from_} -> {', '.join(self.to)}"


@dataclass(frozen=True)
class Ref:
    """One end of a link: a source, and a field or column of it (None: the whole source)."""

    source: str
    ref: str | None = None

    def __str__(self) -> str:
        return self.source if self.ref is None else f"{self.source}.{self.ref}"


@dataclass(frozen=True)
class Resolved:
    """A link checked against the loaded sources."""

    spec: LinkSpec
    kind: str  # "records" | "reference"
    origin: Ref
    targets: tuple[Ref, ...]
    require: Mapping[str, str] = field(default_factory=dict)
    active: Ref | None = None
    use_email: bool = True
    #: Id columns joined besides the email (records links): (column of a, column of b).
    id_pairs: tuple[tuple[str, str], ...] = ()


def parse_link(text: str) -> LinkSpec:
    """`FROM=TO[,TO...]` from the command line: `esp=crm`, `deals.contact_id=crm.record_id`,
    `crm.owner=users.email,users.full_name`."""
    left, sep, right = text.partition("=")
    targets = tuple(t.strip() for t in right.split(",") if t.strip())
    if not sep or not left.strip() or not targets:
        raise ConfigError(
            f"--link {text!r}: write FROM=TO, e.g. esp=crm or deals.contact_id=crm.record_id"
        )
    return LinkSpec(from_=left.strip(), to=targets, where=f"--link {text}")


def link_from_mapping(raw: object, where: str) -> LinkSpec:
    """A `[[links]]` table of hygiene.toml; every problem names `where` and the key."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a table with from = ... and to = ...")
    unknown = sorted(set(raw) - set(LINK_KEYS))
    if unknown:
        raise ConfigError(f"{where} {unknown[0]}: unknown key; allowed: {', '.join(LINK_KEYS)}")
    origin = raw.get("from")
    if not isinstance(origin, str) or not origin.strip():
        raise ConfigError(f"{where} from: give a source (esp) or SOURCE.FIELD (deals.contact_id)")
    to_raw = raw.get("to")
    to = (to_raw,) if isinstance(to_raw, str) else to_raw
    if not isinstance(to, (list, tuple)) or not to or not all(
        isinstance(t, str) and t.strip() for t in to
    ):
        raise ConfigError(f"{where} to: give a source (crm) or SOURCE.FIELD, or a list of them")
    on_raw = raw.get("on", ["email"])
    on = (on_raw,) if isinstance(on_raw, str) else on_raw
    if not isinstance(on, (list, tuple)) or not all(isinstance(o, str) for o in on):
        raise ConfigError(f"{where} on: a list of \"email\" and \"FROM_COLUMN=TO_COLUMN\" pairs")
    for o in on:
        if o != "email" and "=" not in o:
            raise ConfigError(f"{where} on: {o!r} is neither \"email\" nor FROM_COLUMN=TO_COLUMN")
    require = raw.get("require", {})
    if not isinstance(require, Mapping):
        raise ConfigError(f"{where} require: a table such as {{ esp = \"all\", crm = \"none\" }}")
    for side, value in require.items():
        if value not in REQUIRE:
            raise ConfigError(
                f"{where} require.{side}: {value!r} is not one of {', '.join(REQUIRE)}"
            )
    active = raw.get("active")
    if active is not None and (not isinstance(active, str) or "." not in active):
        raise ConfigError(f"{where} active: give SOURCE.COLUMN, e.g. users.Active")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise ConfigError(f"{where} name: must be text")
    return LinkSpec(
        from_=origin.strip(),
        to=tuple(t.strip() for t in to),
        name=name,
        on=tuple(on),
        require=dict(require),
        active=active,
        where=where,
    )


def split_ref(text: str, names: Sequence[str]) -> Ref | None:
    """`crm` -> Ref("crm"); `deals.contact_id` -> Ref("deals", "contact_id"); the longest
    source name wins (names may hold dots); None when no source name fits."""
    if text in names:
        return Ref(text)
    best = ""
    for n in names:
        if text.startswith(n + ".") and len(n) > len(best):
            best = n
    if not best:
        return None
    return Ref(best, text[len(best) + 1 :])


def column_of(source: Source, ref: str) -> str | None:
    """The column `ref` names in `source`: a canonical field it maps, else a header (case,
    spaces and punctuation ignored: `contact_id` finds "Contact ID")."""
    col = source.column_for(ref)
    if col is not None:
        return col
    if ref in source.data.columns:
        return ref
    key = header_key(ref)
    for c in source.data.columns:
        if header_key(str(c)) == key:
            return str(c)
    return None


def _ref(spec: LinkSpec, text: str, end: str, sources: Mapping[str, Source]) -> Ref:
    ref = split_ref(text, list(sources))
    if ref is None:
        raise ConfigError(
            f"{spec.where}: {text!r} names no source (the {end} side of the link); the "
            f"sources are: {', '.join(sources)} (name one NAME=PATH to link it by that name)"
        )
    src = sources[ref.source]
    # A full name a source splits into first and last name is built from the two.
    composed = ref.ref in COMPOSED and src.has("first_name") and src.has("last_name")
    if ref.ref is not None and not composed and column_of(src, ref.ref) is None:
        shown = ", ".join(repr(str(c)) for c in list(src.data.columns)[:12])
        raise ConfigError(
            f"{spec.where} {end}: source {ref.source!r} has no field or column {ref.ref!r}; "
            f"its columns are: {shown}"
        )
    return ref


def resolve(
    spec: LinkSpec, sources: Mapping[str, Source], kinds: Mapping[str, str]
) -> Resolved:
    """Check `spec` against the loaded sources (names, columns, requirements)."""
    origin = _ref(spec, spec.from_, "from", sources)
    targets = tuple(_ref(spec, t, "to", sources) for t in spec.to)
    records = origin.ref is None and len(targets) == 1 and targets[0].ref is None
    if not records:
        if origin.ref is None:
            raise ConfigError(
                f"{spec.where} from: a reference needs SOURCE.FIELD (e.g. crm.owner), "
                f"not the source {origin.source!r} alone"
            )
        active = _ref(spec, spec.active, "active", sources) if spec.active else None
        if active is not None and active.ref is None:
            raise ConfigError(f"{spec.where} active: give SOURCE.COLUMN, e.g. users.Active")
        return Resolved(spec, "reference", origin, targets, active=active)
    a, b = origin.source, targets[0].source
    if a == b:
        raise ConfigError(f"{spec.where}: a link joins two different sources, not {a!r} twice")
    require: dict[str, str] = {}
    for side in (a, b):
        require[side] = DEFAULT_REQUIRE.get(kinds.get(side, "crm"), "none")
    for side, value in spec.require.items():
        if side not in (a, b):
            raise ConfigError(
                f"{spec.where} require.{side}: not a side of this link (sides: {a}, {b})"
            )
        require[side] = value
    pairs: list[tuple[str, str]] = []
    for o in spec.on:
        if o == "email":
            continue
        left, _, right = o.partition("=")
        ca = column_of(sources[a], left.strip())
        cb = column_of(sources[b], right.strip())
        if ca is None or cb is None:
            missing, side = (left, a) if ca is None else (right, b)
            raise ConfigError(
                f"{spec.where} on: source {side!r} has no field or column {missing.strip()!r}"
            )
        pairs.append((ca, cb))
    return Resolved(
        spec, "records", origin, targets, require=require, use_email="email" in spec.on,
        id_pairs=tuple(pairs),
    )


@cache
def _crm_id_keys() -> frozenset[str]:
    doc = rules_yaml("aliases", "link_ids.yaml") or {}
    return frozenset(header_key(str(h)) for h in doc.get("crm_id_headers") or ())


def crm_id_column(esp: Source, crm: Source) -> str | None:
    """An ESP column holding the CRM's record ids (rules/aliases/link_ids.yaml), if both carry
    them: the column maps no field of the ESP's own, and the CRM has a record id."""
    if not crm.has("record_id"):
        return None
    keys = _crm_id_keys()
    for column in esp.data.columns:
        if column not in esp.columns and header_key(str(column)) in keys:
            return str(column)
    return None


def default_links(
    kinds: Mapping[str, str], sources: Mapping[str, Source] | None = None
) -> list[LinkSpec]:
    """Every ESP with every CRM (source order), joined on email, and on the CRM's id where
    the ESP carries it (when `sources` are given)."""
    esps = [n for n, k in kinds.items() if k == "esp"]
    crms = [n for n, k in kinds.items() if k == "crm"]
    out = []
    for e in esps:
        for c in crms:
            on: tuple[str, ...] = ("email",)
            column = crm_id_column(sources[e], sources[c]) if sources else None
            if column is not None:
                on = ("email", f"{column}=record_id")
            out.append(LinkSpec(from_=e, to=(c,), name=f"{e}-{c}", on=on,
                                where=f"default link {e}-{c}"))
    return out


def with_defaults(
    declared: Sequence[LinkSpec],
    kinds: Mapping[str, str],
    sources: Mapping[str, Source] | None = None,
) -> list[LinkSpec]:
    """`declared` plus the default links whose two sources no declared records link joins."""
    names = list(kinds)
    joined = set()
    for spec in declared:
        origin = split_ref(spec.from_, names)
        target = split_ref(spec.to[0], names) if len(spec.to) == 1 else None
        if origin is not None and target is not None and origin.ref is None and target.ref is None:
            joined.add(frozenset((origin.source, target.source)))
    extra = [d for d in default_links(kinds, sources)
             if frozenset((d.from_, d.to[0])) not in joined]
    return [*declared, *extra]
