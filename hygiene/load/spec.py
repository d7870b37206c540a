"""What the user asked to load: source specs from `NAME=PATH` arguments and CLI overrides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ConfigError
from ..model import FIELDS
from .presets import platform_presets

#: How numeric dates may be read: day first or month first (hygiene.normalize.dates.ORDERS).
DATE_ORDERS = ("dmy", "mdy")
# A source name is what a user types before "=": letters, digits, "_", "-", ".".
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class SourceSpec:
    """One source to load: its name, its files (`book.xlsx#Sheet` picks one sheet) and overrides.

    `columns` maps an ORIGINAL column to a canonical field; the value "" unmaps the column.
    """

    name: str
    paths: tuple[str, ...]
    platform: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    #: "dmy" / "mdy": how to read numeric dates this source's columns do not decide.
    date_order: str | None = None


def name_from_path(path: str) -> str:
    """The default source name of a file: its stem, lower-cased, non-alphanumerics as "_"."""
    stem = Path(path.split("#", 1)[0]).stem.lower()
    name = re.sub(r"[^0-9a-z]+", "_", stem).strip("_")
    return name or "source"


def parse_source_args(args: Sequence[str]) -> list[SourceSpec]:
    """Specs from `crm=exports/hubspot.csv` or bare `exports/hubspot.csv` arguments.

    The same name given twice joins the files into one spec, in the order given.
    """
    order: list[str] = []
    paths: dict[str, list[str]] = {}
    for arg in args:
        name, path = _split_arg(arg)
        if not path:
            raise ConfigError(f"source {arg!r}: no file after '='; write NAME=PATH")
        if name not in paths:
            order.append(name)
            paths[name] = []
        paths[name].append(path)
    return [SourceSpec(name=n, paths=tuple(paths[n])) for n in order]


def _split_arg(arg: str) -> tuple[str, str]:
    arg = arg.strip()
    if "=" in arg:
        name, path = arg.split("=", 1)
        # "C:\x=y.csv" or "dir/a=b.csv" are paths, not NAME=PATH.
        if _NAME.match(name.strip()):
            return name.strip(), path.strip()
    return name_from_path(arg), arg


def apply_overrides(
    specs: Sequence[SourceSpec],
    platforms: Sequence[str] = (),
    maps: Sequence[str] = (),
    date_orders: Sequence[str] = (),
) -> list[SourceSpec]:
    """Apply `--platform NAME=PLATFORM`, `--map NAME:COLUMN=FIELD` and `--date-order
    [NAME=]dmy|mdy` options to the specs."""
    by_name = {s.name: s for s in specs}
    known = sorted(platform_presets())
    for opt in platforms:
        name, sep, platform = opt.partition("=")
        name, platform = name.strip(), platform.strip().lower()
        if not sep or not name or not platform:
            raise ConfigError(f"--platform {opt!r}: write NAME=PLATFORM, e.g. crm=hubspot")
        _check_name("--platform", opt, name, by_name)
        if platform not in known:
            raise ConfigError(
                f"--platform {opt!r}: unknown platform {platform!r}; use one of {', '.join(known)}"
            )
        by_name[name] = replace(by_name[name], platform=platform)
    for opt in maps:
        name, sep, rest = opt.partition(":")
        column, eq, fld = rest.rpartition("=")
        name, column, fld = name.strip(), column.strip(), fld.strip().lower()
        if not sep or not eq or not name or not column:
            raise ConfigError(f"--map {opt!r}: write NAME:COLUMN=FIELD, e.g. crm:E-mail=email")
        _check_name("--map", opt, name, by_name)
        if fld and fld not in FIELDS:
            raise ConfigError(
                f"--map {opt!r}: unknown field {fld!r}; use one of {', '.join(FIELDS)} "
                "(or nothing after '=' to leave the column unmapped)"
            )
        spec = by_name[name]
        by_name[name] = replace(spec, columns={**spec.columns, column: fld})
    for opt in date_orders:
        name, sep, order = opt.rpartition("=")
        name, order = name.strip(), order.strip().lower()
        if order not in DATE_ORDERS or (sep and not name):
            raise ConfigError(
                f"--date-order {opt!r}: write dmy (day first: 05/01/2024 is 5 January) or mdy "
                "(month first), or NAME=dmy for one source"
            )
        names = [name] if sep else list(by_name)
        for n in names:
            _check_name("--date-order", opt, n, by_name)
            by_name[n] = replace(by_name[n], date_order=order)
    return [by_name[s.name] for s in specs]


def _check_name(option: str, opt: str, name: str, by_name: Mapping[str, SourceSpec]) -> None:
    if name not in by_name:
        names = ", ".join(by_name) or "none"
        raise ConfigError(f"{option} {opt!r}: no source named {name!r}; sources are: {names}")
