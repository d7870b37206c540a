"""The `hygiene` commands around the audit: history, rules, init, demo.

Registered on the command group in `hygiene.cli`; each imports what it needs when run, so
`hygiene --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli_options import debug_option, examples, source_options, split_csv, team_packs_option
from .cli_progress import progress
from .errors import ConfigError
from .outputs import DEFAULT_FORMATS


@click.command(
    "history",
    epilog=examples(
        "hygiene history",
        "hygiene history --source crm --limit 10",
        "hygiene history --db .hygiene/history.db --json",
    ),
)
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
    from .history.show import history_dict, history_table, workflow_lines

    path = db or default_history_path(None)
    runs = list_runs(path, limit=limit, source=source)
    if as_json:
        click.echo(json.dumps(history_dict(runs), ensure_ascii=False, indent=1))
        return
    if not runs:
        click.echo(f"no audits in {path}" + (f" with source {source!r}" if source else ""))
        return
    from rich.console import Console

    console = Console()
    console.print(history_table(runs))
    console.print("Workflows scored:", style="bold")
    for line in workflow_lines(runs):
        console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


@click.group(
    "rules",
    invoke_without_command=True,
    epilog=examples(
        "hygiene rules list",
        "hygiene rules show email.typo_domain",
        "hygiene rules export --gx suite.json",
    ),
)
@click.pass_context
@debug_option
def rules_cmd(ctx: click.Context) -> None:
    """The rule catalogue (list, show CODE, export --gx FILE)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(rules_list)


@rules_cmd.command(
    "list", epilog=examples("hygiene rules list", "hygiene rules list | grep email.")
)
@debug_option
def rules_list() -> None:
    """Every rule: code, severity, dimension, engine and title."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from .checks.rules import rule_index

    # Codes are what people copy into --disable and `rules show`: they never wrap or get
    # cut. The title takes the width left and wraps (a pipe is 80 columns); the engine
    # column shows only where the title keeps room for a few words.
    rules = rule_index()
    console = Console()
    columns = {
        "code": [r.code for r in rules],
        "severity": [r.severity for r in rules],
        "dimension": [r.dimension for r in rules],
        "engine": [r.engine for r in rules],
    }
    widths = {k: max(len(k), *(len(v) for v in vals)) for k, vals in columns.items()}
    if console.width - sum(widths.values()) - 3 * len(widths) < 30:
        del columns["engine"], widths["engine"]
    table = Table(show_edge=False, pad_edge=False, box=box.SIMPLE_HEAD, collapse_padding=True)
    for name in columns:
        table.add_column(name, no_wrap=True, min_width=widths[name])
    table.add_column("title", overflow="fold", min_width=12)
    for i, r in enumerate(rules):
        table.add_row(*(vals[i] for vals in columns.values()), r.title)
    console.print(table)


@rules_cmd.command(
    "show",
    epilog=examples("hygiene rules show email.typo_domain", "hygiene rules show link.orphan"),
)
@click.argument("code")
@debug_option
def rules_show(code: str) -> None:
    """Everything about one rule."""
    import yaml

    from .checks.params import param_values
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
    for key in ("skip_if", "supersedes", "skip_fields"):
        if getattr(r, key):
            doc[key] = list(getattr(r, key))
    if r.check is not None and r.check != r.code:
        doc["check"] = r.check
    if params := param_values(r.params):
        doc["params"] = params
    click.echo(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100).rstrip())


@rules_cmd.command(
    "export",
    epilog=examples(
        "hygiene rules export --gx suite.json",
        "hygiene rules export --gx suite.json --rules team.yaml --workflow newsletter",
    ),
)
@click.option(
    "--gx",
    "gx_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the column rules as a Great Expectations suite (JSON).",
)
@team_packs_option("A team rule pack (YAML) to include.")
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

    names, files = split_selection(split_csv(workflows))
    export_suite(gx_file, names or None, rule_packs, files)
    click.echo(f"wrote {gx_file}")


@click.command(
    "init",
    epilog=examples(
        "hygiene init crm=contacts.csv esp=audience.zip",
        "hygiene init crm=contacts.csv --output settings/hygiene.toml --force",
    ),
)
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
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
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
    date_orders: tuple[str, ...],
) -> None:
    """Write a starter hygiene.toml from what SOURCE exports hold (platforms, columns, links)."""
    from .config import starter_toml, write_starter
    from .load import apply_overrides, load_sources, parse_source_args, source_kinds
    from .runtime import use_system_allocator

    use_system_allocator()

    if target.exists() and not force:
        raise ConfigError(f"{target}: already exists; pass --force to overwrite it")
    specs = apply_overrides(parse_source_args(sources), platforms, maps, date_orders)
    loaded = load_sources(specs)
    kinds = source_kinds({s.name: s.platform for s in loaded})
    text = starter_toml(loaded, specs, target, kinds)
    write_starter(text, target, force=force)
    if not quiet:
        for s in loaded:
            click.echo(
                f"{s.name}: {s.platform} ({kinds[s.name]}, confidence "
                f"{s.platform_confidence:.2f}), {len(s.columns)} of {len(s.data.columns)} "
                "columns mapped"
            )
        click.echo(
            f"wrote {target}; edit it, then run `hygiene audit --config {target}` "
            f"(and `hygiene clean --config {target}`)"
        )


@click.command(
    "demo",
    epilog=examples(
        "hygiene demo",
        "hygiene demo --out demo-output --rows 10000 --seed 3",
    ),
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the sample exports (in data/) and the reports of their audit.",
)
@click.option(
    "--rows",
    type=click.IntRange(50, 5_000_000),
    default=2000,
    show_default=True,
    help="CRM rows to generate (the ESP gets about 70% as many).",
)
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="Random seed: the same seed and rows make the same exports.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@debug_option
def demo_cmd(out_dir: Path, rows: int, seed: int, quiet: bool) -> None:
    """Make a realistic HubSpot + Mailchimp export set with known defects and audit it."""
    from .audit import audit
    from .demo import generate
    from .report.terminal import print_summary
    from .runtime import use_system_allocator

    use_system_allocator()

    with progress(quiet, "Generating sample exports") as done:
        files = generate(out_dir / "data", crm_rows=rows, seed=seed)
        result = audit(f"crm={files.crm}", f"esp={files.esp}")
        written = result.save(out_dir, [*DEFAULT_FORMATS, "md"])
        done()
    if not quiet:
        print_summary(result, written)
        click.echo(f"sample exports: {files.crm}, {files.esp}")
