"""crm-hygiene: audit CRM and email-platform contact exports before automating on them.

The public API is small: `audit()` returns an `Audit` (score, findings, duplicates, and
`save()` for the reports); the rest lives in submodules.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .audit import Audit, audit
from .errors import ConfigError, HygieneError, InputError
from .model import Finding, Source

__all__ = [
    "Audit",
    "ConfigError",
    "Finding",
    "HygieneError",
    "InputError",
    "Source",
    "__version__",
    "audit",
]
