"""`clean()`: audit, apply a person's decisions, plan, check the accounting, write.

The CLI's `hygiene clean` is a thin layer over it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit import run_audit
from ..decisions import Decisions, save_decisions, stamp
from ..errors import ConfigError
from ..load.presets import export_variant
from ..runtime import Run, Step
from ..settings import load_decisions, resolve
from .csvout import Staging
from .plan import CleanPlan, check_accounting, plan_clean, safe_name
from .review import read_review
from .settings import load_settings
from .targets import resolve_targets
from .writers import summary_dict, suppression_file, writers

if TYPE_CHECKING:
    from ..config import Config
    from ..links import LinkSpec
    from ..load import SourceSpec
    from ..model import Source
    from ..results import Audit
    from ..settings import Settings


@dataclass
class CleanResult:
    """What a clean wrote and the proof that no row was lost."""

    out_dir: Path
    files: list[Path]
    accounting: dict[str, Any]
    summary: dict[str, Any]
    plan: CleanPlan = field(repr=False)
    audit: Audit = field(repr=False)
    #: The decisions file read (and updated from --review), if any.
    decisions_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _check_outputs(
    out: Path, audit: Audit, names: Sequence[str], targets: Sequence[str] = ()
) -> None:
    """No output may overwrite an input (an export in --out named cleaned_<source>.csv)."""
    inputs = {Path(p).resolve() for s in audit.sources for p in s.paths}
    outputs = [out / f"cleaned_{safe_name(n)}.csv" for n in names]
    outputs += [out / suppression_file(t) for t in targets]
    outputs += [
        out / n for n in ("merge_plan.csv", "suppression.csv", "changes.csv", "clean_summary.json")
    ]
    for o in outputs:
        if o.resolve() in inputs:
            raise ConfigError(f"{o}: is an input file; choose another --out folder")


def clean(
    *sources: str | os.PathLike[str] | SourceSpec | Source,
    settings: Settings | None = None,
    out: str | os.PathLike[str] | None = None,
    target: str | Mapping[str, str] | None = None,
    review: str | os.PathLike[str] | None = None,
    decisions: str | os.PathLike[str] | bool | None = None,
    suppress_roles: bool | None = None,
    config: Config | str | os.PathLike[str] | None = None,
    platforms: Sequence[str] = (),
    maps: Sequence[str] = (),
    region: str | None = None,
    date_orders: Sequence[str] = (),
    rule_packs: Sequence[str | Path] = (),
    disable: Sequence[str] = (),
    links: Sequence[LinkSpec | str] | None = None,
    kinds: Mapping[str, str] | None = None,
    audited: Audit | None = None,
) -> CleanResult:
    """Write what the CRM and the ESP import: cleaned_<source>.csv per source in its
    target's format, merge_plan.csv, suppression.csv, changes.csv and clean_summary.json.

    `target` is one platform for every source ("hubspot") or {source: platform} (default:
    each source's own platform, else generic). `review` is a review.xlsx whose Decision
    columns are applied and kept in the decisions file (`decisions`, default
    hygiene-decisions.json beside the config or here). `audited` skips the audit.
    `settings` (from `hygiene.settings.resolve`) replaces the other arguments but `review`
    and `audited`. Raises AccountingError (nothing written) if any input row would be lost.
    """
    if settings is None:
        settings = resolve(
            # An audit given is the sources (its loaded Sources) unless others are named.
            sources or (tuple(audited.sources) if audited is not None else ()),
            config=config, platforms=platforms, maps=maps, region=region,
            date_orders=date_orders, rule_packs=rule_packs, disable=disable, links=links,
            kinds=kinds, decisions=decisions, clean_out=out, target=target,
            suppress_roles=suppress_roles,
        )
    elif sources:
        raise ConfigError("give the sources in the settings or as arguments, not both")
    if settings.clean_out is None:
        raise ConfigError("clean needs an output folder: --out DIR (or [clean] out)")
    # No decisions file (--no-decisions): none is read or written.
    path = settings.decisions_file
    if path is None and review is not None:
        raise ConfigError("--review keeps its decisions in a file: drop --no-decisions")
    judged = load_decisions(settings)
    if judged is None:  # none yet: a review starts the file
        judged = Decisions(path=path)
    run = Run(STEPS, keep=RESULTS, timings=TIMINGS, nested=True)
    done = run.run(settings=settings, judged=judged, audited=audited, review=review, path=path)
    return CleanResult(
        out_dir=settings.clean_out,
        files=done["files"],
        accounting=done["accounting"],
        summary=summary_dict(done["plan"], done["info"]),
        plan=done["plan"],
        audit=done["result"],
        decisions_path=path if path is not None and path.is_file() else None,
        timings=run.timings,
    )


def _audit(settings: Settings, judged: Decisions, audited: Audit | None) -> Audit:
    """The audit the clean plans from: the one given, else run over the same settings."""
    return audited or run_audit(replace(settings, decisions=judged))


def _review(
    result: Audit, judged: Decisions, review: str | os.PathLike[str] | None, path: Path | None
) -> Decisions:
    """The decisions with review.xlsx's applied, kept in the decisions file."""
    if review is None:
        return judged
    newer, unpair = read_review(review, result.prepared)
    judged = judged.merged_with(stamp(newer), unpair)
    if path is not None:
        save_decisions(judged, path)
    return judged


def _plan(
    result: Audit, decided: Decisions, settings: Settings
) -> tuple[CleanPlan, dict[str, Any], list[str]]:
    """What becomes of every row, the accounting that proves none is lost, and the sources
    written (references are lookup tables, never cleaned)."""
    kinds_now = result.kinds
    names = [s.name for s in result.sources if kinds_now.get(s.name) != "reference"]
    variants = {s.name: export_variant(s) for s in result.sources}
    chosen = resolve_targets(names, settings.target, variants)
    plan = plan_clean(
        result, chosen, decided if len(decided) else None, load_settings(settings.suppress_roles)
    )
    return plan, check_accounting(plan), names


def _write(
    plan: CleanPlan, accounting: dict[str, Any], names: list[str], result: Audit,
    settings: Settings,
) -> tuple[list[Path], dict[str, Any]]:
    """Every output, staged and renamed into place together (none if one fails)."""
    assert settings.clean_out is not None
    out_dir = settings.clean_out
    _check_outputs(out_dir, result, names, list(plan.suppression_targets))
    staging = Staging()
    info: dict[str, Any] = {"accounting": accounting}
    files: list[Path] = []
    try:
        for kind, write in writers().items():
            if kind == "summary":
                info["files"] = [p.name for p in files]
            files += write(plan, out_dir, staging, info)
        staging.commit()
    except BaseException:
        staging.abort()
        raise
    return files, info


#: The figures of `CleanResult.timings`, in order.
TIMINGS = ("audit", "plan", "write")
#: What the CleanResult is made of.
RESULTS = ("result", "plan", "accounting", "files", "info")
STEPS = (
    Step("audit", _audit, reads=("settings", "judged", "audited"), writes=("result",)),
    # The person's review decisions are part of what the plan decides from.
    Step("review", _review, reads=("result", "judged", "review", "path"), writes=("decided",),
         timing="plan"),
    Step("plan", _plan, reads=("result", "decided", "settings"),
         writes=("plan", "accounting", "names"), label="Planning fixes, merges and suppressions"),
    Step("write", _write, reads=("plan", "accounting", "names", "result", "settings"),
         writes=("files", "info"), label="Writing the cleaned files"),
)
