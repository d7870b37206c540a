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
    """A score threshold from 0 to 100 ("nan" would pass every gate: no score is below it)."""
    if value is not None and (math.isnan(value) or not 0 <= value <= 100):
        raise click.BadParameter(f"must be a number from 0 to 100, not {value:g}", ctx, param)
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


def team_packs_option(help: str) -> Callable[[F], F]:
    """`--rules PACK` (repeatable) for the commands that read the rule catalogue only."""
    return click.option(
        "--rules",
        "rule_packs",
        multiple=True,
        type=click.Path(dir_okay=False),
        metavar="PACK",
        help=help,
    )


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


def decisions_options(fn: F) -> F:
    """--decisions FILE and --no-decisions (audit, clean): which review decisions to honour."""
    return _stacked(
        fn,
        [
            click.option(
                "--decisions",
                "decisions_path",
                type=click.Path(dir_okay=False, path_type=Path),
                metavar="FILE",
                help="Review decisions file [default: hygiene-decisions.json beside "
                "hygiene.toml, or here].",
            ),
            click.option(
                "--no-decisions", is_flag=True, help="Read no review decisions file."
            ),
        ],
    )


def decisions_choice(path: Path | None, none: bool) -> Path | bool | None:
    """What `audit()`/`clean()` take as `decisions`: a file, False for none, None to look."""
    if none and path is not None:
        raise click.UsageError("give --decisions FILE or --no-decisions, not both")
    return False if none else path


def check_region_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """--region must be an ISO 3166-1 alpha-2 code: USA or ZZ would be read as no country."""
    if value is None:
        return None
    from .settings import check_region

    try:
        return check_region(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc).removeprefix("region "), ctx, param) from None


def usage_line(exc: click.ClickException) -> str:
    """A usage error in one line, naming the option and what it takes (not a usage block)."""
    if isinstance(exc, click.NoSuchOption):
        close = ", ".join(sorted(exc.possibilities or ()))
        maybe = f"; did you mean {close}?" if close else ""
        cmd = exc.ctx.command_path if exc.ctx is not None else "hygiene"
        return f"hygiene: error: no such option {exc.option_name}{maybe} ({cmd} --help lists them)"
    if isinstance(exc, click.BadParameter) and (exc.param is not None or exc.param_hint):
        hint: str | Sequence[str] | None = exc.param_hint
        if hint is None and exc.param is not None:
            hint = exc.param.get_error_hint(exc.ctx) if exc.ctx else str(exc.param.name)
        names = hint if isinstance(hint, str) else " / ".join(hint or ())
        return f"hygiene: error: {names.replace(chr(39), '')}: {exc.message}"
    return f"hygiene: error: {exc.format_message()}"


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
                "--date-order",
                "date_orders",
                multiple=True,
                metavar="[NAME=]dmy|mdy",
                help="Read numeric dates day first (dmy) or month first (mdy) where a column "
                "does not decide.",
            ),
            click.option(
                "--region",
                metavar="CC",
                callback=check_region_option,
                help="Country (ISO alpha-2) for phone numbers without +code and no country column.",
            ),
        ],
    )
