"""Shared test helpers: build a Source in memory, check an audit.json against its schema."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hygiene.model import Source
from hygiene.normalize.base import TEXT
from hygiene.schema import problems

ROOT = Path(__file__).resolve().parent.parent


def make_source(
    name: str,
    data: Mapping[str, Sequence[object]],
    columns: Mapping[str, str],
    platform: str = "generic",
    file: str = "contacts.csv",
) -> Source:
    """A Source from plain lists: `data` is header -> cells, `columns` header -> field."""
    frame = pd.DataFrame({k: pd.Series(list(v), dtype=TEXT) for k, v in data.items()})
    n = len(frame)
    prov = pd.DataFrame(
        {
            "file": pd.Series([file] * n, dtype=TEXT),
            "sheet": pd.Series([None] * n, dtype=TEXT),
            "row": np.arange(1, n + 1, dtype=np.int64),
        }
    )
    return Source(
        name=name,
        platform=platform,
        data=frame,
        provenance=prov,
        columns=dict(columns),
        confidence={c: 1.0 for c in columns},
    )


def check_audit_json(path: Path) -> str:
    """Validate an audit.json against the shipped schema (hygiene/schemas/audit.schema.json)
    and its cross-references; fails the test on a problem, returns a one-line summary."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    found = problems(doc, "audit")
    assert not found, "\n".join(found[:20])
    return f"ok: {len(doc['findings'])} findings, {len(doc['duplicates'])} clusters"


def mailbox(email: str) -> str:
    """The mailbox an address reaches, as the tests model it independently of the code:
    lower-cased, the plus tag dropped, Gmail's dots ignored and googlemail.com as gmail.com."""
    local, _, domain = email.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"
