"""The `hygiene` command: a thin layer that parses options and calls the library.

Exit codes (CONTRACT.md): 0 ok, 1 a gate failed (--fail-under), 2 usage or input error, with
one line naming the file or option and the fix. Tracebacks only with --debug.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from .cli_options import (
    check_threshold,
    config_option,
    debug_option,
    decisions_choice,
    decisions_options,
    examples,
    load_settings,
    run_options,
    source_options,
    split_csv,
    usage_line,
)
from .cli_progress import progress, warnings_as_lines
from .cli_schema import schema_cmd
from .cli_tools import demo_cmd, history_cmd, init_cmd, rules_cmd
from .errors import ConfigError, HygieneError, one_line
from .version import __version__
from .words import counted


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=examples(
        "hygiene demo",
        "hygiene audit crm=contacts.csv esp=audience.zip",
        "hygiene init crm=contacts.csv && hygiene audit --config hygiene.toml",
    ),
)
@click.version_option(__version__, prog_name="hygiene")
@debug_option
def cli() -> None:
    """Audit CRM and email-platform contact exports before you automate on them."""
    click.get_current_context().with_resource(warnings_as_lines())


@cli.command(
    "audit",
    epilog=examples(
        "hygiene audit crm=contacts.csv esp=audience.zip --out report",
        "hygiene audit contacts.xlsx#Contacts --workflow newsletter --fail-under 80",
        "hygiene audit --config hygiene.toml --format html,md --redact",
    ),
)
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
    type=float,
    callback=check_threshold,
    metavar="N",
    help="Exit 1 unless each --workflow is ready at N (score >= N and no zero-tolerance "
    "blocker), or without --workflow, unless the overall score is >= N.",
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
    help="Mask emails, phones and names in every report (tokens in audit.json).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Run on this machine, or on Apache Spark (pip install 'crm-hygiene[spark]').",
)
@click.option("--master", metavar="URL", help="Spark master for --engine spark (local[2], "
              "spark://..., yarn; default: spark-submit's, else local[*]).")
@decisions_options
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
    date_orders: tuple[str, ...],
    history_db: Path | None,
    no_history: bool,
    decisions_path: Path | None,
    no_decisions: bool,
    engine: str,
    master: str | None,
) -> None:
    """Audit SOURCE exports (NAME=PATH or PATH) and write the reports.

    With --config (or a hygiene.toml in the working directory and no SOURCE) the sources,
    links, workflows, threshold and outputs come from the file; options given here win.
    """
    from .audit import audit
    from .runtime import use_system_allocator
    from .settings import resolve

    use_system_allocator()

    ctx = click.get_current_context()
    if no_history and ctx.get_parameter_source("history_db") is ParameterSource.COMMANDLINE:
        raise click.UsageError("give --history DB or --no-history, not both")
    if engine == "spark":
        from .spark.command import audit_on_spark
        from .workflows import split_selection

        names, profiles = split_selection(split_csv(workflows))
        sys.exit(audit_on_spark(
            sources, out_dir=out_dir or Path("hygiene-report"), master=master,
            formats=split_csv(formats), workflows=names or None, platforms=platforms,
            maps=maps, region=region, date_orders=date_orders, rule_packs=rule_packs,
            disable=split_csv(disable), workflow_files=profiles,
            kinds=_pairs("--kind", kinds), fail_under=fail_under, quiet=quiet,
            refused={"--config": config_path is not None, "--link": bool(links),
                     "--check-mx": check_mx, "--decisions": decisions_path is not None,
                     "--redact": redact,  # its audit.json samples would keep the values
                     "--history": ctx.get_parameter_source("history_db")
                     is ParameterSource.COMMANDLINE},
        ))
    settings = resolve(
        sources,
        config=load_settings(config_path, sources),
        workflows=split_csv(workflows),
        platforms=platforms,
        maps=maps,
        region=region,
        date_orders=date_orders,
        check_mx=check_mx,
        rule_packs=rule_packs,
        disable=split_csv(disable),
        links=list(links) if links else None,
        kinds=_pairs("--kind", kinds),
        decisions=decisions_choice(decisions_path, no_decisions),
        fail_under=fail_under,
        out=out_dir,
        formats=split_csv(formats),
        redact=redact,
        # --history (or HYGIENE_HISTORY) > the config's history > beside the config > here.
        history=history_db,
        record_history=not no_history,
    )
    done = ctx.with_resource(progress(quiet, "Reading the exports"))
    result = audit(settings=settings)
    result.release_views()  # the history and the reports read only the emails
    history_note = None
    db = settings.history_path()
    if db is not None:
        from .history import record

        # Recorded before the reports are written, so they show the change since last time.
        recorded = record(result, db)
        result.trend, history_note = recorded.trend, recorded.note
    written = result.save(settings.out, settings.formats, redact=settings.redact)
    done()
    if not quiet:
        from .report.terminal import print_summary  # rich and the report's context

        print_summary(result, written)
        if history_note:
            click.echo(f"History: {history_note}.")
        from .clean.notes import cleaned_file_notes

        for line in cleaned_file_notes(p for s in result.sources for p in s.paths):
            click.echo(line)
    gate = result.score.gate
    if gate is not None and not gate.passed:
        click.echo(f"hygiene: {gate.describe()}", err=True)
        sys.exit(gate.exit_code)


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
    """What fails the gate at `threshold` (see `hygiene.readiness.judge_gate`): each named
    workflow not ready at it, or else an overall score below it."""
    from .readiness import judge_gate

    s = result.score
    return list(judge_gate(s.overall, s.workflows, threshold, workflows or (), s.capped).failures)


@cli.command(
    "clean",
    epilog=examples(
        "hygiene clean crm=contacts.csv esp=audience.zip --out cleaned",
        "hygiene clean crm=contacts.csv --out cleaned --target salesforce",
        "hygiene clean --config hygiene.toml --review hygiene-report/review.xlsx",
    ),
)
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
    help="Import format: hubspot, salesforce, salesforce_lead, mailchimp, klaviyo, "
    "activecampaign, pipedrive, zoho, generic (rules/targets/); for every source "
    "or NAME=PLATFORM for one (default: each source's own platform).",
)
@click.option(
    "--review",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="XLSX",
    help="Apply the Decision columns of a review.xlsx (and keep them in the decisions file).",
)
@decisions_options
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local",
              show_default=True, help="Clean on this machine, or on Apache Spark.")
@click.option("--master", metavar="URL", help="Spark master for --engine spark.")
@click.option("--format", "file_format", type=click.Choice(["parquet", "csv"]),
              help="--engine spark: folders of Parquet (default) or CSV part files.")
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
    no_decisions: bool,
    suppress_roles: bool | None,
    engine: str,
    master: str | None,
    file_format: str | None,
    rule_packs: tuple[str, ...],
    disable: tuple[str, ...],
    links: tuple[str, ...],
    kinds: tuple[str, ...],
    quiet: bool,
    platforms: tuple[str, ...],
    maps: tuple[str, ...],
    region: str | None,
    date_orders: tuple[str, ...],
) -> None:
    """Write cleaned SOURCE exports in the import format of the CRM or ESP, with a merge
    plan, a suppression list and every changed cell.

    Every input row is accounted for (kept, merged into a named survivor, or suppressed with
    a reason); the run fails, writing nothing, if one is not.
    """
    from .clean import clean
    from .runtime import use_system_allocator
    from .settings import resolve

    use_system_allocator()
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
    settings = resolve(
        sources,
        config=load_settings(config_path, sources),
        platforms=platforms,
        maps=maps,
        region=region,
        date_orders=date_orders,
        rule_packs=rule_packs,
        disable=split_csv(disable),
        links=list(links) if links else None,
        kinds=_pairs("--kind", kinds),
        decisions=decisions_choice(decisions_path, no_decisions),
        clean_out=out_dir,
        target=target,
        suppress_roles=suppress_roles,
    )
    if engine == "spark":
        from .spark.command import clean_on_spark

        sys.exit(clean_on_spark(settings, master=master, file_format=file_format or "parquet",
                                review=review, quiet=quiet))
    if file_format or master:
        raise ConfigError("--format and --master go with --engine spark (the local clean "
                          "writes CSV files)")
    done = click.get_current_context().with_resource(progress(quiet, "Reading the exports"))
    result = clean(settings=settings, review=review)
    done()
    if quiet:
        return
    for s in result.accounting["sources"]:
        click.echo(
            f"{s['source']} -> {s['target']}: {counted(s['rows'], 'row')} in = "
            f"{s['kept']:,} kept + "
            f"{s['merged']:,} merged + {s['suppressed']:,} suppressed; "
            f"{counted(s['cleaned_rows'], 'row')} in cleaned file"
        )
    summary = result.summary
    reasons = ", ".join(f"{k} {v:,}" for k, v in summary["suppressed_by_reason"].items())
    click.echo(
        f"{counted(summary['clusters'], 'duplicate cluster')} to merge; "
        f"{counted(summary['changes'], 'cell')} changed; suppression: {reasons or 'none'}"
    )
    click.echo("every input row accounted for")
    from .clean.notes import opt_out_notes

    for line in opt_out_notes(summary):
        click.echo(line)
    for p in result.files:
        click.echo(f"wrote {p}")
    if result.decisions_path is not None and review is not None:
        click.echo(f"decisions kept in {result.decisions_path}")


for _command in (history_cmd, rules_cmd, init_cmd, demo_cmd, schema_cmd):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: turns errors into one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="hygiene", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("hygiene: aborted", err=True)
        return 2
    except click.UsageError as exc:
        click.echo(usage_line(exc), err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except HygieneError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"hygiene: error: {one_line(str(exc))}", err=True)
        return exc.exit_code
    except OSError as exc:  # an output folder or file that cannot be written
        if debug:
            traceback.print_exc()
        where = one_line(str(exc.filename)) if exc.filename else "a file"
        click.echo(
            f"hygiene: error: {where}: {exc.strerror or type(exc).__name__}; "
            "check that the --out folder can be written, or choose another",
            err=True,
        )
        return 2
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except KeyboardInterrupt:
        click.echo("hygiene: interrupted", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if debug:
            traceback.print_exc()
            return 2
        # The exception's text may quote a cell of the data (personal data in a scheduler's
        # log); only its type is printed, the rest waits for --debug.
        click.echo(
            f"hygiene: internal error ({type(exc).__name__}{raised_at(exc)}); "
            "rerun with --debug for the details and report it",
            err=True,
        )
        return 2
    return 0


def raised_at(exc: BaseException) -> str:
    """` at <package>/<module>.py:<line>` of the frame that raised `exc`: where a bug is,
    for a report or a CI log of a run that cannot be repeated, without the message (which
    may quote data) or the folders above the package (a user's home)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    parts = Path(last.filename).parts
    return f" at {'/'.join(parts[-2:])}:{last.lineno}"


if __name__ == "__main__":
    sys.exit(main())
