"""Import targets: the headers, value forms and side files each system's import takes.

Each target is data in rules/targets/<name>.yaml (HubSpot, Salesforce, Mailchimp, Klaviyo,
generic); `load_target` reads one and checks it, so a team can add its own by dropping a file
there. Besides headers and forms a target says how a record that must not be mailed is
marked in its own fields (`opt_out`) and what its suppression import looks like
(`suppression`); DEVELOPERS.md describes the keys.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from ..errors import ConfigError
from ..model import FIELDS
from ..resources import load_yaml, rules_dir

COUNTRY_FORMS = ("name", "alpha2", "alpha3", "keep")
STATE_FORMS = ("name", "code", "keep")
PHONE_FORMS = ("e164", "keep")
MERGE_CALLS = ("pairs", "salesforce", "none")
#: What a suppression column may hold besides a canonical field's cleaned value or a
#: "=constant": the address, the record id (only the target's own ids), the target's action,
#: and the record id kept for reference when it is not the target's.
SUPPRESSION_VALUES = ("email", "record_id", "action", "original_id")
#: The actions rules/clean.yaml gives a suppression reason.
ACTIONS = ("unsubscribe", "archive", "skip")


@dataclass(frozen=True)
class OptOutField:
    """How one of the target's fields says "do not mail" on a suppressed row."""

    field: str
    #: Action (rules/clean.yaml: unsubscribe, archive) -> value written.
    values: Mapping[str, str]
    #: Header of the column added when the export has no such field (None: not added).
    add_as: str | None = None


@dataclass(frozen=True)
class SuppressionFormat:
    """The target's own suppression import (suppression_<target>.csv)."""

    #: Header -> what it holds (SUPPRESSION_VALUES, a canonical field, or "=constant").
    columns: Mapping[str, str]
    #: What one row stands for: an address ("email") or a record ("record_id").
    key: str = "email"
    #: Action (rules/clean.yaml) -> the word this target's file uses; when given, rows of
    #: other actions are not in the file.
    actions: Mapping[str, str] = field(default_factory=dict)
    #: Import instructions, shown in README and clean_summary.json.
    how: str = ""


@dataclass(frozen=True)
class Target:
    """One system's import format (see rules/targets/*.yaml)."""

    name: str
    title: str
    kind: str
    key: str
    country_form: str
    state_form: str
    phone_form: str
    #: Canonical field -> the header the import expects.
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Fields whose header is used only when the column holds record ids (lookups).
    id_fields: tuple[str, ...] = ()
    #: Checkbox fields: their header is used only when the column holds true/false.
    bool_fields: tuple[str, ...] = ()
    #: The target's suppression import (suppression_<target>.csv).
    suppression: SuppressionFormat = field(
        default_factory=lambda: SuppressionFormat({"Email": "email"})
    )
    #: A record id of this platform (checked besides the source's platform), if known.
    id_pattern: str | None = None
    #: The platform whose exports' record ids this target takes (its own name, unless it is
    #: one object of a platform: salesforce_lead takes Salesforce's ids).
    platform: str = ""
    #: Fields written on every suppressed row, so the file itself says "do not mail".
    opt_out: tuple[OptOutField, ...] = ()
    merge_calls: str = "none"
    #: Headers (shell patterns, case ignored) of properties the import cannot set (HubSpot's
    #: "Unsubscribed from all email"): those columns are left out of the cleaned file.
    read_only: tuple[str, ...] = ()

    def is_read_only(self, header: str) -> bool:
        return any(fnmatch.fnmatchcase(header.casefold(), p.casefold()) for p in self.read_only)

    @property
    def is_esp(self) -> bool:
        return self.kind == "esp"


def target_names() -> list[str]:
    """Names of the shipped targets (rules/targets/*.yaml), sorted."""
    folder = rules_dir() / "targets"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _choice(where: str, key: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(allowed)}, not {value!r}")
    return value


