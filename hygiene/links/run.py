"""The links step: resolve the links, join the sources, run the link and consent rules.

`check_links` is the entry point the audit calls after the per-source checks (so it can use
what they found: the fixed address of a misspelt domain, the placeholder names).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..checks.engine import to_findings
from ..checks.registry import CheckOptions, Needs, registry
from ..checks.rules import Rule, load_rules
from ..errors import ConfigError
from ..load import source_kinds
from ..model import (
    FIELDS,
    FINDING_COLUMNS,
    INTERNAL_FINDING_COLUMNS,
    compact_findings,
    concat_findings,
)
from ..prepared import Prepared
from .join import (
    DUPLICATE,
    EMAIL,
    EMAIL_FIXED,
    FUZZY,
    ID,
    METHODS,
    CheckHits,
    Clusters,
    Joined,
    best_pairs,
    cluster_frame,
    column_keys,
    email_keys,
    empty_pairs,
    fuzzy_pairs,
    has_clusters,
    join_keys,
    through_duplicates,
)
from .records import RecordLink, warm_names
from .references import ReferenceLink
from .spec import LinkSpec, Resolved, parse_link, resolve, with_defaults
from .state import consent_state, describe

#: Columns of `LinkResult.pairs` (the first seven as hygiene.match's cross-source links).
PAIRS_COLUMNS = (
    "source_a", "pos_a", "source_b", "pos_b", "probability", "evidence", "method", "link",
)
_ALL = [*FINDING_COLUMNS, *INTERNAL_FINDING_COLUMNS]


@dataclass
class LinkResult:
    """Findings of the link and consent rules, the record pairs, and counts per link."""

    findings: pd.DataFrame
    pairs: pd.DataFrame
    stats: list[dict[str, Any]] = field(default_factory=list)


def link_rules(rules: Sequence[Rule[Any]]) -> list[Rule[Any]]:
    """The enabled rules the links step runs: those whose check needs a whole source, a link
    or a reference table (`Needs`)."""
    return [r for r in rules if r.engine == "links" and r.enabled]


def _source_kinds(preps: Sequence[Prepared], kinds: Mapping[str, str] | None) -> dict[str, str]:
    return source_kinds({p.source.name: p.source.platform for p in preps}, kinds)


@dataclass
class LinkPlan:
    """The part of the links step that needs no matching: links resolved, exact joins made
    (email, id columns), reference and consent rules run. `finish_links` adds the
    matcher's links and runs the record rules; the audit makes the plan while it waits for
    the matcher."""

    chosen: list[Rule]
    #: Per link, in order: the exact joins of a records link, or a reference link's
    #: findings and stats.
    steps: list[tuple[Resolved, list[Joined] | None, list[pd.DataFrame], dict[str, Any]]]
    by_name: dict[str, Prepared]
    #: Findings of the per-source (consent) rules, after every link's.
    source_findings: list[pd.DataFrame]
    #: What the checks found that decides who can link.
    check_hits: CheckHits = field(default_factory=CheckHits)


def plan_links(
    preps: Sequence[Prepared],
    rules: Sequence[Rule] | None = None,
    *,
    links: Sequence[LinkSpec | str] | None = None,
    kinds: Mapping[str, str] | None = None,
    options: CheckOptions | None = None,
    defaults: bool = True,
    check_hits: CheckHits | None = None,
) -> LinkPlan:
    """Everything of `check_links` that does not read the matcher's results."""
    check_hits = check_hits or CheckHits()
    chosen = link_rules(load_rules() if rules is None else rules)
    options = options or CheckOptions()
    kind_of = _source_kinds(preps, kinds)
    by_name = {p.source.name: p for p in preps}
    specs = [parse_link(s) if isinstance(s, str) else s for s in (links or ())]
    contacts = {n: k for n, k in kind_of.items() if k != "reference"}
    sources = {n: p.source for n, p in by_name.items()}
    if defaults:
        specs = with_defaults(specs, contacts, sources)

    steps: list[tuple[Resolved, list[Joined] | None, list[pd.DataFrame], dict[str, Any]]] = []
    for spec in specs:
        res = resolve(spec, sources, kind_of)
        if res.kind == "records":
            steps.append((res, exact_joins(res, by_name, check_hits), [], {}))
            for side in (res.origin.source, res.targets[0].source):
                warm_names(by_name[side])
        else:
            ref = ReferenceLink(res, by_name)
            found = _run(chosen, Needs.REFERENCE, ref)
            steps.append((res, None, found, {
                "link": spec.label, "kind": "reference", "from": str(res.origin),
                "to": [str(t) for t in res.targets],
                "missing": int(sum(len(f) for f in found)),
            }))
    frames: list[pd.DataFrame] = []
    for name, prep in by_name.items():
        if kind_of[name] == "reference":
            continue
        for rule in chosen:
            if rule.needs != Needs.SOURCE or not rule.applies_to(prep.source.platform):
                continue
            got = _fn(rule)(prep, rule, options, kind_of[name])
            if len(got):
                frames.append(link_findings(prep, rule, got))
    return LinkPlan(chosen, steps, by_name, frames, check_hits)


