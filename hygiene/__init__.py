"""crm-hygiene: audit CRM and email-platform contact exports before automating on them.

The public API is small: `audit()` returns an `Audit` (score, findings, duplicates, and
`save()` for the reports), `clean()` writes the cleaned lists back in each system's import
format; the rest lives in submodules.
"""

from __future__ import annotations

__version__ = "0.1.0"

# `hygiene.clean` is a package you can call: `hygiene.clean(...)` runs `clean.clean(...)`,
# while `hygiene.clean.plan_clean` and every submodule stay importable.
from . import clean
from .audit import Audit, audit
from .clean import CleanResult
from .errors import ConfigError, HygieneError, InputError
from .model import Finding, Source

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
