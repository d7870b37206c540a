"""`hygiene rules export --gx FILE`: the column rules as a Great Expectations suite.

The suite reads the canonical field names (email, first_name, ...) plus the derived
email_local / email_domain columns, with values normalised as crm-hygiene normalises them
(trimmed, null-likes empty, email lower-cased): a team applies it to its own normalised table.
"""

from __future__ import annotations

from pathlib import Path

from ..fileio import atomic_write
from ..workflows import load_workflows, required_fields
from .gx import compile_rules, suite_json
from .rules import load_rules

WORKFLOW_FIELDS = "*workflows"


def export_suite(path: Path, workflows: list[str] | None = None) -> Path:
    """Write the suite: each GX rule over each of its fields (`*workflows`: all required fields)."""
    available = load_workflows()
    chosen = [available[n] for n in workflows] if workflows else list(available.values())
    needed = list(required_fields(chosen))
    rules = [r for r in load_rules() if r.enabled and r.engine == "gx"]
    fields = {
        r.code: [
            g
            for f in r.fields
            for g in (needed if f == WORKFLOW_FIELDS else [f])
            if g not in r.params.get("skip_fields", ())
        ]
        for r in rules
    }
    text = suite_json(compile_rules(rules, fields))
    with atomic_write(path) as fh:
        fh.write(text + "\n")
    return path
