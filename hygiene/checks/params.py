"""Typed rule parameters: each check declares its own as a frozen dataclass, and a pack's
`params:` mapping is read into it when the rule loads.

A field's type says what YAML may give (`int`, `float`, `bool`, `str`, `tuple[str, ...]`,
optionally `| None`) and its default is the value when the pack says nothing. A key the
dataclass does not declare, or a value of the wrong type, is a `ConfigError` naming the pack,
the rule and the parameter: a misspelt threshold never falls back to a default silently.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin, get_type_hints

from ..errors import ConfigError


@dataclasses.dataclass(frozen=True)
class NoParams:
    """The parameters of a check that takes none (and of Great Expectations rules, whose
    settings live in `expect:`)."""


def _describe(tp: Any) -> str:
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if get_origin(tp) is tuple:
        return f"a list of {_describe(get_args(tp)[0]).removeprefix('a ').removeprefix('an ')}s"
    return str(tp)


def _coerce(value: Any, tp: Any) -> Any:
    """`value` as type `tp`, or ValueError with what was expected."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0])
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:
        item = get_args(tp)[0]
        if isinstance(value, (list, tuple)):
            return tuple(_coerce(v, item) for v in value)
    elif tp is Any:
        return value
    raise ValueError(f"expected {_describe(tp)}, got {value!r}")


def parse_params(cls: type[Any], raw: Mapping[str, Any], where: str) -> Any:
    """`raw` (a rule's `params:`) checked against `cls` and filled with its defaults."""
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    given: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names:
            allowed = ", ".join(names) if names else "none"
            raise ConfigError(f"{where}: param {key!r} is unknown; allowed: {allowed}")
        try:
            given[key] = _coerce(value, hints[key])
        except ValueError as err:
            raise ConfigError(f"{where}: param {key!r}: {err}") from None
    return cls(**given)


def param_values(params: Any) -> dict[str, Any]:
    """Every parameter by name (tuples as lists), for `hygiene rules show`."""
    return {
        f.name: list(v) if isinstance(v := getattr(params, f.name), tuple) else v
        for f in dataclasses.fields(params)
    }
