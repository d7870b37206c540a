"""What matching runs on one batch of rows or pairs on Spark: the local matcher's own
functions (`frame.prepare`, `features.encode_frames`, `compare.compare_batch`, `fs`,
`strong`, `cluster.cluster_rows`, `survivor.choose_survivors`) on pandas frames, with the
whole data's facts (which columns hold data, value frequencies) handed in, so a batch
answers as the whole file would. No Spark here: `match.py` runs these per partition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..match import fs
from ..match.blocking import DEFAULT_RULES
from ..match.cluster import Guard, cluster_rows
from ..match.compare import COMPARISONS, EMAIL_SAME, Comparison, compare_batch
from ..match.features import MATCH_COLUMNS, Features, encode_frames
from ..match.frame import prepare
from ..match.similarity import orient
from ..match.strong import email_name_matches, floor_weight, mailbox_conflict
from ..match.survivor import Survivorship, choose_survivors
from .partition import SourceJob, block_source, seeded
from .read import FILE, POS, ROW

#: Every feature column a blocking rule keys or orders on (`BlockingRule.keys`,
#: `alternatives`, `order_by`), each carried per record as its text (`k_<name>`).
KEY_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        name
        for r in DEFAULT_RULES
        for keys in (r.keys, *r.alternatives, (r.order_by,))
        for name in keys
    )
)
#: Name first and last: their words take part in survivorship's "seen elsewhere" counts.
NAME_FIELDS = ("first_name", "last_name")
GID, SRC = "gid", "src"


def comparisons(names: Sequence[str]) -> list[Comparison]:
    """The comparisons of these names, in this order. Comparisons hold compiled functions
    that do not pickle: Spark's workers are handed names and look the definitions up."""
    by = {c.name: c for c in COMPARISONS}
    return [by[n] for n in names]


def key_column(name: str) -> str:
    return f"k_{name}"


def present(f: Features, has: Mapping[str, bool]) -> Features:
    """`f` answering `has` as the whole data does: a batch without a value in a column
    must not take a path the whole file would not (strong matches, conflicts)."""
    f._has.update(has)
    return f


def key_texts(frame: pd.DataFrame, freemail: frozenset[str]) -> pd.DataFrame:
    """The blocking keys of each record as text (None where missing), from the same
    features the local blocking codes (`encode_frames`: phonetic names, initials, business
    domain, birth date with its year, sorted-neighbourhood spellings). Text equal means
    code equal there, and the sorted-neighbourhood codes follow the text's order."""
    f = encode_frames([frame.reset_index(drop=True)], ["batch"], freemail)
    out = {}
    for name in KEY_NAMES:
        col = f.cols[name] if name in f.cols else f.derived[name]
        codes = col.codes
        text: np.ndarray = (
            col.vocab[np.maximum(codes, 0)] if len(col.vocab)
            else np.full(len(codes), "", dtype=object)
        )
        values = np.where(codes >= 0, text, np.asarray(None, dtype=object))
        out[key_column(name)] = pd.Series(values, dtype=object)
    return pd.DataFrame(out)


def match_block(
    pdf: pd.DataFrame, job: SourceJob, src: int, offset: int, freemail: frozenset[str]
) -> pd.DataFrame:
    """One block of a source's rows as match records: the match frame `prepare` builds from
    the block's `Prepared` (seeded with the whole source's facts), the blocking keys, and
    the stacked row number `gid` (the source's offset plus its position, as locally)."""
    source = block_source(pdf, job.plan, job.headers)
    frame = prepare(seeded(source, job))
    out = pd.concat([frame.astype(object), key_texts(frame, freemail)], axis=1)
    pos = pdf[POS].to_numpy(dtype=np.int64)
    out.insert(0, GID, pos + offset)
    out.insert(1, SRC, src)
    out.insert(2, "pos", pos)
    return out.where(out.notna(), None)


