"""The score as a sum over blocks: each block scores its own records with the local engine's
functions (penalties per dimension, reach, the records each workflow blocker holds back),
and the driver adds the blocks' counts up and finishes the score as `hygiene.score` does.

Every term is a count or a sum over records, and a record's findings all sit on its block
(whole-column findings are scored on every block), so the sum equals the local score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..model import DIMENSIONS, Source
from ..readiness import (
    Blocker,
    DuplicateSet,
    WorkflowScore,
    judge_gate,
    settle,
    workflow_score,
)
from ..score import (
    Reach,
    Score,
    capped_overall,
    default_weights,
    dimension_penalties,
    grade_for,
    overall_score,
    penalty_score,
    reach,
    scoring_frame,
)

if TYPE_CHECKING:
    from .partition import BlockJob


def block_partial(
    findings: pd.DataFrame, sources: Sequence[Source], job: BlockJob,
    duplicates: Sequence[DuplicateSet] = (),
) -> dict[str, Any]:
    """One block's share of the score, as JSON-able counts; `duplicates` are the block's
    redundant duplicate records (block positions), scored as the local score scores them."""
    weights = default_weights()
    compact = scoring_frame(findings)
    where = reach(compact, sources, weights)
    blanks: dict[tuple[str, str], Any] = {}
    workflows = {}
    for wf in job.workflows:
        w = workflow_score(wf, compact, sources, job.kinds, duplicates, job.titles, blanks,
                           wf.name in job.asked)
        workflows[wf.name] = {
            "records": w.records,
            "blocked": w.blocked,
            "details": [[b.code, b.title, b.field, b.source, b.records] for b in w.details],
        }
    return {
        "rows": sum(s.rows for s in sources),
        "penalties": dimension_penalties(compact, sources, duplicates, weights),
        "reachable": where.reachable,
        "records": where.records,
        "no_channel": list(where.no_channel),
        "workflows": workflows,
    }


def merge_partials(
    partials: Iterable[Mapping[str, Any]],
    workflows: Sequence[Any],
    asked: Sequence[str],
    fail_under: float | None,
) -> Score:
    """The score from the blocks' shares (see the module docstring)."""
    weights = default_weights()
    rows = 0
    penalties = dict.fromkeys(DIMENSIONS, 0.0)
    reachable = records = 0
    no_channel: set[str] = set()
    per_wf: dict[str, dict[str, Any]] = {
        wf.name: {"records": 0, "blocked": 0, "details": {}} for wf in workflows
    }
    for part in partials:
        rows += int(part["rows"])
        for dim, p in part["penalties"].items():
            penalties[dim] += float(p)
        reachable += int(part["reachable"])
        records += int(part["records"])
        no_channel.update(part["no_channel"])
        for name, w in part["workflows"].items():
            acc = per_wf[name]
            acc["records"] += int(w["records"])
            acc["blocked"] += int(w["blocked"])
            for code, title, fld, src, n in w["details"]:
                key = (code, title, fld, src)
                acc["details"][key] = acc["details"].get(key, 0) + int(n)
    dims = {d: penalty_score(penalties[d], rows) for d in DIMENSIONS}
    where = Reach(records=records, reachable=reachable, no_channel=tuple(sorted(no_channel)))
    overall, capped = capped_overall(overall_score(dims, weights), where)
    scored: dict[str, WorkflowScore] = {}
    for wf in workflows:
        acc = per_wf[wf.name]
        n = acc["records"]
        details = sorted(
            (
                Blocker(code, title, k, share=round(k / n, 4) if n else 0.0, field=fld,
                        source=src, zero_tolerance=code in wf.zero_tolerance and k > 0)
                for (code, title, fld, src), k in acc["details"].items()
            ),
            key=Blocker.sort_key,
        )
        w = WorkflowScore(
            name=wf.name,
            title=wf.title,
            score=0.0 if n == 0 else round(100.0 * (1.0 - acc["blocked"] / n), 1),
            ready=False,
            records=n,
            blocked=acc["blocked"],
            details=details,
            ready_at=wf.ready_at,
        )
        scored[wf.name] = settle(w, wf.name in asked)
    score = Score(
        overall=overall,
        grade=grade_for(overall, weights),
        dimensions=dims,
        workflows=scored,
        reachable=round(where.share, 4),
        capped=capped,
    )
    if fail_under is not None:
        score.gate = judge_gate(score.overall, score.workflows, fail_under, list(asked), capped)
    return score


def merge_link_stats(partials: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per link, the buckets' pairs and linked rows added up (audit.json `links.links`)."""
    out: dict[str, dict[str, Any]] = {}
    for part in partials:
        for st in part.get("links", ()):
            acc = out.setdefault(st["link"], {k: v for k, v in st.items()
                                              if k not in ("pairs", "linked_from", "linked_to",
                                                           "missing", "by_method")})
            for k in ("pairs", "linked_from", "linked_to", "missing"):
                if k in st:
                    acc[k] = acc.get(k, 0) + int(st[k])
            methods = acc.setdefault("by_method", {})
            for m, n in st.get("by_method", {}).items():
                methods[m] = methods.get(m, 0) + int(n)
    for acc in out.values():
        acc["by_method"] = {m: n for m, n in acc["by_method"].items() if n}
    return list(out.values())
