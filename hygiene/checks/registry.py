"""The one registry of checks: each rule code's check, its typed parameters and its fix.

What a rule computes is defined here and in the check modules; how it runs is the engine's
business (`hygiene.checks.engine` runs field checks on pandas, `hygiene.links.run` the link,
reference and source checks), as pandera keeps `api/` apart from `backends/`. A check is a
small function marked with `@check(code, params=..., needs=...)`:

- `code` is the rule code it implements (the pack's YAML entry has the same code);
- `params` is a frozen dataclass of its typed parameters (`hygiene.checks.params`), read from
  the pack's `params:` when the rule loads;
- `needs` says what it is given (`Needs`): one source's prepared fields (the default), the
  whole source with its kind (`SOURCE`), a pair of linked sources (`LINK`) or a reference
  table (`REFERENCE`);
- `row_local` says each row's outcome depends on that row alone (and on earlier rules' hits
  on it), so an engine may run it on partitions of a source and concatenate the hits. By
  default a check may learn from the whole source (typo domains from the domain counts,
  spellings from the column, phone regions from the source's countries);
- `earlier=True` says it builds on rules that ran before it on the same source: it is given
  their hits as a fourth argument, an `EarlierHits` (contact.unreachable leaves out the
  addresses other rules found unusable, phone.invalid the placeholders). Nothing else
  passes hits between checks.

`@fix(code)` marks the clean fix of the same code, kept beside its check. The registry is
collected from every module of the packages in `CHECK_PACKAGES` (no hand-kept module list);
`Registry.add` registers a check defined elsewhere (a team's own module, a test).
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from ..arrays import distinct, objects
from .needs import CHECK_PACKAGES, Needs
from .params import NoParams

_MARK = "__hygiene_check__"
_FIX_MARK = "__hygiene_fix__"



@dataclass(frozen=True)
class CheckOptions:
    """Run-wide settings the checks read."""

    #: Default region (alpha-2) for phone numbers written without a country code.
    region: str | None = None
    #: Look up MX records of email domains (opt-in: the only check that uses the network).
    check_mx: bool = False
    mx_timeout: float = 3.0
    #: Fields the selected workflows need, each with the workflow titles that need it.
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Sources the required fields apply to: source name -> fields (None: all sources).
    required_by_source: dict[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class FixProposal:
    """What a rule's fix would write on the rows it found: the new `values` (None empties the
    cell), `able`, the rows it can fix at all, and `sure`, those `hygiene clean` changes
    without a person's "accept" (a person's "reject" always wins)."""

    values: np.ndarray
    able: np.ndarray
    sure: np.ndarray


#: `fix(prep, rule, found) -> FixProposal`, `found` being the rule's findings on one field
#: of one source (`pos`, `suggestion`).
FixFn = Callable[[Any, Any, pd.DataFrame], FixProposal]


@dataclass(frozen=True)
class EarlierHits:
    """The hits of the rules that ran before a check on the same source, by rule code, as
    the engine has them when the check runs (after `skip_if` and `supersedes`). Given to a
    check registered with `earlier=True`; a rule that did not run has no hits."""

    found: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def rows(self, codes: Sequence[str], field: str | None = None) -> np.ndarray:
        """Sorted distinct row positions reported under any of `codes` (on `field` only, when
        given)."""
        frames = [self.found[c] for c in codes if c in self.found and len(self.found[c])]
        if not frames:
            return np.empty(0, dtype=np.int64)
        found = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if field is not None:
            found = found[found["field"] == field]
        return distinct(found["pos"].to_numpy(dtype=np.int64))


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: the code it implements, the function, what it needs, the class of
    its parameters and (when `hygiene clean` can fix what it finds) its fix."""

    code: str
    fn: Callable[..., Any]
    needs: Needs = Needs.FIELDS
    params: type[Any] = NoParams
    fix: FixFn | None = None
    row_local: bool = False
    earlier: bool = False

    def run_fields(
        self, prep: Any, rule: Any, options: CheckOptions, earlier: EarlierHits | None = None
    ) -> pd.DataFrame:
        """Run a field check (`Needs.FIELDS`) on one source; `earlier` is handed on to a check
        that builds on earlier rules (none: no earlier hits)."""
        if self.earlier:
            return self.fn(prep, rule, options, earlier or EarlierHits())
        return self.fn(prep, rule, options)


