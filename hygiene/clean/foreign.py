"""Columns of another platform's export that a target's import would misread.

Cleaning a Mailchimp audience for HubSpot (or any export for another platform's import)
carries its columns through under their own names, but two kinds must not travel: the
source's own status words ("Member Status: subscribed" beside the target's own opt-out
marking, "Non-marketing contact", would contradict it, and an import would make them a
property), and its member ids beyond the one kept under "Original Record ID" (Mailchimp's
LEID beside EUID). They are left out of the cleaned file and listed in clean_summary.json
`left_out_columns`, as the target's read-only properties are. The generic target keeps the
file's own columns.
"""

from __future__ import annotations

from ..links.state import STATE_FIELDS
from ..load.presets import header_key, platform_presets
from ..prepared import Prepared
from .targets import Target

#: Fields holding a record's id in its own system.
ID_FIELDS = ("record_id", "source_id")


def id_column(prep: Prepared) -> str | None:
    """The column `Source.record_ids` reads: record_id, else source_id."""
    src = prep.source
    return src.column_for("record_id") or src.column_for("source_id")


def foreign_columns(prep: Prepared, target: Target) -> list[str]:
    """The source's columns to leave out of a cleaned file for `target`: its status fields
    the target has no header for, and its id columns other than `id_column`, when the
    target is another platform's (not generic)."""
    src = prep.source
    if target.name == "generic" or src.platform == (target.platform or target.name):
        return []
    preset = platform_presets().get(src.platform)
    known = preset.keys() if preset is not None else {}
    keep_id = id_column(prep)
    out = []
    for col in src.data.columns:
        name = str(col)
        fld = src.columns.get(name)
        preset_field = known.get(header_key(name), (None, 0))[0]
        if fld in STATE_FIELDS and fld not in target.headers:
            out.append(name)
        elif (fld in ID_FIELDS or preset_field in ID_FIELDS) and name != keep_id:
            out.append(name)
    return out
