"""Workflow readiness profiles: rules/workflows/*.yaml plus a team's own YAML files.

A profile names the fields its records need, the findings that block a record from it, and
the score at which it counts as ready. See README "Workflows" for the format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import FIELDS
from .resources import load_yaml, rules_dir

_KEYS = {
    "name",
    "title",
    "description",
    "applies_to",
    "requires",
    "requires_any",
    "recommended",
    "blocking",
    "blocking_duplicates",
    "zero_tolerance",
    "needs_links",
    "ready_at",
    "subscription_types",
}


@dataclass(frozen=True)
class Workflow:
    """What one automation needs from the data."""

    name: str
    title: str
    description: str = ""
    #: Source kinds the workflow runs on: "crm", "esp".
    applies_to: tuple[str, ...] = ("crm", "esp")
    requires: tuple[str, ...] = ()
    #: Groups of fields of which each record needs at least one.
    requires_any: tuple[tuple[str, ...], ...] = ()
    recommended: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()
    blocking_duplicates: bool = False
    #: Codes of which a single finding keeps the workflow from being ready, whatever its
    #: score (mailing someone who opted out elsewhere breaks CAN-SPAM and GDPR).
    zero_tolerance: tuple[str, ...] = ()
    #: Names of sources (or link targets) that must be linked for the workflow to run at all.
    needs_links: tuple[str, ...] = ()
    ready_at: float = 90.0
    #: Subscription types the workflow sends (HubSpot "Opted out of email: <type>"): an
    #: opt-out of another type is no conflict for it. Empty: every type counts.
    subscription_types: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)


def _tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


def parse_workflow(doc: Mapping[str, Any], path: Path) -> Workflow:
    if not isinstance(doc, Mapping) or "name" not in doc:
        raise ConfigError(f"{path}: a workflow profile needs a 'name'")
    unknown = set(doc) - _KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    wf = Workflow(
        name=str(doc["name"]),
        title=str(doc.get("title", doc["name"])),
        description=" ".join(str(doc.get("description", "")).split()),
        applies_to=_tuple(doc.get("applies_to", ("crm", "esp"))),
        requires=_tuple(doc.get("requires")),
        requires_any=tuple(_tuple(g) for g in doc.get("requires_any") or ()),
        recommended=_tuple(doc.get("recommended")),
        blocking=_tuple(doc.get("blocking")),
        blocking_duplicates=bool(doc.get("blocking_duplicates", False)),
        zero_tolerance=_tuple(doc.get("zero_tolerance")),
        needs_links=_tuple(doc.get("needs_links")),
        ready_at=float(doc.get("ready_at", 90)),
        subscription_types=_tuple(doc.get("subscription_types")),
        path=path,
    )
    for f in [*wf.requires, *wf.recommended, *(x for g in wf.requires_any for x in g)]:
        if f not in FIELDS:
            raise ConfigError(f"{path}: unknown field {f!r} in workflow {wf.name}")
    for kind in wf.applies_to:
        if kind not in ("crm", "esp"):
            raise ConfigError(f"{path}: applies_to takes crm and/or esp, not {kind!r}")
    return wf


def load_workflows(extra: Iterable[Path | str] = ()) -> dict[str, Workflow]:
    """Shipped profiles plus `extra` files or folders of YAML; a later name replaces an earlier."""
    paths = sorted((rules_dir() / "workflows").glob("*.yaml"))
    for p in map(Path, extra):
        paths.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    out: dict[str, Workflow] = {}
    for p in paths:
        wf = parse_workflow(load_yaml(p), p)
        out[wf.name] = wf
    return out


def split_selection(items: Sequence[str]) -> tuple[list[str], list[Path]]:
    """`--workflow` values -> (profile names, profile files): a value ending in .yaml or .yml
    is a team's own profile, loaded and selected by the name inside it."""
    names: list[str] = []
    files: list[Path] = []
    for item in items:
        if item.lower().endswith((".yaml", ".yml")):
            path = Path(item)
            files.append(path)
            names.append(parse_workflow(load_yaml(path), path).name)
        else:
            names.append(item)
    return names, files


def select(available: Mapping[str, Workflow], names: Sequence[str] | None) -> list[Workflow]:
    """The workflows asked for by name (all when none are named)."""
    if not names:
        return list(available.values())
    missing = [n for n in names if n not in available]
    if missing:
        raise ConfigError(
            f"unknown workflow(s) {', '.join(missing)}; choose from {', '.join(available)}"
        )
    return [available[n] for n in names]


def required_fields(workflows: Sequence[Workflow]) -> dict[str, tuple[str, ...]]:
    """Field -> titles of the workflows that require it (for field.missing_required)."""
    out: dict[str, list[str]] = {}
    for wf in workflows:
        for f in wf.requires:
            out.setdefault(f, []).append(wf.title)
    return {f: tuple(ts) for f, ts in out.items()}


def required_by_kind(workflows: Sequence[Workflow], kind: str) -> tuple[str, ...]:
    """The fields the workflows that run on sources of `kind` require."""
    fields: dict[str, None] = {}
    for wf in workflows:
        if kind in wf.applies_to:
            fields.update(dict.fromkeys(wf.requires))
    return tuple(fields)
