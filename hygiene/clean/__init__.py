"""Feed clean lists back into the CRM and the ESP (`hygiene clean`).

Plan first, write second: `plan_clean` decides every row's fate (kept, merged into a named
survivor, suppressed with a reason) and every cell's new value with the rule that changed
it; `check_accounting` proves no input row is lost; the writers only format the plan in the
target's import format (rules/targets/*.yaml).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from ..decisions import (
    FILE_NAME,
    Decisions,
    FixDecision,
    PairDecision,
    RecordRef,
    load_decisions,
    save_decisions,
)
from .api import CleanResult, clean
from .plan import AccountingError, CleanPlan, SourcePlan, check_accounting, plan_clean
from .review import read_review
from .settings import CleanSettings, load_settings
from .targets import Target, load_target, target_names

__all__ = [
    "FILE_NAME",
    "AccountingError",
    "CleanPlan",
    "CleanResult",
    "CleanSettings",
    "Decisions",
    "FixDecision",
    "PairDecision",
    "RecordRef",
    "SourcePlan",
    "Target",
    "check_accounting",
    "clean",
    "load_decisions",
    "load_settings",
    "load_target",
    "plan_clean",
    "read_review",
    "save_decisions",
    "target_names",
]


class _CallablePackage(types.ModuleType):
    """`hygiene.clean(...)` calls `clean`: the package keeps its submodules importable
    (a function of the same name in hygiene/__init__.py would hide them)."""

    def __call__(self, *args: Any, **kwargs: Any) -> CleanResult:
        return clean(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
