"""Import targets: the headers, value forms and side files each system's import takes.

Each target is data in rules/targets/<name>.yaml (HubSpot, Salesforce, Mailchimp, Klaviyo,
generic); `load_target` reads one and checks it, so a team can add its own by dropping a file
there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..errors import ConfigError
from ..model import FIELDS
from ..resources import load_yaml, rules_dir

COUNTRY_FORMS = ("name", "alpha2", "alpha3", "keep")
STATE_FORMS = ("name", "code", "keep")
PHONE_FORMS = ("e164", "keep")
MERGE_CALLS = ("pairs", "salesforce", "none")
#: What a suppression column may hold: a canonical field, the ESP action, or a constant.
SUPPRESSION_VALUES = ("email", "record_id", "action")


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
    #: suppression.csv's leading columns: header -> "email" | "record_id" | "action" | "=const".
    suppression: Mapping[str, str] = field(default_factory=dict)
    merge_calls: str = "none"

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
    supp = (doc.get("suppression") or {}).get("columns") or {"Email": "email"}
    for header, value in supp.items():
        if not (isinstance(value, str) and (value in SUPPRESSION_VALUES or value.startswith("="))):
            raise ConfigError(
                f"{where}: suppression column {header!r}: use one of "
                f"{', '.join(SUPPRESSION_VALUES)} or =CONSTANT, not {value!r}"
            )
    kind = _choice(where, "kind", doc.get("kind", "crm"), ("crm", "esp"))
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
        suppression={str(k): str(v) for k, v in supp.items()},
        merge_calls=_choice(where, "merge_calls", doc.get("merge_calls", "none"), MERGE_CALLS),
    )


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
