"""The registry of vectorised checks: small pure functions marked with `@check("name")`.

A check takes the prepared source, its rule and the run's options, and returns a hits frame
(`hits(...)`): the positions of failing rows with the value, suggestion and message parameters.
It never prints and never raises on bad data. The registry is built from an explicit list of
modules (`BUILTIN_MODULES` in `hygiene.checks`), so nothing depends on import order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..prepared import Prepared
from .rules import Rule

_MARK = "__hygiene_check__"


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


class CheckFn(Protocol):
    def __call__(self, prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame: ...


def check(name: str) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Mark a function as the registered check `name` (collected by `build_registry`)."""

    def mark(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        setattr(fn, _MARK, name)
        return fn

    return mark


def build_registry(modules: Iterable[ModuleType]) -> dict[str, CheckFn]:
    """Collect the marked functions of `modules`; a name used twice is a programming error."""
    registry: dict[str, CheckFn] = {}
    for module in modules:
        for obj in vars(module).values():
            name = getattr(obj, _MARK, None)
            if name is None:
                continue
            if name in registry and registry[name] is not obj:
                raise RuntimeError(f"check {name!r} is registered twice")
            registry[name] = obj
    return registry


HIT_COLUMNS = ("pos", "field", "value", "suggestion")


def hits(
    pos: np.ndarray | pd.Index | Sequence[int],
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
            return v.to_numpy(dtype=object, na_value=None)
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
