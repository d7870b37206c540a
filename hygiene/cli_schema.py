"""`hygiene schema`: print the JSON Schema of audit.json or clean_summary.json, or check a
file against it, so a pipeline can validate outputs with or without Python."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_options import debug_option, examples, team_packs_option
from .errors import InputError
from .schema import SCHEMAS


@click.command(
    "schema",
    epilog=examples(
        "hygiene schema audit > hygiene.audit-1.schema.json",
        "hygiene schema audit --check report/audit.json",
        "hygiene schema clean --check cleaned/clean_summary.json",
    ),
)
@click.argument("name", type=click.Choice(sorted(SCHEMAS)))
@click.option(
    "--check",
    "check_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Validate FILE instead of printing the schema: one line per problem, exit 1 if any.",
)
@team_packs_option("A team rule pack (YAML) whose codes audit.json may also carry.")
@debug_option
def schema_cmd(name: str, check_file: Path | None, rule_packs: tuple[str, ...]) -> None:
    """The JSON Schema (draft 2020-12) of audit.json ("audit") or clean_summary.json ("clean")."""
    from .schema import problems, schema_text

    extra: set[str] = set()
    if rule_packs:
        from .checks.rules import load_rules

        extra = {r.code for r in load_rules(rule_packs)}
    if check_file is None:
        click.echo(schema_text(name, extra), nl=False)
        return
    try:
        doc = json.loads(check_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(check_file, f"cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fix = "pass the file hygiene wrote"
        raise InputError(check_file, f"is not JSON ({exc})", fix) from None
    found = problems(doc, name, extra)
    for line in found[:50]:
        click.echo(line)
    if len(found) > 50:
        click.echo(f"... and {len(found) - 50:,} more")
    if found:
        raise SystemExit(1)
    click.echo(f"ok: {check_file} is a valid {SCHEMAS[name][1]} document")