def sides(pdf: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The left and right match frames of a batch of joined pairs (`l_*`, `r_*`)."""
    def side(p: str) -> pd.DataFrame:
        return pd.DataFrame(
            {c: pdf[f"{p}{c}"].astype(object).where(pdf[f"{p}{c}"].notna(), np.nan)
             for c in MATCH_COLUMNS}
        ).reset_index(drop=True)

    return side("l_"), side("r_")


def levels_block(pdf: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Every comparison's level of each pair (`compare_batch`), one int column each."""
    comps = comparisons(names)
    left, right = sides(pdf)
    g = compare_batch(left, right, comps)
    return pd.DataFrame({f"g_{c.name}": g[c.name].astype(np.int64) for c in comps})


@dataclass(frozen=True)
class PairFacts:
    """What the pair step needs from the whole data."""

    comps: tuple[str, ...]
    has: dict[str, bool]
    freemail: frozenset[str]
    strong_on: bool


def compare_block(pdf: pd.DataFrame, facts: PairFacts) -> pd.DataFrame:
    """Levels of each candidate pair, and what scoring reads besides: names swapped, the
    order `similarity.orient` puts a swapped pair in, one mailbox with compatible names
    (`strong.email_name_matches`) and one mailbox under two first names
    (`strong.mailbox_conflict`)."""
    comps = comparisons(facts.comps)
    left, right = sides(pdf)
    g = compare_batch(left, right, comps)
    n = len(pdf)
    gammas = np.stack([g[c.name].to_numpy(np.int8) for c in comps], axis=1) if comps else (
        np.zeros((n, 0), dtype=np.int8))
    swap = g["swapped_names"].to_numpy(dtype=bool)
    f = present(encode_frames([left, right], ["l", "r"], facts.freemail), facts.has)
    li = np.arange(n, dtype=np.int64)
    ri = li + n
    ol, _ = orient(f, li, ri, swap)
    names = [c.name for c in comps]
    strong = (
        email_name_matches(f, comps, gammas, li, ri) if facts.strong_on
        else np.zeros(n, dtype=bool)
    )
    mailbox = (
        mailbox_conflict(f, li, ri, gammas[:, names.index("email")]) if "email" in names
        else np.zeros(n, dtype=bool)
    )
    out = pd.DataFrame({c: pdf[c].to_numpy() for c in ("lo", "hi", "bits", "same", "src")})
    for k, c in enumerate(comps):
        out[f"g_{c.name}"] = gammas[:, k].astype(np.int64)
    out["swap"] = swap
    out["flip"] = ol != li
    out["strong"] = strong
    out["mailbox"] = mailbox
    for col in [c for c in pdf.columns if c.startswith(("l_tf_", "r_tf_"))]:
        out[col] = pdf[col].to_numpy(dtype=np.float64)
    return out


@dataclass(frozen=True)
class Weigh:
    """The learnt model and the settings scoring a pair reads (`api.weigh`, `grouping.group`)."""

    comps: tuple[str, ...]
    lam: float
    m: tuple[np.ndarray, ...]
    u: tuple[np.ndarray, ...]
    u_random: tuple[np.ndarray, ...]
    #: (comparison, level) -> the match column whose frequencies adjust it.
    tf_columns: dict[tuple[int, int], str]
    threshold: float
    conflict_floor: float
    email_name_match: float | None
    separate: bool


def weigh_block(pdf: pd.DataFrame, w: Weigh) -> pd.DataFrame:
    """Match weight and probability of each pair (`fs.match_weights` on the pair's own
    frequencies, a strong match lifted to its floor), whether a contact conflict keeps it
    apart (`grouping.contact_conflict`), and whether it is a duplicate edge (one source, at or
    above the threshold, no conflict)."""
    comps = comparisons(w.comps)
    n = len(pdf)
    gammas = np.stack([pdf[f"g_{c.name}"].to_numpy(np.int8) for c in comps], axis=1)
    swap = pdf["swap"].to_numpy(dtype=bool)
    flip = pdf["flip"].to_numpy(dtype=bool)
    li = np.arange(n, dtype=np.int64)
    ri = li + n
    model = fs.Model(comps, w.lam, list(w.m), list(w.u), u_random=list(w.u_random))
    # Rows 0..n-1 are the left records, n..2n-1 the right ones: each pair's frequencies.
    model.tf = {
        key: np.concatenate(
            [pdf[f"l_tf_{col}"].to_numpy(np.float64), pdf[f"r_tf_{col}"].to_numpy(np.float64)]
        )
        for key, col in w.tf_columns.items()
    }
    ol, orr = np.where(flip, ri, li), np.where(flip, li, ri)
    weight = fs.match_weights(model, gammas, ol, right=orr, swap=swap)
    lifted = np.zeros(n, dtype=bool)
    if w.email_name_match:
        fw = floor_weight(float(w.email_name_match))
        lifted = pdf["strong"].to_numpy(dtype=bool) & (weight < fw)
        weight[lifted] = fw
    prob = fs.probability(weight)
    names = [c.name for c in comps]
    conflict = np.zeros(n, dtype=bool)
    if w.separate and "email" in names:
        email = gammas[:, names.index("email")]
        if "phone" in names:
            conflict |= (email == 0) & (gammas[:, names.index("phone")] == 0)
        conflict |= (
            (prob >= w.conflict_floor) & (email >= EMAIL_SAME)
            & pdf["mailbox"].to_numpy(dtype=bool)
        )
    out = pd.DataFrame({c: pdf[c].to_numpy() for c in ("lo", "hi", "src", "same")})
    out["weight"] = weight
    out["prob"] = prob
    out["dup"] = out["same"].to_numpy(dtype=bool) & (prob >= w.threshold) & ~conflict
    out["lifted"] = lifted
    out["apart"] = conflict
    return out


def guard_block(
    edges: pd.DataFrame, members: pd.DataFrame, has: Mapping[str, bool],
    freemail: frozenset[str],
) -> pd.DataFrame:
    """One connected component through the local `cluster_rows` (its chaining guard): the
    members' match frames as the features, the edges in the local order (by row pair).
    Returns each clustered member's `gid` and its cluster `label` (the smallest gid of its
    cluster), and `guarded` (1 when the guard rebuilt the component)."""
    members = members.sort_values(GID).reset_index(drop=True)
    gids = members[GID].to_numpy(dtype=np.int64)
    frame = pd.DataFrame(
        {c: members[c].astype(object).where(members[c].notna(), np.nan) for c in MATCH_COLUMNS}
    )
    f = present(encode_frames([frame], ["component"], freemail), has)
    edges = edges.sort_values(["lo", "hi"]).reset_index(drop=True)
    a = np.searchsorted(gids, edges["lo"].to_numpy(dtype=np.int64))
    b = np.searchsorted(gids, edges["hi"].to_numpy(dtype=np.int64))
    rows, labels, guarded = cluster_rows(a, b, edges["prob"].to_numpy(np.float64), Guard(f))
    return pd.DataFrame(
        {GID: gids[rows], "label": gids[labels], "guarded": np.full(len(rows), guarded)}
    )


def survive_block(
    pdf: pd.DataFrame, job: SourceJob, surv: Survivorship
) -> pd.DataFrame:
    """Survivors of the clusters in one batch of a source's members (`choose_survivors`).

    `pdf` holds the members' raw rows with `cluster`, and per name field the member's name
    key (`key_<field>`) and how many rows of the whole source hold it (`n_<field>`): the
    "seen elsewhere" rule counts a value outside the member's cluster, so each value held
    by more rows than the batch holds gets one stand-in row beyond the batch's own."""
    pdf = pdf.sort_values(POS).reset_index(drop=True)
    source = block_source(pdf, job.plan, job.headers)
    name = job.plan.name
    n = len(pdf)
    codes: dict[str, np.ndarray] = {}
    for fld in NAME_FIELDS:
        key = pdf[f"key_{fld}"]
        code, uniq = pd.factorize(key, use_na_sentinel=True)
        code = np.asarray(code, dtype=np.int64)
        here = np.bincount(code[code >= 0], minlength=len(uniq))
        total = np.zeros(len(uniq), dtype=np.int64)
        ok = code >= 0
        total[code[ok]] = pdf[f"n_{fld}"].to_numpy(dtype=np.int64)[ok]
        extra = np.flatnonzero(total > here)
        codes[fld] = np.concatenate([code, extra.astype(np.int64)])
    members = pd.DataFrame(
        {"cluster": pdf["cluster"].to_numpy(dtype=np.int64), "source": name,
         "pos": np.arange(n, dtype=np.int64)}
    )
    chosen = choose_survivors(members, [source], surv, {name: codes})
    best = dict(zip(chosen["cluster"].tolist(), chosen["pos"].tolist(), strict=True))
    why = dict(zip(chosen["cluster"].tolist(), chosen["reason"].tolist(), strict=True))
    rule = dict(zip(chosen["cluster"].tolist(), chosen["rule"].tolist(), strict=True))
    cluster = members["cluster"].tolist()
    is_best = [best[c] == i for i, c in enumerate(cluster)]
    ids = source.record_ids().astype(object).tolist()
    return pd.DataFrame(
        {
            "cluster": members["cluster"].to_numpy(),
            "source": name,
            "row": pdf[POS].to_numpy(dtype=np.int64),
            "survivor": is_best,
            "file": pdf[FILE].astype(str).to_numpy(),
            "file_row": pdf[ROW].to_numpy(dtype=np.int64),
            "record_id": [None if pd.isna(v) else str(v) for v in ids],
            "reason": [why[c] if b else None for c, b in zip(cluster, is_best, strict=True)],
            "rule": [rule[c] if b else None for c, b in zip(cluster, is_best, strict=True)],
        }
    )
