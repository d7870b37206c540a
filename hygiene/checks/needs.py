"""What a check needs, and where checks live: light enough for `hygiene rules list`.

`registry.py` holds the checks themselves (importing their modules, pandas with them); this
module names the packages they live in and reads what each needs from their source.
"""

from __future__ import annotations

import ast
import importlib.util
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

#: The packages whose modules hold checks; every module of each is searched for marks.
CHECK_PACKAGES = ("hygiene.checks", "hygiene.links")


class Needs(StrEnum):
    """What a check is given, which decides the step that runs it."""

    #: `fn(prep, rule, options) -> hits`: one source's prepared fields (the checks step).
    FIELDS = "fields"
    #: `fn(prep, rule, options, source_kind) -> hits`: the whole source, its consent state and
    #: its kind (crm / esp); run by the links step after every field check.
    SOURCE = "source"
    #: `fn(link, rule) -> [(prep, hits)]`: a pair of linked sources (`links.records`).
    LINK = "link"
    #: `fn(ref, rule) -> [(prep, hits)]`: a source and the reference table it points at.
    REFERENCE = "reference"


@cache
def declared_needs() -> dict[str, Needs]:
    """What each registered check needs, by rule code, read from the check modules' source
    without importing them: `hygiene rules list` shows every rule's engine without loading
    pandas and the normalisers the checks import. `registry()` is the authority; a test
    keeps the two equal."""
    found: dict[str, Needs] = {}
    for package in CHECK_PACKAGES:
        spec = importlib.util.find_spec(package)
        folders = spec.submodule_search_locations if spec is not None else None
        for folder in folders or ():
            for path in sorted(Path(folder).glob("*.py")):
                source = path.read_text(encoding="utf-8")
                # Checks are module-level functions marked `@check(`: a module without the
                # mark is not parsed, and only the module's own statements are looked at
                # (walking every node of every module cost more than the rest of the command).
                if "@check(" not in source:
                    continue
                for node in ast.parse(source).body:
                    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        continue
                    for deco in node.decorator_list:
                        code = _check_mark(deco)
                        if code is not None:
                            found[code[0]] = code[1]
    return found


def _check_mark(deco: Any) -> tuple[str, Needs] | None:
    """(code, needs) of a `@check("code", needs=Needs.X)` decorator, else None."""
    if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Name)
            and deco.func.id == "check" and deco.args
            and isinstance(deco.args[0], ast.Constant) and isinstance(deco.args[0].value, str)):
        return None
    needs = Needs.FIELDS
    for kw in deco.keywords:
        if kw.arg == "needs" and isinstance(kw.value, ast.Attribute):
            needs = Needs[kw.value.attr]
    return deco.args[0].value, needs


#: What a code the loader reports itself "needs" (rules/loader.yaml): the file being read.
LOADER = "loader"


def engine_of(needs: Needs | str | None) -> str:
    """The step that runs a rule whose check needs `needs` (None: no check, a Great
    Expectations rule): `gx`, `registry` (the checks step), `links` (it sees every source) or
    `loader` (no check: the loader reports the code while reading a file)."""
    if needs is None:
        return "gx"
    if needs == LOADER:
        return LOADER
    return "registry" if needs == Needs.FIELDS else "links"
