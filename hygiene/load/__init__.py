"""Load contact exports into `Source`s: CSV/TSV/TXT, XLSX/XLSM, Mailchimp audience ZIPs.

Every cell is read as text (leading zeros survive, nothing is inferred); the platform is
detected from the headers and columns are mapped onto canonical fields (hygiene.model.FIELDS)
by the platform's preset (rules/platforms/*.yaml), by similarity, or by the user's overrides.
"""

from __future__ import annotations

from .mapping import map_columns
from .presets import (
    Preset,
    detect_platform,
    platform_kind,
    platform_presets,
    source_kind,
    source_kinds,
)
from .source import load_source, load_sources
from .spec import SourceSpec, apply_overrides, parse_source_args

__all__ = [
    "Preset",
    "SourceSpec",
    "apply_overrides",
    "detect_platform",
    "load_source",
    "load_sources",
    "map_columns",
    "parse_source_args",
    "platform_kind",
    "platform_presets",
    "source_kind",
    "source_kinds",
]
