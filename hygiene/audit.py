"""The audit: load -> normalise -> checks (and matching, links) -> score, as one call.

`audit(...)` is the library's front door; the CLI's `hygiene audit` is a thin layer over it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .checks.engine import run_checks
from .checks.gx import preload as preload_gx
from .checks.registry import CheckOptions
from .checks.rules import Rule, load_rules
from .config import Config, as_config
from .decisions import Decisions, find_decisions, load_decisions
from .errors import ConfigError
from .links import LINK_HITS, LinkSpec, finish_links, keep_link_views, plan_links
from .links.state import STATE_FIELDS, sent_types
from .load import SourceSpec, apply_overrides, load_sources, parse_source_args, platform_kind
from .match import Cluster, MatchResult, MatchSettings, clusters_to_records, find_duplicates
from .model import Source, concat_findings
from .prepared import Prepared, warm_all
from .progress import step
from .readiness import judge_gate
from .results import Audit
from .runtime import (
    Background,
    heap_frozen,
    release_memory,
    use_system_allocator,
)
from .score import DuplicateSet, compute
from .workflows import load_workflows, required_by_kind, required_fields, select


def _unmeasured(
    rules: Sequence[Rule], contacts: Sequence[Prepared], linked: bool
) -> dict[str, str]:
    """Dimensions no data could measure, with the reason: integrity needs two systems (or a
    declared link) to compare; compliance needs a consent or subscription column."""
    out: dict[str, str] = {}
    if not linked:
        out["integrity"] = (
            "one system only and no [[links]] declared, so nothing was compared between systems"
        )
    wanted = set(STATE_FIELDS) | {
        f for r in rules if r.enabled and r.dimension == "compliance" for f in r.fields
    }
    wanted.discard("email")  # the join key of consent conflicts, not a consent record
    if not any(wanted & set(p.source.fields) for p in contacts):
        out["compliance"] = (
            "no source has a consent or subscription column (opt-in date, marketing status, "
            "unsubscribed, email status ...)"
        )
    return out


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


def audit(
    *sources: str | os.PathLike[str] | SourceSpec | Source,
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
    without, the gate is on the overall score (`score.gate`).
    """
    default_links = True
    cfg: Config | None = None
    if config is not None:
        cfg = as_config(config)
        sources = tuple(cfg.source_specs(sources))
        workflows = workflows or (list(cfg.workflows) or None)
        region = region or cfg.region
        check_mx = check_mx or cfg.check_mx
        rule_packs = [*cfg.rule_packs, *rule_packs]
        disable = [*cfg.disable, *disable]
        workflow_files = [*cfg.workflow_files, *workflow_files]
        links = cfg.links if links is None else links
        kinds = {**cfg.kinds, **(kinds or {})}
        default_links = cfg.default_links
        fail_under = cfg.fail_under if fail_under is None else fail_under
    if not sources:
        raise ConfigError("no sources given; pass at least one export, e.g. crm=contacts.csv")
    judged = _decisions(decisions, cfg)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    use_system_allocator()
    # Rules and workflows are read first, so a mistake in them stops the audit before any
    # real work.
    chosen = select(load_workflows(workflow_files), workflows)
    asked = list(dict.fromkeys(workflows or ()))
    if fail_under is not None:
        fail_under = check_threshold(fail_under)
        # The gate's threshold is the named workflows' line: one answer to "ready?".
        chosen = [replace(w, ready_at=fail_under) if w.name in asked else w for w in chosen]
    region = check_region(region) if region else None
    rules = sent_types(load_rules(rule_packs, disable), chosen)
    if any(r.enabled and r.expect for r in rules) and not os.environ.get("HYGIENE_NO_PRELOAD"):
        preload_gx()
    specs, loaded = _as_specs(sources)
    specs = apply_overrides(specs, platforms, maps, date_orders)
    step("Reading the exports")
    loaded = [*loaded, *load_sources(specs)]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise ConfigError(f"two sources share a name ({', '.join(names)}); name them NAME=PATH")

    overrides = _check_kinds(kinds or {}, names)
    kinds = {s.name: overrides.get(s.name) or platform_kind(s.platform) for s in loaded}
    options = CheckOptions(
        region=region,
        check_mx=check_mx,
        required=required_fields(chosen),
        required_by_source={n: required_by_kind(chosen, k) for n, k in kinds.items()},
    )
    preps = [Prepared(s, options.region) for s in loaded]
    # Reference sources (users, deals) are lookup tables for links, not contacts: no checks.
    contacts = [p for p in preps if kinds[p.source.name] != "reference"]
    release_memory()  # each step's temporaries, so the next step's peak starts lower
    timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    step("Normalising values")
    # Two threads share every source's views: pyarrow's kernels release the GIL.
    warm_all(contacts)
    release_memory()
    timings["normalize"] = time.perf_counter() - t0

    # From here on the modules, GX and the sources are long-lived: the collector's full
    # passes skip them (see `heap_frozen`).
    with heap_frozen():
        t0 = time.perf_counter()
        job: _Matching | None = None
        read = threading.Event()
        # The pairs a person judged different: found again by record id, email or row.
        exclude = list(judged.exclude_pairs(contacts)) if judged is not None else []
        if match is not False:
            settings = match if isinstance(match, MatchSettings) else match_settings(cfg)
            # Matching reads only the normalised views, the checks only write their hits: the
            # two run side by side, and the matcher's numpy, pyarrow and rapidfuzz work (GIL
            # released) uses the second core. HYGIENE_SERIAL=1 runs them one after the other.
            job = _Matching(contacts, settings, exclude, read.set)
        step("Checking rules")
        findings = run_checks(contacts, rules, options)
        # Past the checks, only the links read the views, and few of them: the rest go once the
        # matcher has read its own (most often long before), or else after it.
        trimmed = job is None or read.is_set()
        for p in contacts:
            if trimmed:
                keep_link_views(p)
            else:
                p.forget("hits", keep=LINK_HITS)  # what the links read; the findings hold the rest
        release_memory()
        timings["checks"] = time.perf_counter() - t0

        # The links' exact joins and consent rules need no matching: they run while the matcher
        # finishes, and count as "links".
        t0 = time.perf_counter()
        step("Linking sources")
        plan = plan_links(
            preps, rules, links=links, kinds=kinds, options=options, defaults=default_links
        )
        links_seconds = time.perf_counter() - t0

        # "match" is what matching adds after the checks: the waits for it, or all of it serially.
        t0 = time.perf_counter()
        step("Matching duplicates")
        fuzzy, members = job.links() if job is not None else (None, None)
        if not trimmed:
            for p in contacts:
                keep_link_views(p)
        timings["match"] = time.perf_counter() - t0

        # The matcher hands its links over before its clusters' evidence and survivors: the
        # link rules run meanwhile.
        t0 = time.perf_counter()
        linked = finish_links(plan, fuzzy_links=fuzzy, clusters=members)
        del plan, fuzzy, members
        if len(linked.findings):
            findings = concat_findings([findings, linked.findings])
        for p in preps:
            p.forget("hits")  # the links were their last reader
        timings["links"] = links_seconds + time.perf_counter() - t0

        t0 = time.perf_counter()
        matched: MatchResult | None = job.result() if job is not None else None
        release_memory()
        timings["match"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        step("Scoring")
        # The clusters' records (Python objects) beside the score (numpy, GIL released).
        records = Background(clusters_to_records, matched, loaded) if matched is not None else None
        dup_sets = duplicate_sets(matched)
        titles = {r.code: r.title for r in rules}
        scored = [p.source for p in contacts]
        in_scored = findings["source"].isin([s.name for s in scored]).to_numpy()
        # Copying a million findings costs a second; most audits score every source.
        to_score = findings if in_scored.all() else findings[in_scored]
        score = compute(to_score, scored, chosen, kinds, dup_sets, titles, asked=asked)
        score.unmeasured = _unmeasured(rules, contacts, bool(linked.stats))
        if fail_under is not None:
            score.gate = judge_gate(
                score.overall, score.workflows, fail_under, asked, score.capped
            )
        duplicates = records.result() if records is not None else []
        timings["score"] = time.perf_counter() - t0
        return Audit(
            sources=loaded,
            findings=findings,
            score=score,
            workflows=chosen,
            rules=rules,
            duplicates=duplicates,
            match=matched,
            links=linked.pairs,
            link_stats=linked.stats,
            kind_overrides=overrides,
            config=cfg,
            timings=timings,
            prepared=preps,
            decisions=judged,
            decisions_applied=len(exclude) if job is not None else 0,
        )


def check_threshold(value: float) -> float:
    """A gate threshold: a number from 0 to 100 (NaN would let every gate pass)."""
    number = float(value)
    if not 0.0 <= number <= 100.0:  # also false for NaN
        raise ConfigError(f"fail_under {value!r}: must be a number from 0 to 100")
    return number


def check_region(value: str) -> str:
    """`value` as an ISO 3166-1 alpha-2 country code, upper case ("us" -> "US")."""
    import pycountry

    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        hint = ""
        if len(code) == 3:
            found = pycountry.countries.get(alpha_3=code)
            hint = f" ({code} is alpha-3; write {found.alpha_2})" if found is not None else ""
        raise ConfigError(
            f"region {value!r}: not an ISO 3166-1 alpha-2 country code{hint}; "
            "write two letters such as US, GB, DE, FR"
        )
    return code


class _Matching:
    """`find_duplicates` on its own thread (in turn with HYGIENE_SERIAL=1), with its early
    hand-off of the links and the clusters' members (`links_ready`)."""

    def __init__(
        self,
        contacts: Sequence[Prepared],
        settings: MatchSettings,
        exclude: Iterable[tuple[str, int, str, int]],
        views_read: Callable[[], object],
    ) -> None:
        self._early: Future[tuple[pd.DataFrame, pd.DataFrame] | None] = Future()

        def run() -> MatchResult:
            try:
                return find_duplicates(
                    contacts,
                    settings,
                    exclude,
                    views_read=views_read,
                    links_ready=lambda links, members: self._early.set_result((links, members)),
                    give_back_memory=True,
                )
            finally:
                if not self._early.done():  # it failed first: result() raises its error
                    self._early.set_result(None)

        self._job = Background(run)
        self._result: MatchResult | None = None

    def links(self) -> tuple[pd.DataFrame, pd.DataFrame | list[Cluster]]:
        """The matcher's links and clusters' members, as soon as it has them."""
        early = self._early.result() if self._job.beside else None
        if early is None:  # serial, or it failed (result() raises its error)
            result = self.result()
            return result.links, result.clusters
        return early

    def result(self) -> MatchResult:
        if self._result is None:
            self._result = self._job.result()
        return self._result


def _decisions(
    given: Decisions | str | os.PathLike[str] | bool | None, cfg: Config | None
) -> Decisions | None:
    """The decisions to honour: as given, or the file beside the config or here, if any."""
    if given is False:
        return None
    if isinstance(given, Decisions):
        return given
    if isinstance(given, (str, os.PathLike)):
        path = Path(given)
        if not path.is_file():
            raise ConfigError(f"{path}: decisions file not found")
        return load_decisions(path)
    found = find_decisions(cfg.folder if cfg is not None else None)
    return load_decisions(found) if found is not None else None


def match_settings(cfg: Config | None) -> MatchSettings:
    """The matcher's settings from the config's `[match]` table (names as in MatchSettings)."""
    table = dict(cfg.match) if cfg is not None else {}
    known = {f.name for f in fields(MatchSettings)}
    unknown = sorted(set(table) - known)
    if unknown:
        where = cfg.path if cfg is not None else "hygiene.toml"
        raise ConfigError(f"{where}: [match] unknown key(s) {unknown}; known: {sorted(known)}")
    for key in ("blocking", "comparisons"):
        if key in table:
            table[key] = tuple(table[key])
    return MatchSettings(**table)


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


def _check_kinds(kinds: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    """Source kinds asked for by name: each names a loaded source and a known kind."""
    for name, kind in kinds.items():
        if name not in names:
            raise ConfigError(
                f"kind of {name!r}: no source of that name; sources are: {', '.join(names)}"
            )
        if kind not in ("crm", "esp", "reference"):
            raise ConfigError(f"kind of {name!r}: {kind!r} is not one of crm, esp, reference")
    return dict(kinds)
