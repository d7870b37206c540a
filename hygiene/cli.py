"""The `hygiene` command: a thin layer that parses options and calls the library.

Exit codes (CONTRACT.md): 0 ok, 1 a gate failed (--fail-under), 2 usage or input error, with
one line naming the file or option and the fix. Tracebacks only with --debug.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from . import __version__
from .errors import ConfigError, HygieneError

if TYPE_CHECKING:
    from .config import Config

F = TypeVar("F", bound=Callable[..., Any])


def _split_csv(values: Sequence[str]) -> list[str]:
    """`--workflow a,b --workflow c` -> [a, b, c]."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _threshold(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """FloatRange lets "nan" through, and no score is ever below NaN: the gate would never fail."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("must be a number from 0 to 100, not nan", ctx, param)
    return value


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


def _settings(config_path: Path | None, sources: Sequence[str]) -> Config | None:
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
            click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hygiene")
@debug_option
def cli() -> None:
    """Audit CRM and email-platform contact exports before you automate on them."""


@cli.command("audit")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@config_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the outputs (default: hygiene-report).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="html,json,xlsx,md",
    help="Outputs to write (default html,json,xlsx).",
)
@click.option(
    "--workflow",
    "workflows",
    multiple=True,
    metavar="W,...",
    help="Workflow profiles to score, by name or as your own profile.yaml (default: all).",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    callback=_threshold,
    metavar="N",
    help="Exit 1 when the overall score (or each --workflow score) is below N.",
)
@click.option(
    "--history",
    "history_db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="HYGIENE_HISTORY",
    metavar="DB",
    help="Audit history database [default: .hygiene/history.db; env HYGIENE_HISTORY].",
)
@click.option("--no-history", is_flag=True, help="Do not record this audit in the history.")
@click.option("--check-mx", is_flag=True, help="Look up MX records of email domains (network).")
@click.option(
    "--redact",
    is_flag=True,
    help="Mask emails, phones and names in report.html, review.xlsx and summary.md.",
)
@run_options
@source_options
@debug_option
def audit_cmd(
    sources: tuple[str, ...],
    config_path: Path | None,
    out_dir: Path | None,
    formats: tuple[str, ...],
    workflows: tuple[str, ...],
    fail_under: float | None,
    check_mx: bool,
    rule_packs: tuple[str, ...],
    disable: tuple[str, ...],
    redact: bool,
    links: tuple[str, ...],
    kinds: tuple[str, ...],
    quiet: bool,
    platforms: tuple[str, ...],
    maps: tuple[str, ...],
    region: str | None,
    history_db: Path | None,
    no_history: bool,
) -> None:
    """Audit SOURCE exports (NAME=PATH or PATH) and write the reports.

    With --config (or a hygiene.toml in the working directory and no SOURCE) the sources,
    links, workflows, threshold and outputs come from the file; options given here win.
    """
    from .audit import DEFAULT_FORMATS, audit
    from .report.terminal import print_summary
    from .workflows import split_selection

    ctx = click.get_current_context()
    if no_history and ctx.get_parameter_source("history_db") is ParameterSource.COMMANDLINE:
        raise click.UsageError("give --history DB or --no-history, not both")
    cfg = _settings(config_path, sources)
    chosen_formats = _split_csv(formats) or list((cfg and cfg.formats) or DEFAULT_FORMATS)
    asked = _split_csv(workflows) or (list(cfg.workflows) if cfg else [])
    names, profile_files = split_selection(asked)
    chosen_workflows = names or None
    out_dir = out_dir or (cfg.out if cfg and cfg.out else Path("hygiene-report"))
    if fail_under is None and cfg is not None:
        fail_under = cfg.fail_under
    redact = redact or bool(cfg and cfg.redact)
    result = audit(
        *sources,
        workflows=chosen_workflows,
        platforms=platforms,
        maps=maps,
        region=region,
        check_mx=check_mx,
        rule_packs=rule_packs,
        disable=_split_csv(disable),
        workflow_files=profile_files,
        config=cfg,
        links=list(links) if links else None,
        kinds=_pairs("--kind", kinds),
    )
    if not no_history:
        from .history import default_history_path, record

        # Recorded before the reports are written, so they show the change since last time.
        # --history (or HYGIENE_HISTORY) > the config's history > beside the config > here.
        db = history_db or (cfg.history if cfg else None)
        db = db or default_history_path(cfg.path.parent if cfg else None)
        result.trend = record(result, db).trend
    written = result.save(out_dir, chosen_formats, redact=redact)
    if not quiet:
        print_summary(result, written)
    if fail_under is not None:
        failed = gate_failures(result, fail_under, chosen_workflows)
        if failed:
            click.echo(
                f"hygiene: gate failed: {'; '.join(failed)} (threshold {fail_under:g})", err=True
            )
            sys.exit(1)


