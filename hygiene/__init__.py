"""crm-hygiene: audit CRM and email-platform contact exports before automating on them.

The public API is small: `audit()` returns an `Audit` (score, findings, duplicates, and
`save()` for the reports), `clean()` writes the cleaned lists back in each system's import
format; the rest lives in submodules.

The names below are imported on first use, so `import hygiene` (and every `hygiene`
command that runs no audit) loads neither pandas nor Great Expectations.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, HygieneError, InputError
from .version import __version__

if TYPE_CHECKING:
    from . import clean
    from .audit import audit
    from .clean import CleanResult
    from .model import Finding, Source
    from .results import Audit

__all__ = [
    "Audit",
    "CleanResult",
    "ConfigError",
    "Finding",
    "HygieneError",
    "InputError",
    "Source",
    "__version__",
    "audit",
    "clean",
]

#: Name -> (module, attribute; None for the module itself).
_LAZY = {
    "Audit": ("hygiene.results", "Audit"),
    "CleanResult": ("hygiene.clean", "CleanResult"),
    "Finding": ("hygiene.model", "Finding"),
    "Source": ("hygiene.model", "Source"),
    # `hygiene.clean` is a package you can call: `hygiene.clean(...)` runs `clean.clean(...)`,
    # while `hygiene.clean.plan_clean` and every submodule stay importable.
    "clean": ("hygiene.clean", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hygiene' has no attribute {name!r}")
    module, attr = _LAZY[name]
    found = importlib.import_module(module)
    return found if attr is None else getattr(found, attr)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """`hygiene.audit` is the function, never the module of the same name: importing the
    submodule binds it on the package, and this property keeps the function in its place."""

    @property
    def audit(self) -> Any:
        return importlib.import_module("hygiene.audit").audit

    @audit.setter
    def audit(self, value: Any) -> None:
        # The import system binds each submodule on its package: `hygiene.audit` stays the
        # function (the module is sys.modules["hygiene.audit"]).
        pass


sys.modules[__name__].__class__ = _Package