def check(
    code: str,
    *,
    params: type[Any] = NoParams,
    needs: Needs = Needs.FIELDS,
    row_local: bool = False,
    earlier: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a function as the check of rule `code` (collected by `Registry.collect`)."""

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        setattr(fn, _MARK, CheckSpec(code, fn, needs, params, row_local=row_local,
                                     earlier=earlier))
        return fn

    return mark


def fix(code: str) -> Callable[[FixFn], FixFn]:
    """Mark a function as the clean fix of rule `code`."""

    def mark(fn: FixFn) -> FixFn:
        setattr(fn, _FIX_MARK, code)
        return fn

    return mark


class Registry:
    """Checks by rule code, each with its fix."""

    def __init__(self) -> None:
        self._specs: dict[str, CheckSpec] = {}
        self._fixes: dict[str, FixFn] = {}

    def add(self, *objs: Any) -> None:
        """Register marked functions; a code registered twice is a programming error."""
        for obj in objs:
            spec = getattr(obj, _MARK, None)
            if isinstance(spec, CheckSpec):
                known = self._specs.get(spec.code)
                if known is not None and known.fn is not obj:
                    raise RuntimeError(f"check {spec.code!r} is registered twice")
                self._specs[spec.code] = spec
            code = getattr(obj, _FIX_MARK, None)
            if isinstance(code, str):
                known_fix = self._fixes.get(code)
                if known_fix is not None and known_fix is not obj:
                    raise RuntimeError(f"fix {code!r} is registered twice")
                self._fixes[code] = obj

    def remove(self, code: str) -> None:
        """Forget the check (and fix) of `code`; for checks added with `add`."""
        self._specs.pop(code, None)
        self._fixes.pop(code, None)

    def collect(self, modules: Iterable[ModuleType]) -> None:
        """Register the marked functions of `modules`."""
        for module in modules:
            self.add(*vars(module).values())

    def get(self, code: str) -> CheckSpec | None:
        spec = self._specs.get(code)
        if spec is None:
            return None
        return dataclasses.replace(spec, fix=self._fixes.get(code))

    def fix_of(self, code: str) -> FixFn:
        """The fix registered for `code` (KeyError when it has none)."""
        return self._fixes[code]

    def codes(self, needs: Needs | None = None) -> list[str]:
        return sorted(c for c, s in self._specs.items() if needs is None or s.needs == needs)


def _modules(package: str) -> list[ModuleType]:
    pkg = importlib.import_module(package)
    return [
        importlib.import_module(f"{package}.{info.name}")
        for info in pkgutil.iter_modules(pkg.__path__)
        if not info.ispkg
    ]


@cache
def registry() -> Registry:
    """The registry of every check of `CHECK_PACKAGES`, collected once."""
    reg = Registry()
    for package in CHECK_PACKAGES:
        reg.collect(_modules(package))
    return reg


HIT_COLUMNS = ("pos", "field", "value", "suggestion")


def hits(
    pos: np.ndarray | pd.Index | pd.Series | Sequence[int],
    field: str | pd.Series,
    value: pd.Series | Sequence[Any] | None = None,
    suggestion: pd.Series | Sequence[Any] | None = None,
    **params: pd.Series | Sequence[Any] | Any,
) -> pd.DataFrame:
    """A hits frame: one row per failing record (`pos` = row position in the source).

    `value` defaults to the raw cell of `field`; extra keyword columns feed the message
    template (`{name}` placeholders) or carry `related` / `severity` overrides.
    """
    positions = np.asarray(pos, dtype=np.int64)
    n = len(positions)

    def col(v: Any) -> Any:
        if isinstance(v, pd.Series):
            return objects(v)
        return v

    frame: dict[str, Any] = {"pos": positions}
    frame["field"] = col(field) if not isinstance(field, str) else np.full(n, field, dtype=object)
    frame["value"] = col(value) if value is not None else np.full(n, None, dtype=object)
    frame["suggestion"] = (
        col(suggestion) if suggestion is not None else np.full(n, None, dtype=object)
    )
    for k, v in params.items():
        frame[k] = col(v)
    return pd.DataFrame(frame)


def no_hits() -> pd.DataFrame:
    return hits(np.empty(0, dtype=np.int64), "")


def positions(mask: pd.Series) -> np.ndarray:
    """Row positions where a boolean mask (NA counts as False) is true."""
    return np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
