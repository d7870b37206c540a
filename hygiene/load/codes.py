"""The finding codes the loader reports itself (`rules/loader.yaml`): their severity,
dimension and message template, read from that file so the loader, `hygiene rules` and
audit.json's schema say the same of them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from ..model import FINDING_COLUMNS
from ..resources import load_yaml, rules_dir

#: The file, under rules/, that lists the loader's codes.
LOADER_FILE = "loader.yaml"


@cache
def loader_codes() -> dict[str, Mapping[str, Any]]:
    """Code -> its entry in rules/loader.yaml (title, severity, dimension, message, fix)."""
    doc = load_yaml(rules_dir() / LOADER_FILE)
    return {str(r["code"]): r for r in doc["rules"]}


def loader_record(code: str, **values: Any) -> dict[str, Any]:
    """One finding record of a loader code: every finding column, the code's severity and
    dimension, and its message filled from `values` (those that are finding columns are set
    too)."""
    entry = loader_codes()[code]
    record: dict[str, Any] = {c: None for c in FINDING_COLUMNS}
    record.update({k: v for k, v in values.items() if k in FINDING_COLUMNS})
    record.update({
        "code": code,
        "severity": str(entry["severity"]),
        "dimension": str(entry["dimension"]),
        "message": str(entry["message"]).format(**values),
    })
    return record
