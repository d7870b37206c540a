"""What `hygiene clean` fixes and suppresses on its own: rules/clean.yaml plus the options
a run is given (--suppress-roles, hygiene.toml's [clean] table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import clean_table as clean_table
from ..errors import ConfigError
from ..resources import rules_yaml

#: Suppression reasons that come from the data's own consent fields, not from findings.
STATE_REASONS = ("unsubscribed", "cleaned")
#: Reasons `plan_clean` adds itself: no address at all (ESP imports need one), and the old
#: address of a fixed typo (an ESP keyed on the address keeps the old member otherwise).
EXTRA_REASONS = ("missing", "address_fixed")
#: Keys hygiene.toml's [clean] table may hold.


@dataclass(frozen=True)
class SuppressRule:
    """A suppression reason and the finding codes that give it (none: from consent state)."""

    reason: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CleanSettings:
    """Tuning of the planner; `load_settings` fills it from rules/clean.yaml."""

    suppress: tuple[SuppressRule, ...] = ()
    actions: Mapping[str, str] = field(default_factory=dict)
    suppress_roles: bool = False

    @property
    def reasons(self) -> tuple[str, ...]:
        """Reasons in the order one is named, without `role` unless it is switched on."""
        out = [r.reason for r in self.suppress if r.reason != "role" or self.suppress_roles]
        return (*out, *EXTRA_REASONS)

    def codes_of(self, reason: str) -> tuple[str, ...]:
        return next((r.codes for r in self.suppress if r.reason == reason), ())

    def action(self, reason: str) -> str:
        return self.actions.get(reason, "unsubscribe")


def load_settings(suppress_roles: bool = False) -> CleanSettings:
    """rules/clean.yaml read and checked; `suppress_roles` switches the role reason on."""
    doc: Any = rules_yaml("clean.yaml") or {}
    rules = []
    for item in doc.get("suppress") or ():
        if not isinstance(item, dict) or not isinstance(item.get("reason"), str):
            raise ConfigError("rules/clean.yaml: each suppress entry needs a `reason`")
        rules.append(SuppressRule(item["reason"], tuple(str(c) for c in item.get("codes") or ())))
    return CleanSettings(
        suppress=tuple(rules),
        actions={str(k): str(v) for k, v in (doc.get("actions") or {}).items()},
        suppress_roles=suppress_roles,
    )


