"""The JSON Schemas of audit.json (`hygiene.audit/1`) and clean_summary.json (`hygiene.clean/1`).

The schemas ship inside the package (`hygiene/schemas/`) so a pipeline can validate outputs
with any JSON Schema validator; `hygiene schema audit|clean` prints them. `problems()` runs
the schema (draft 2020-12, with the `jsonschema` library) and then the few rules a schema
cannot state: references to sources that exist, accounting that adds up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from .errors import ConfigError

#: Schema name -> (file in hygiene/schemas, the `schema` value of the documents it describes).
SCHEMAS = {
    "audit": ("audit.schema.json", "hygiene.audit/1"),
    "clean": ("clean.schema.json", "hygiene.clean/1"),
}

#: Codes the loader reports itself (hygiene/load/source.py), not rules of a pack: they
#: appear in audit.json too.
LOADER_CODES = ("date.ambiguous_order", "file.ragged_row", "file.unclosed_quote",
                "file.unrecognised")


@cache
def _shipped(name: str) -> str:
    if name not in SCHEMAS:
        raise ConfigError(f"unknown schema {name!r}; choose one of: {', '.join(SCHEMAS)}")
    return resources.files("hygiene").joinpath("schemas", SCHEMAS[name][0]).read_text("utf-8")


def schema(name: str, extra_codes: Iterable[str] = ()) -> dict[str, Any]:
    """The schema document `name` ("audit" or "clean"); `extra_codes` widens the audit
    schema's code enum with the codes of a team's own rule packs."""
    doc: dict[str, Any] = json.loads(_shipped(name))
    extra = set(extra_codes)
    if name == "audit" and extra:
        code = doc["$defs"]["code"]
        code["enum"] = sorted(set(code["enum"]) | extra)
    return doc


def schema_text(name: str, extra_codes: Iterable[str] = ()) -> str:
    """The schema as printed by `hygiene schema`: the shipped file itself when nothing is
    added to it."""
    extra = set(extra_codes)
    if not extra:
        return _shipped(name)
    return json.dumps(schema(name, extra), ensure_ascii=False, indent=2) + "\n"


def problems(doc: Any, name: str, extra_codes: Iterable[str] = ()) -> list[str]:
    """Every way `doc` breaks schema `name`, one line each (`path: problem`); [] if none."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema(name, extra_codes))
    found = [
        f"{_path(e.absolute_path)}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
    ]
    if found or not isinstance(doc, Mapping):
        return found
    check = _audit_references if name == "audit" else _accounting_adds_up
    return list(check(doc))


def _path(parts: Iterable[Any]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _audit_references(doc: Mapping[str, Any]) -> Iterator[str]:
    """Every record reference names a source the audit lists."""
    names = {s["name"] for s in doc["sources"]}

    def unknown(ref: Mapping[str, Any], where: str) -> Iterator[str]:
        if ref["source"] not in names:
            yield f"{where}.source: {ref['source']!r} is not among the audit's sources"

    for i, f in enumerate(doc["findings"]):
        yield from unknown(f, f"$.findings[{i}]")
        for j, r in enumerate(f.get("related", [])):
            yield from unknown(r, f"$.findings[{i}].related[{j}]")
    for i, c in enumerate(doc["duplicates"]):
        for j, m in enumerate(c["members"]):
            yield from unknown(m, f"$.duplicates[{i}].members[{j}]")
        yield from unknown(c["survivor"], f"$.duplicates[{i}].survivor")


def _accounting_adds_up(doc: Mapping[str, Any]) -> Iterator[str]:
    """Kept + merged + suppressed is every row read, per source and per file."""
    for i, s in enumerate(doc["accounting"]["sources"]):
        tallies = [(f"$.accounting.sources[{i}]", s)] + [
            (f"$.accounting.sources[{i}].files[{j}]", f) for j, f in enumerate(s["files"])
        ]
        for where, t in tallies:
            if t["kept"] + t["merged"] + t["suppressed"] != t["rows"]:
                yield f"{where}: kept + merged + suppressed is not rows ({t['rows']})"
        if sum(f["rows"] for f in s["files"]) != s["rows"]:
            yield f"$.accounting.sources[{i}]: its files' rows do not add up to its rows"