def finish_links(
    plan: LinkPlan,
    fuzzy_links: pd.DataFrame | None = None,
    clusters: Clusters | None = None,
) -> LinkResult:
    """The links step's result: the plan's exact joins plus the matcher's links and
    clusters (see `check_links`), the record rules run over them."""
    frames: list[pd.DataFrame] = []
    pair_frames: list[pd.DataFrame] = []
    stats: list[dict[str, Any]] = []
    for res, joins, found, stat in plan.steps:
        if joins is None:
            frames += found
            stats.append(stat)
            continue
        link = join_records(res, plan.by_name, fuzzy_links, clusters, joins, plan.check_hits)
        frames += _run(plan.chosen, Needs.LINK, link)
        pair_frames.append(_pairs_out(link))
        stats.append(_stats(link))
    findings = _combine([*frames, *plan.source_findings])
    pairs = (pd.concat(pair_frames, ignore_index=True) if pair_frames
             else pd.DataFrame({c: pd.Series(dtype=object) for c in PAIRS_COLUMNS}))
    return LinkResult(findings, pairs, stats)


def check_links(
    preps: Sequence[Prepared],
    rules: Sequence[Rule] | None = None,
    *,
    links: Sequence[LinkSpec | str] | None = None,
    kinds: Mapping[str, str] | None = None,
    fuzzy_links: pd.DataFrame | None = None,
    clusters: Clusters | None = None,
    options: CheckOptions | None = None,
    defaults: bool = True,
    check_hits: CheckHits | None = None,
) -> LinkResult:
    """Run the link rules over `links` (plus a default link for each ESP x CRM pair no
    declared link joins, unless `defaults` is false) and the consent rules over each source.

    `kinds` maps source names to "crm", "esp" or "reference" (default: the platform's kind);
    reference sources are only link targets. `fuzzy_links` are the matcher's cross-source
    links (source_a, pos_a, source_b, pos_b, probability, evidence, method), used for rows
    whose email found no counterpart; `clusters` its duplicate clusters (`.source`,
    `.members`), through which an unlinked duplicate inherits its cluster-mate's links.
    `check_hits` is what the per-source checks found that decides who can link (default:
    nothing, every address links).
    """
    plan = plan_links(preps, rules, links=links, kinds=kinds, options=options,
                      defaults=defaults, check_hits=check_hits)
    return finish_links(plan, fuzzy_links, clusters)


def link_findings(prep: Prepared, rule: Rule[Any], found: pd.DataFrame) -> pd.DataFrame:
    """Findings rows for the hits of one link rule on one source, through the checks' own
    path (`to_findings`: provenance, record ids, columns and messages as every finding).

    A hit on a column that maps no canonical field (a reference's `deals.Contact ID`) names
    that column in `column_name`; its field is left empty.
    """
    frame = to_findings(prep, rule, found)
    if "column_name" in found and len(frame):
        named = found["column_name"].reset_index(drop=True)
        has = named.notna().to_numpy()
        column = frame["column"].astype(object)
        column[has] = named[has].to_numpy(dtype=object)
        frame["column"] = column
        odd = ~frame["field"].isin(FIELDS).to_numpy()
        frame.loc[odd, "field"] = None
        compact_findings(frame)
    return frame


def _fn(rule: Rule[Any]) -> Callable[..., Any]:
    spec = registry().get(str(rule.check))
    if spec is None:
        raise ConfigError(f"rule {rule.code} ({rule.pack}): no check {rule.check!r} is registered")
    return spec.fn


def _run(chosen: Sequence[Rule[Any]], needs: Needs, link: Any) -> list[pd.DataFrame]:
    """Findings of the chosen rules whose check takes `link` (a records or reference link)."""
    out = []
    for rule in chosen:
        if rule.needs != needs:
            continue
        for prep, found in _fn(rule)(link, rule):
            if len(found) and rule.applies_to(prep.source.platform):
                out.append(link_findings(prep, rule, found))
    return out


