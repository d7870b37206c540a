"""Options the `hygiene` commands share, and the settings file they read."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Config

F = TypeVar("F", bound=Callable[..., Any])


def split_csv(values: Sequence[str]) -> list[str]:
    """`--workflow a,b --workflow c` -> [a, b, c]."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def check_threshold(
    ctx: click.Context, param: click.Parameter, value: float | None
) -> float | None:
    """FloatRange lets "nan" through, and no score is ever below NaN: the gate would never fail."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("must be a number from 0 to 100, not nan", ctx, param)
    return value


def examples(*lines: str) -> str:
    """A command's --help epilog: its examples, kept on their own lines (click's \\b)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def debug_option(fn: F) -> F:
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        help="Show the full traceback of an error.",
    )(fn)


def _stacked(fn: F, options: list[Callable[[F], F]]) -> F:
    """`fn` under `options`, listed in --help in the order given."""
    for opt in reversed(options):
        fn = opt(fn)
    return fn


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Settings file (default: ./hygiene.toml when no SOURCE is given).",
)


def load_settings(config_path: Path | None, sources: Sequence[str]) -> Config | None:
    """The settings file given, else ./hygiene.toml when no source is given, else none."""
    from .config import find_config, load_config

    if config_path is None and not sources:
        config_path = find_config()
        if config_path is None:
            raise ConfigError(
                "no sources given; pass exports (crm=contacts.csv esp=audience.zip) or "
                "--config hygiene.toml (`hygiene init SOURCE...` writes one)"
            )
    return load_config(config_path) if config_path is not None else None


def run_options(fn: F) -> F:
    """Options of the commands that run the audit (audit, clean): rules, links, output."""
    return _stacked(
        fn,
        [
            click.option(
                "--rules",
                "rule_packs",
                multiple=True,
                type=click.Path(dir_okay=False),
                help="An extra rule pack (YAML).",
            ),
            click.option("--disable", multiple=True, metavar="CODE", help="Switch a rule off."),
            click.option(
                "--link",
                "links",
                multiple=True,
                metavar="FROM=TO",
                help="Link two sources (esp=crm) or a reference (deals.contact_id=crm.record_id).",
            ),
            click.option(
                "--kind",
                "kinds",
                multiple=True,
                metavar="NAME=KIND",
                help="A source's kind: crm, esp, or reference (a lookup table for links).",
            ),
            click.option(
                "--quiet", "-q", is_flag=True, help="Print nothing but warnings and errors."
            ),
        ],
    )


def source_options(fn: F) -> F:
    """Options every command that reads exports shares."""
    return _stacked(
        fn,
        [
            click.option(
                "--platform",
                "platforms",
                multiple=True,
                metavar="NAME=PLATFORM",
                help="Override platform detection for a source.",
            ),
            click.option(
                "--map",
                "maps",
                multiple=True,
                metavar="NAME:COLUMN=FIELD",
                help="Map a column onto a canonical field (FIELD empty to unmap).",
            ),
            click.option(
                "--region",
                metavar="CC",
                help="Country (ISO alpha-2) for phone numbers without +code and no country column.",
            ),
        ],
    )