def _pairs(option: str, values: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` options -> {NAME: VALUE}."""
    out: dict[str, str] = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ConfigError(f"{option} {v!r}: write NAME=VALUE, e.g. users=reference")
        out[name.strip()] = value.strip().lower()
    return out


def gate_failures(result: Any, threshold: float, workflows: Sequence[str] | None) -> list[str]:
    """What is below the threshold: the overall score, or each named workflow's score.

    Scores are rounded to one decimal as printed, so a score shown as N passes at N.
    """
    if workflows:
        return [
            f"{name} {result.score.workflows[name].score:.1f}"
            for name in dict.fromkeys(workflows)
            if result.score.workflows[name].score < threshold
        ]
    if result.score.overall < threshold:
        return [f"overall score {result.score.overall:.1f}"]
    return []


@cli.command("clean")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@config_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the cleaned files (required, or [clean] out in hygiene.toml).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="[NAME=]PLATFORM",
    help="Import format: hubspot, salesforce, mailchimp, klaviyo, generic; for every source "
    "or NAME=PLATFORM for one (default: each source's own platform).",
)
@click.option(
    "--review",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="XLSX",
    help="Apply the Decision columns of a review.xlsx (and keep them in the decisions file).",
)
@click.option(
    "--decisions",
    "decisions_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Decisions file [default: hygiene-decisions.json beside hygiene.toml, or here].",
)
@click.option(
    "--suppress-roles",
    is_flag=True,
    default=None,
    help="Also suppress role mailboxes (info@, sales@ ...).",
)
@run_options
@source_options
@debug_option
def clean_cmd(
    sources: tuple[str, ...],
    config_path: Path | None,
    out_dir: Path | None,
    targets: tuple[str, ...],
    review: Path | None,
    decisions_path: Path | None,
    suppress_roles: bool | None,
    rule_packs: tuple[str, ...],
    disable: tuple[str, ...],
    links: tuple[str, ...],
    kinds: tuple[str, ...],
    quiet: bool,
    platforms: tuple[str, ...],
    maps: tuple[str, ...],
    region: str | None,
) -> None:
    """Write cleaned SOURCE exports in the import format of the CRM or ESP, with a merge
    plan, a suppression list and every changed cell.

    Every input row is accounted for (kept, merged into a named survivor, or suppressed with
    a reason); the run fails, writing nothing, if one is not.
    """
    from .clean import clean

    cfg = _settings(config_path, sources)
    target: str | dict[str, str] | None = None
    for t in targets:
        name, sep, value = t.partition("=")
        if not sep:
            if isinstance(target, dict):
                target["*"] = t.strip()
            else:
                target = t.strip()
        else:
            if not name.strip() or not value.strip():
                raise ConfigError(f"--target {t!r}: write PLATFORM or NAME=PLATFORM")
            chosen = target if isinstance(target, dict) else ({"*": target} if target else {})
            chosen[name.strip()] = value.strip()
            target = chosen
    result = clean(
        *sources,
        out=out_dir,
        target=target,
        review=review,
        decisions=decisions_path,
        suppress_roles=suppress_roles,
        config=cfg,
        platforms=platforms,
        maps=maps,
        region=region,
        rule_packs=rule_packs,
        disable=_split_csv(disable),
        links=list(links) if links else None,
        kinds=_pairs("--kind", kinds),
    )
    if quiet:
        return
    for s in result.accounting["sources"]:
        click.echo(
            f"{s['source']} -> {s['target']}: {s['rows']:,} rows in = {s['kept']:,} kept + "
            f"{s['merged']:,} merged + {s['suppressed']:,} suppressed; "
            f"{s['cleaned_rows']:,} rows in cleaned file"
        )
    summary = result.summary
    reasons = ", ".join(f"{k} {v:,}" for k, v in summary["suppressed_by_reason"].items())
    click.echo(
        f"{summary['clusters']:,} duplicate clusters to merge; {summary['changes']:,} cells "
        f"changed; suppression: {reasons or 'none'}"
    )
    click.echo("every input row accounted for")
    for p in result.files:
        click.echo(f"wrote {p}")
    if result.decisions_path is not None and review is not None:
        click.echo(f"decisions kept in {result.decisions_path}")


@cli.command("history")
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="HYGIENE_HISTORY",
    metavar="DB",
    help="History database [default: .hygiene/history.db; env HYGIENE_HISTORY].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.option("--limit", type=click.IntRange(1), metavar="N", help="Only the last N audits.")
@click.option("--source", metavar="NAME", help="Only audits that included source NAME.")
@debug_option
def history_cmd(db: Path | None, as_json: bool, limit: int | None, source: str | None) -> None:
    """Past audits, oldest first, with the score and its change since the same sources' last."""
    import json

    from .history import default_history_path, list_runs
    from .history.show import history_dict, history_table

    path = db or default_history_path(None)
    runs = list_runs(path, limit=limit, source=source)
    if as_json:
        click.echo(json.dumps(history_dict(runs), ensure_ascii=False, indent=1))
        return
    if not runs:
        click.echo(f"no audits in {path}" + (f" with source {source!r}" if source else ""))
        return
    from rich.console import Console

    Console().print(history_table(runs))


@cli.group("rules", invoke_without_command=True)
@click.pass_context
@debug_option
def rules_cmd(ctx: click.Context) -> None:
    """The rule catalogue (list, show CODE, export --gx FILE)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(rules_list)


@rules_cmd.command("list")
@debug_option
def rules_list() -> None:
    """Every rule: code, severity, dimension, engine and title."""
    from rich.console import Console
    from rich.table import Table

    from .checks.rules import load_rules

    table = Table(show_edge=False)
    for col in ("code", "severity", "dimension", "engine", "title"):
        table.add_column(col)
    for r in load_rules():
        table.add_row(r.code, r.severity, r.dimension, r.engine, r.title)
    Console().print(table)


@rules_cmd.command("show")
@click.argument("code")
@debug_option
def rules_show(code: str) -> None:
    """Everything about one rule."""
    import yaml

    from .checks.rules import rule_catalogue

    rules = rule_catalogue()
    if code not in rules:
        raise ConfigError(f"no rule {code!r}; `hygiene rules list` shows the codes")
    r = rules[code]
    doc: dict[str, Any] = {
        "code": r.code,
        "title": r.title,
        "severity": r.severity,
        "dimension": r.dimension,
        "engine": r.engine,
        "pack": r.pack,
        "fields": list(r.fields),
        "message": r.message,
        "fix": r.fix,
    }
    if r.expect is not None:
        doc["expect"] = dict(r.expect)
    if r.check is not None:
        doc["check"] = r.check
    if r.params:
        doc["params"] = dict(r.params)
    click.echo(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100).rstrip())


@rules_cmd.command("export")
@click.option(
    "--gx",
    "gx_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the column rules as a Great Expectations suite (JSON).",
)
@click.option(
    "--rules",
    "rule_packs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A team rule pack (YAML) to include.",
)
@click.option(
    "--workflow",
    "workflows",
    multiple=True,
    metavar="W,...",
    help="Workflows whose required fields field.missing_required checks (default: all).",
)
@debug_option
def rules_export(gx_file: Path, rule_packs: tuple[str, ...], workflows: tuple[str, ...]) -> None:
    """Export the column rules as a Great Expectations expectation suite."""
    from .checks.export import export_suite
    from .workflows import split_selection

    names, files = split_selection(_split_csv(workflows))
    export_suite(gx_file, names or None, rule_packs, files)
    click.echo(f"wrote {gx_file}")


@cli.command("init")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option(
    "--output",
    "-o",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("hygiene.toml"),
    show_default=True,
    help="The settings file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--quiet", "-q", is_flag=True)
@source_options
@debug_option
def init_cmd(
    sources: tuple[str, ...],
    target: Path,
    force: bool,
    quiet: bool,
    platforms: tuple[str, ...],
    maps: tuple[str, ...],
    region: str | None,
) -> None:
    """Write a starter hygiene.toml from what SOURCE exports hold (platforms, columns, links)."""
    from .audit import platform_kind
    from .config import starter_toml, write_starter
    from .load import apply_overrides, load_sources, parse_source_args

    if target.exists() and not force:
        raise ConfigError(f"{target}: already exists; pass --force to overwrite it")
    specs = apply_overrides(parse_source_args(sources), platforms, maps)
    loaded = load_sources(specs)
    kinds = {s.name: platform_kind(s.platform) for s in loaded}
    text = starter_toml(loaded, specs, target, kinds)
    write_starter(text, target, force=force)
    if not quiet:
        for s in loaded:
            click.echo(
                f"{s.name}: {s.platform} ({kinds[s.name]}, confidence "
                f"{s.platform_confidence:.2f}), {len(s.columns)} of {len(s.data.columns)} "
                "columns mapped"
            )
        click.echo(f"wrote {target}; edit it, then run `hygiene audit --config {target}`")


@cli.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
)
@click.option(
    "--rows",
    type=click.IntRange(50, 5_000_000),
    default=2000,
    show_default=True,
    help="CRM rows to generate (the ESP gets about 70% as many).",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--quiet", "-q", is_flag=True)
@debug_option
def demo_cmd(out_dir: Path, rows: int, seed: int, quiet: bool) -> None:
    """Make a realistic HubSpot + Mailchimp export set with known defects and audit it."""
    from .audit import DEFAULT_FORMATS, audit
    from .demo import generate
    from .report.terminal import print_summary

    files = generate(out_dir / "data", crm_rows=rows, seed=seed)
    result = audit(f"crm={files.crm}", f"esp={files.esp}")
    written = result.save(out_dir, [*DEFAULT_FORMATS, "md"])
    if not quiet:
        print_summary(result, written)
        click.echo(f"sample exports: {files.crm}, {files.esp}")


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: turns errors into one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="hygiene", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("hygiene: aborted", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except HygieneError as exc:
        if debug:
            raise
        click.echo(f"hygiene: error: {exc}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except KeyboardInterrupt:
        click.echo("hygiene: interrupted", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if debug:
            raise
        # The exception's text may quote a cell of the data (personal data in a scheduler's
        # log); only its type is printed, the rest waits for --debug.
        click.echo(
            f"hygiene: internal error ({type(exc).__name__}); "
            "rerun with --debug for the details and report it",
            err=True,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
