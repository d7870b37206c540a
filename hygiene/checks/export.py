"""`hygiene rules export --gx FILE`: the column rules as a Great Expectations suite.

The suite reads the canonical field names (email, first_name, ...) plus the derived
email_local / email_domain columns, with values normalised as crm-hygiene normalises them
(trimmed, null-likes empty, email lower-cased): a team applies it to its own normalised table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..fileio import atomic_write
from ..workflows import load_workflows, required_fields, select
from .gx import compile_rules, suite_json
from .rules import load_rules

WORKFLOW_FIELDS = "*workflows"


def export_suite(
    path: Path,
    workflows: Sequence[str] | None = None,
    rule_packs: Sequence[Path | str] = (),
    workflow_files: Sequence[Path | str] = (),
) -> Path:
    """Write the suite: each GX rule (shipped and `rule_packs`) over each of its fields;
    `*workflows` stands for the fields the chosen workflows (default: all) require."""
    available = load_workflows(workflow_files)
    chosen = select(available, workflows)
    needed = list(required_fields(chosen))
    rules = [r for r in load_rules(rule_packs) if r.enabled and r.expect is not None]
    fields = {
        r.code: [
            g
            for f in r.fields
            for g in (needed if f == WORKFLOW_FIELDS else [f])
            if g not in r.skip_fields
        ]
        for r in rules
    }
    text = suite_json(compile_rules(rules, fields))
    with atomic_write(path) as fh:
        fh.write(text + "\n")
    return path
