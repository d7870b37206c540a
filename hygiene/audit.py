"""The audit: load -> normalise -> checks (and matching, links) -> score, as one call.

`audit(...)` is the library's front door; the CLI's `hygiene audit` is a thin layer over it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .checks.engine import check_all
from .checks.gx import preload as preload_gx
from .checks.registry import CheckOptions
from .checks.rules import Rule, load_rules
from .errors import ConfigError
from .links import CheckHits, LinkPlan, LinkResult, finish_links, keep_link_views, plan_links
from .links.state import sent_types, unmeasured
from .load import SourceSpec, apply_overrides, load_sources, parse_source_args
from .load.limits import Read, check_memory
from .match import MatchResult, MatchSettings, clusters_to_records
from .match.api import ENCODE_STEPS, SCORE_STEPS, match_frames, prepared, timed
from .match.grouping import Grouped, finish, group
from .match.types import Scored
from .model import Source, concat_findings, observed_counts
from .prepared import Prepared, warm_all
from .readiness import judge_gate
from .results import Audit
from .runtime import (
    Releasable,
    Run,
    Step,
    warm_up,
)
from .score import DuplicateSet, Score, compute
from .settings import Settings, load_decisions, resolve
from .workflows import Workflow, load_workflows, required_by_kind, required_fields, select

if TYPE_CHECKING:
    from .config import Config
    from .decisions import Decisions
    from .links import LinkSpec


def audit(
    *sources: str | os.PathLike[str] | SourceSpec | Source,
    settings: Settings | None = None,
    workflows: Sequence[str] | None = None,
    platforms: Sequence[str] = (),
    maps: Sequence[str] = (),
    region: str | None = None,
    check_mx: bool = False,
    date_orders: Sequence[str] = (),
    rule_packs: Sequence[str | Path] = (),
    disable: Sequence[str] = (),
    workflow_files: Sequence[str | Path] = (),
    config: Config | str | os.PathLike[str] | None = None,
    links: Sequence[LinkSpec | str] | None = None,
    kinds: Mapping[str, str] | None = None,
    match: bool | MatchSettings = True,
    decisions: Decisions | str | os.PathLike[str] | bool | None = None,
    fail_under: float | None = None,
) -> Audit:
    """Audit contact exports and return the findings, duplicates and readiness score.

    `sources` are paths (`"crm=exports/hubspot.csv"`, or a bare path named after its file),
    `SourceSpec`s or already loaded `Source`s. `platforms` ("NAME=PLATFORM") and `maps`
    ("NAME:COLUMN=FIELD") override detection as on the command line, `date_orders`
    ("dmy", "mdy" or "NAME=dmy") settle numeric dates a column does not decide. `config` is a
    hygiene.toml (path or `Config`); arguments given here win over its values. `links` are
    declared links (`LinkSpec`s or "FROM=TO" strings; default: the config's), `kinds` set a
    source's kind ("crm", "esp", or "reference": a lookup table only links read). `match`
    finds duplicates within each source and the same person across sources (`False` skips
    it; `MatchSettings` tunes it; default: the config's `[match]` table). `decisions` is a
    person's review decisions (hygiene-decisions.json; default: the file beside the config,
    else in the working directory, if there is one; `False` reads none): records judged
    different are never clustered again. `fail_under` is the gate (default: the config's):
    with `workflows` named, each is scored as ready at that threshold instead of its own
    `ready_at`, so `score.workflows[...].ready` and `score.gate` give the same answer;
    without, the gate is on the overall score (`score.gate`). `settings` (from
    `hygiene.settings.resolve`) replaces all of these and the sources.
    """
    if settings is None:
        settings = resolve(
            sources, config=config, workflows=workflows, workflow_files=workflow_files,
            platforms=platforms, maps=maps, date_orders=date_orders, region=region,
            check_mx=check_mx, rule_packs=rule_packs, disable=disable, links=links,
            kinds=kinds, match=match, decisions=decisions, fail_under=fail_under,
        )
    elif sources:
        raise ConfigError("give the sources in the settings or as arguments, not both")
    return run_audit(settings)


def run_audit(settings: Settings) -> Audit:
    """The audit's steps over resolved settings (see `audit`)."""
    judged = load_decisions(settings, must_exist=True)
    matching = settings.match is not None
    steps = [
        *LOAD_STEPS,
        *(MATCH_STEPS if matching else ()),
        *CHECK_STEPS,
    ]
    run = Run(steps, keep=RESULTS, timings=TIMINGS, freeze_after="normalize")
    unmatched: dict[str, Any] = {} if matching else {
        "matched": None, "fuzzy_links": None, "members": None, "duplicates": []
    }
    out = run.run(settings=settings, judged=judged, match_settings=settings.match, **unmatched)
    return Audit(
        sources=out["sources"],
        findings=out["findings"],
        score=out["score"],
        workflows=out["plan"].workflows,
        rules=out["plan"].rules,
        duplicates=out["duplicates"],
        match=timed(out["matched"], run.phases) if matching else None,
        links=out["linked"].pairs,
        link_stats=out["linked"].stats,
        kind_overrides=dict(settings.kinds),
        config=settings.config,
        timings=run.timings,
        prepared=out["preps"],
        decisions=judged,
        decisions_applied=len(out["exclude"]) if matching else 0,
    )


@dataclass(frozen=True)
class _Plan:
    """What the audit checks and scores: the workflows (the named ones at the gate's
    threshold), those named, and the rules."""

    workflows: list[Workflow]
    asked: list[str]
    rules: list[Rule]


def _plan(settings: Settings) -> _Plan:
    """Rules and workflows, read first so a mistake in them stops the audit before any real
    work."""
    chosen = select(load_workflows(settings.workflow_files), settings.workflows)
    asked = list(dict.fromkeys(settings.workflows or ()))
    if settings.fail_under is not None:
        # The gate's threshold is the named workflows' line: one answer to "ready?".
        gate = settings.fail_under
        chosen = [replace(w, ready_at=gate) if w.name in asked else w for w in chosen]
    rules = sent_types(load_rules(settings.rule_packs, settings.disable), chosen)
    if any(r.enabled and r.expect for r in rules):
        warm_up(preload_gx)
    return _Plan(chosen, asked, rules)


def _load(
    settings: Settings, plan: _Plan
) -> tuple[list[Source], list[Prepared], list[Prepared], dict[str, str], CheckOptions]:
    """The sources loaded, their kinds, and the per-source views they are checked through;
    reference sources (users, deals) are lookup tables for links, not contacts: no checks."""
    specs, loaded = _as_specs(settings.sources)
    specs = apply_overrides(specs, settings.platforms, settings.maps, settings.date_orders)
    loaded = [*loaded, *load_sources(specs)]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise ConfigError(f"two sources share a name ({', '.join(names)}); name them NAME=PATH")
    kinds = settings.source_kinds(loaded)
    options = CheckOptions(
        region=settings.region,
        check_mx=settings.check_mx,
        required=required_fields(plan.workflows),
        required_by_source={n: required_by_kind(plan.workflows, k) for n, k in kinds.items()},
    )
    preps = [Prepared(s, options.region) for s in loaded]
    contacts = [p for p in preps if kinds[p.source.name] != "reference"]
    return loaded, preps, contacts, kinds, options


class _Views(Releasable):
    """The contacts' normalised views: the checks and the matcher read them all, the links
    only a few (`keep_link_views`), so the rest go once the first two are done."""

    def __init__(self, contacts: Sequence[Prepared]) -> None:
        self.contacts = list(contacts)

    def release(self) -> None:
        for p in self.contacts:
            keep_link_views(p)


def _normalize(contacts: list[Prepared]) -> _Views:
    # Two threads share every source's views: pyarrow's kernels release the GIL.
    warm_all(contacts)
    return _Views(contacts)


def _exclude(judged: Decisions | None, contacts: list[Prepared]) -> list[tuple[str, int, str, int]]:
    """The pairs a person judged different: found again by record id, email or row."""
    return list(judged.exclude_pairs(contacts)) if judged is not None else []


def _match_read(
    contacts: list[Prepared], views: _Views, match_settings: MatchSettings
) -> tuple[list[pd.DataFrame], list[str]]:
    """The matcher's last read of the normalised views (`views` is declared so that they
    outlive it)."""
    return match_frames(prepared(contacts, match_settings))


def _match_group(
    scored: Scored, contacts: list[Prepared], match_settings: MatchSettings,
    exclude: list[tuple[str, int, str, int]], kinds: dict[str, str],
) -> tuple[Grouped, pd.DataFrame, pd.DataFrame]:
    grouped = group(scored, [p.source for p in contacts], match_settings, exclude, kinds)
    return grouped, grouped.links, grouped.members


def _checks(
    contacts: list[Prepared], views: _Views, plan: _Plan, options: CheckOptions
) -> tuple[pd.DataFrame, CheckHits]:
    """The findings of every rule, and the hits the links read (`views`: as the matcher).

    The findings are what grows past the records: their estimated memory is weighed against
    the bytes read before the links and the reports multiply them (`hygiene.load.limits`)."""
    findings, kept = check_all(contacts, plan.rules, options, keep=CheckHits.CODES)
    per_source = observed_counts(findings["source"])
    check_memory([
        Read(p.source.rows, p.source.bytes_read, p.source.paths, len(p.source.data.columns),
             int(per_source.get(p.source.name, 0)))
        for p in contacts
    ], checked=True)  # fmt: skip
    return findings, CheckHits.of(kept)


def _plan_links(
    preps: list[Prepared], plan: _Plan, settings: Settings, kinds: dict[str, str],
    options: CheckOptions, hits: CheckHits,
) -> LinkPlan:
    # The exact joins and consent rules need no matching: they run while the matcher
    # finishes.
    return plan_links(
        preps, plan.rules, links=settings.links, kinds=kinds, options=options,
        defaults=settings.default_links, check_hits=hits,
    )


def _links(
    link_plan: LinkPlan, fuzzy_links: pd.DataFrame | None, members: pd.DataFrame | None,
    checked: pd.DataFrame,
) -> tuple[LinkResult, pd.DataFrame]:
    linked = finish_links(link_plan, fuzzy_links=fuzzy_links, clusters=members)
    findings = concat_findings([checked, linked.findings]) if len(linked.findings) else checked
    return linked, findings


def _score(
    findings: pd.DataFrame, contacts: list[Prepared], plan: _Plan, kinds: dict[str, str],
    matched: MatchResult | None, linked: LinkResult, settings: Settings,
) -> Score:
    dup_sets = duplicate_sets(matched)
    titles = {r.code: r.title for r in plan.rules}
    scored = [p.source for p in contacts]
    in_scored = findings["source"].isin([s.name for s in scored]).to_numpy()
    # Copying a million findings costs a second; most audits score every source.
    to_score = findings if in_scored.all() else findings[in_scored]
    score = compute(to_score, scored, plan.workflows, kinds, dup_sets, titles, asked=plan.asked)
    score.unmeasured = unmeasured(plan.rules, contacts, bool(linked.stats))
    if settings.fail_under is not None:
        score.gate = judge_gate(
            score.overall, score.workflows, settings.fail_under, plan.asked, score.capped
        )
    return score


def _records(matched: MatchResult, sources: list[Source]) -> list[dict[str, Any]]:
    # The clusters' records (Python objects), made beside the links and the score.
    return clusters_to_records(matched, sources)


#: The figures of `Audit.timings`, in order: "match" is what matching adds after the
#: checks (the waits for it, or all of it when serial).
TIMINGS = ("load", "normalize", "checks", "match", "links", "score")
#: What the Audit is made of.
RESULTS = ("sources", "preps", "plan", "findings", "score", "duplicates", "matched", "linked",
           "exclude")

LOAD_STEPS = (
    Step("plan", _plan, reads=("settings",), writes=("plan",), timing="load", give_back=False),
    Step("load", _load, reads=("settings", "plan"),
         writes=("sources", "preps", "contacts", "kinds", "options"),
         label="Reading the exports"),
    Step("normalize", _normalize, reads=("contacts",), writes=("views",),
         label="Normalising values"),
    Step("exclude", _exclude, reads=("judged", "contacts"), writes=("exclude",),
         timing="checks", give_back=False),
)
#: Matching reads only the normalised views, the checks only write their hits: the two
#: run side by side, and the matcher's numpy, pyarrow and rapidfuzz work (GIL released)
#: uses the second core. The links and the clusters' members are handed over before the
#: clusters' evidence and survivors: the link rules run meanwhile.
MATCH_STEPS = (
    Step("match.read", _match_read, reads=("contacts", "views", "match_settings"),
         writes=("frames", "names"), timing="match", phase="prepare", give_back=False,
         beside=True),
    *(replace(s, name=f"match.{s.name}", timing="match", beside=True)
      for s in (*ENCODE_STEPS[1:], *SCORE_STEPS)),
    Step("match.group", _match_group,
         reads=("scored", "contacts", "match_settings", "exclude", "kinds"),
         writes=("grouped", "fuzzy_links", "members"), timing="match", phase="clustering",
         label="Matching duplicates", give_back=False, beside=True),
    Step("match.finish", finish, reads=("grouped",), writes=("matched",), timing="match",
         phase="clustering", collect=False, beside=True),
    # A dict per member: no cycles, and a million allocations.
    Step("records", _records, reads=("matched", "sources"), writes=("duplicates",),
         timing="score", give_back=False, beside=True, collect=False),
)
CHECK_STEPS = (
    Step("checks", _checks, reads=("contacts", "views", "plan", "options"),
         writes=("checked", "hits"), label="Checking rules"),
    Step("links.plan", _plan_links,
         reads=("preps", "plan", "settings", "kinds", "options", "hits"),
         writes=("link_plan",), timing="links", label="Linking sources", give_back=False),
    Step("links", _links, reads=("link_plan", "fuzzy_links", "members", "checked"),
         writes=("linked", "findings"), give_back=False),
    Step("score", _score,
         reads=("findings", "contacts", "plan", "kinds", "matched", "linked", "settings"),
         writes=("score",), label="Scoring", give_back=False),
)


def _as_specs(
    sources: Sequence[str | os.PathLike[str] | SourceSpec | Source],
) -> tuple[list[SourceSpec], list[Source]]:
    specs: list[SourceSpec] = []
    loaded: list[Source] = []
    strings: list[str] = []
    for s in sources:
        if isinstance(s, Source):
            loaded.append(s)
        elif isinstance(s, SourceSpec):
            specs.append(s)
        else:
            strings.append(os.fspath(s))
    if strings:
        specs.extend(parse_source_args(strings))
    return specs, loaded


def duplicate_sets(matched: MatchResult | None) -> list[DuplicateSet]:
    """Per source, the redundant records: cluster members other than the survivor."""
    if matched is None:
        return []
    redundant: dict[str, list[int]] = {}
    for c in matched.clusters:
        redundant.setdefault(c.source, []).extend(m for m in c.members if m != c.survivor)
    return [
        DuplicateSet(src, np.asarray(sorted(p), dtype=np.int64)) for src, p in redundant.items()
    ]