@cache
def load_target(name: str) -> Target:
    """The target called `name` (a file in rules/targets/); a bad file names the key."""
    key = name.strip().lower()
    path = rules_dir() / "targets" / f"{key}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown target {name!r}; choose from {', '.join(target_names())}")
    doc: Any = load_yaml(path)
    where = str(path)
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: must be a mapping; see rules/targets/hubspot.yaml")
    forms = doc.get("forms") or {}
    headers = doc.get("headers") or {}
    unknown = sorted(set(headers) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where}: headers: unknown field(s) {unknown}")
    supp = _suppression(doc.get("suppression") or {}, where)
    opt_out = _opt_out(doc.get("opt_out") or {}, where)
    kind = _choice(where, "kind", doc.get("kind", "crm"), ("crm", "esp"))
    if kind == "crm" and not opt_out:
        # A CRM's cleaned file keeps every suppressed record: unmarked, it would be mailable.
        raise ConfigError(f"{where}: a CRM target needs opt_out: the fields that mark a record")
    read_only = tuple(str(h) for h in doc.get("read_only") or ())
    marking = [h for f in opt_out for h in (headers.get(f.field), f.add_as) if h]
    if any(fnmatch.fnmatchcase(h.casefold(), p.casefold()) for h in marking for p in read_only):
        raise ConfigError(f"{where}: opt_out writes a read_only property; mark with another")
    pattern = doc.get("id_pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise ConfigError(f"{where}: id_pattern: {exc}") from exc
    return Target(
        name=key,
        title=str(doc.get("title", key)),
        kind=kind,
        key=_choice(where, "key", doc.get("key", "email"), ("record_id", "email")),
        country_form=_choice(where, "forms.country", forms.get("country", "keep"), COUNTRY_FORMS),
        state_form=_choice(where, "forms.state", forms.get("state", "keep"), STATE_FORMS),
        phone_form=_choice(where, "forms.phone", forms.get("phone", "e164"), PHONE_FORMS),
        headers={str(k): str(v) for k, v in headers.items()},
        id_fields=tuple(str(f) for f in doc.get("id_fields") or ()),
        bool_fields=tuple(str(f) for f in doc.get("bool_fields") or ()),
        suppression=supp,
        id_pattern=None if pattern is None else str(pattern),
        platform=str(doc.get("platform") or key),
        opt_out=opt_out,
        merge_calls=_choice(where, "merge_calls", doc.get("merge_calls", "none"), MERGE_CALLS),
        read_only=read_only,
    )


def owns_ids(target: Target, platform: str, ids: pd.Series) -> bool:
    """Whether a source's record ids are `target`'s own: exported from that platform, and
    (where the target knows their form) nine in ten filled ids of that form. Only then do
    they go in the target's id column; a HubSpot Record ID is no Salesforce Id."""
    return owns_counted(target, platform, *id_counts(target, ids))


def id_counts(target: Target, ids: pd.Series) -> tuple[int, int]:
    """(filled ids, filled ids of the target's form): counts that add up over blocks of a
    source's rows, so an engine working on blocks decides `owns_ids` as on the whole."""
    filled = ids.dropna().astype(str).str.strip()
    filled = filled[filled != ""]
    if target.id_pattern is None:
        return len(filled), len(filled)
    return len(filled), int(filled.str.fullmatch(target.id_pattern).sum())


def owns_counted(target: Target, platform: str, filled: int, of_form: int) -> bool:
    """`owns_ids` from `id_counts` (summed over the source)."""
    if platform != (target.platform or target.name):
        return False
    if target.id_pattern is None:
        return True
    return filled > 0 and of_form / filled >= 0.9


def _suppression(doc: Any, where: str) -> SuppressionFormat:
    """`suppression:` checked: columns, key, actions, id_pattern, how."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: suppression: must be a mapping")
    columns = doc.get("columns") or {"Email": "email"}
    for header, value in columns.items():
        ok = isinstance(value, str) and (
            value in SUPPRESSION_VALUES or value in FIELDS or value.startswith("=")
        )
        if not ok:
            raise ConfigError(
                f"{where}: suppression column {header!r}: use one of "
                f"{', '.join(SUPPRESSION_VALUES)}, a canonical field or =CONSTANT, not {value!r}"
            )
    actions = doc.get("actions") or {}
    unknown = sorted(set(actions) - set(ACTIONS))
    if unknown:
        raise ConfigError(f"{where}: suppression.actions: unknown action(s) {unknown}")
    return SuppressionFormat(
        columns={str(k): str(v) for k, v in columns.items()},
        key=_choice(where, "suppression.key", doc.get("key", "email"), ("email", "record_id")),
        actions={str(k): str(v) for k, v in actions.items()},
        how=str(doc.get("how", "")).strip(),
    )


def _opt_out(doc: Any, where: str) -> tuple[OptOutField, ...]:
    """`opt_out:` checked: field -> {value: V or {action: V}, add_as: HEADER}."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: opt_out: must be a mapping of field -> value")
    out = []
    for fld, spec in doc.items():
        if fld not in FIELDS:
            raise ConfigError(f"{where}: opt_out: unknown field {fld!r}")
        if not isinstance(spec, dict) or "value" not in spec:
            raise ConfigError(f"{where}: opt_out.{fld}: needs a `value`")
        value = spec["value"]
        values = (
            {str(k): str(v) for k, v in value.items()}
            if isinstance(value, dict)
            else {a: str(value) for a in ACTIONS}
        )
        unknown = sorted(set(values) - set(ACTIONS))
        if unknown:
            raise ConfigError(f"{where}: opt_out.{fld}.value: unknown action(s) {unknown}")
        add = spec.get("add_as")
        out.append(OptOutField(str(fld), values, None if add is None else str(add)))
    return tuple(out)


def resolve_targets(
    names: list[str], asked: Mapping[str, str] | str | None, platforms: Mapping[str, str]
) -> dict[str, Target]:
    """Source name -> target: one name for every source, or NAME=TARGET per source; a source
    not named gets its own platform's target when one exists, else generic. `platforms` may
    name an export's object variant ("salesforce_lead"), which a plain "salesforce" follows."""
    per_source: dict[str, str] = {}
    default: str | None = None
    if isinstance(asked, str):
        default = asked
    elif asked:
        per_source = dict(asked)
        default = per_source.pop("*", None)
        unknown = sorted(set(per_source) - set(names))
        if unknown:
            raise ConfigError(
                f"--target {unknown[0]}=...: no source of that name; sources are: "
                f"{', '.join(names)}"
            )
    known = set(target_names())
    out: dict[str, Target] = {}
    for n in names:
        chosen = per_source.get(n) or default
        if chosen is None:
            chosen = platforms[n] if platforms[n] in known else "generic"
        elif platforms[n].startswith(f"{chosen}_") and platforms[n] in known:
            chosen = platforms[n]  # the object's own variant: salesforce -> salesforce_lead
        out[n] = load_target(chosen)
    return out