def exact_joins(
    res: Resolved, preps: Mapping[str, Prepared], check_hits: CheckHits | None = None
) -> list[Joined]:
    """A records link's joins on equal values: the email, then each pair of id columns."""
    a, b = preps[res.origin.source], preps[res.targets[0].source]
    n_a, n_b = a.rows, b.rows
    joins: list[Joined] = []
    if res.use_email:
        check_hits = check_hits or CheckHits()
        ka, kb = email_keys(a, check_hits), email_keys(b, check_hits)
        if ka is not None and kb is not None:
            joins.append(join_keys(ka, kb, n_a, n_b, EMAIL, "linked by the same email address"))
    for col_a, col_b in res.id_pairs:
        joins.append(
            join_keys(column_keys(a.source.data[col_a]), column_keys(b.source.data[col_b]),
                      n_a, n_b, ID, f"linked by the same id ({col_a} = {col_b})")
        )
    return joins


def join_records(
    res: Resolved,
    preps: Mapping[str, Prepared],
    fuzzy: pd.DataFrame | None = None,
    clusters: Clusters | None = None,
    joins: list[Joined] | None = None,
    check_hits: CheckHits | None = None,
) -> RecordLink:
    """Pairs of a records link: email, then id columns (`joins`, default: made here; see
    `exact_joins`), then the matcher's links, then duplicates of linked rows."""
    a, b = preps[res.origin.source], preps[res.targets[0].source]
    n_a, n_b = a.rows, b.rows
    if joins is None:
        joins = exact_joins(res, preps, check_hits)
    linked_a = np.zeros(n_a, dtype=bool)
    linked_b = np.zeros(n_b, dtype=bool)
    for j in joins:
        linked_a |= j.linked_a
        linked_b |= j.linked_b
    parts = [j.pairs for j in joins]
    fuzzy_given = fuzzy is not None
    found = fuzzy_pairs(fuzzy, a.source.name, b.source.name, linked_a, linked_b)
    if len(found):
        parts.append(found)
        linked_a[found["pos_a"].to_numpy()] = True
        linked_b[found["pos_b"].to_numpy()] = True
    if not parts:
        pairs = empty_pairs()
    elif len(parts) == 1:
        pairs = parts[0]
    else:
        pairs = best_pairs(pd.concat(parts, ignore_index=True))
    if has_clusters(clusters):
        inherited = []
        for side, prep, linked in (("a", a, linked_a), ("b", b, linked_b)):
            members = cluster_frame(clusters, prep.source.name)
            rows = prep.source.provenance["row"].to_numpy(dtype=np.int64)
            inherited.append(through_duplicates(pairs, side, members, linked, rows))
        for got in inherited:
            linked_a[got["pos_a"].to_numpy()] = True
            linked_b[got["pos_b"].to_numpy()] = True
        pairs = best_pairs(pd.concat([pairs, *inherited], ignore_index=True))
    return RecordLink(res, a, b, pairs, linked_a, linked_b, fuzzy_given, check_hits or CheckHits())


def _pairs_out(link: RecordLink) -> pd.DataFrame:
    p = link.pairs
    return pd.DataFrame(
        {
            "source_a": link.a.source.name,
            "pos_a": p["pos_a"].to_numpy(dtype=np.int64),
            "source_b": link.b.source.name,
            "pos_b": p["pos_b"].to_numpy(dtype=np.int64),
            "probability": p["probability"].to_numpy(dtype=float),
            "evidence": p["evidence"].to_numpy(dtype=object),
            "method": np.array([METHODS[v] for v in sorted(METHODS)], dtype=object)[
                p["via"].to_numpy(dtype=np.int64)
            ],
            "link": link.resolved.spec.label,
        },
        columns=list(PAIRS_COLUMNS),
    )


def _stats(link: RecordLink) -> dict[str, Any]:
    via = link.pairs["via"].to_numpy()
    return {
        "link": link.resolved.spec.label,
        "kind": "records",
        "from": link.a.source.name,
        "to": [link.b.source.name],
        "pairs": int(len(link.pairs)),
        "linked_from": int(link.linked_a.sum()),
        "linked_to": int(link.linked_b.sum()),
        "by_method": {
            m: int((via == v).sum())
            for v, m in ((EMAIL, "email"), (EMAIL_FIXED, "email_fixed"), (ID, "id"),
                         (FUZZY, "fuzzy"), (DUPLICATE, "duplicate"))
            if (via == v).any()
        },
        "require": dict(link.resolved.require),
        "consent": {p.source.name: describe(consent_state(p)) for p in (link.a, link.b)},
    }


def _combine(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One findings frame; a row reported twice for the same code and field (linked to two
    ESPs, say) keeps its first finding, so finding ids stay unique."""
    out = concat_findings([f[_ALL] for f in frames])
    dup = out.duplicated(["code", "source", "pos", "field"], keep="first")
    return out[~dup.to_numpy()].reset_index(drop=True)
