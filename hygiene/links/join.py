"""Joining two sources record to record: on the normalised email, on ids, on matcher links.

The join is hash-based and vectorised (pyarrow dictionary encoding + `index_in`, then one
integer merge), so a million CRM rows against 700k members link in well under a second. A
key shared by many rows on both sides (a team inbox) is paired at most `MAX_GROUP` x
`MAX_GROUP` times; whether a row has a counterpart at all is decided before that cap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import normalize as nz
from ..normalize._arrow import to_numpy_mask, with_validity
from ..normalize._text import fold
from ..normalize.base import arrow
from ..prepared import Prepared
from .state import STATE_FIELDS

#: Rows per key and side that are paired (the rest still count as linked).
MAX_GROUP = 20

#: How two rows were linked, best first; the text goes into findings ("...; {how}").
EMAIL, EMAIL_FIXED, ID, FUZZY, DUPLICATE = 0, 1, 2, 3, 4
METHODS = {EMAIL: "email", EMAIL_FIXED: "email", ID: "id", FUZZY: "fuzzy", DUPLICATE: "fuzzy"}

PAIR_COLUMNS = ("pos_a", "pos_b", "via", "probability", "evidence")

# Salesforce ids: 15 case-sensitive characters, or 18 with a case-checksum suffix; exports mix
# the two (reports show 15, the API and Data Loader 18), so an 18-character id counts as its 15.
_SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{18}$")
_TRAILING_ZERO = re.compile(r"\.0+$")
_NON_WORD = re.compile(r"[^\w@]+")


@dataclass(frozen=True)
class Keys:
    """Join keys of one side: row positions and their keys (a row may have several)."""

    pos: np.ndarray
    key: pa.Array | pa.ChunkedArray  # null where the row has no usable key
    fixed: np.ndarray  # the key comes from a corrected value (a misspelt domain fixed)


@dataclass(frozen=True)
class CheckHits:
    """What the links read of the per-source checks' hits, by source name: the cells
    `value.placeholder` found (such an address or name links nobody) and the misspelt
    domains `email.typo_domain` found, with their fix (such a row links through the fixed
    address). An output of the checks step that the links step reads."""

    placeholders: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    typo_domains: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    #: The rule codes whose hits these are, in the fields' order.
    CODES: ClassVar[tuple[str, str]] = ("value.placeholder", "email.typo_domain")

    @classmethod
    def of(cls, found: Mapping[str, Mapping[str, pd.DataFrame]]) -> CheckHits:
        """From the checks' hits per source and rule code (codes other than `CODES` left)."""
        placeholder, typo = cls.CODES
        return cls(
            {n: h[placeholder] for n, h in found.items() if placeholder in h},
            {n: h[typo] for n, h in found.items() if typo in h},
        )

    def placeholder_rows(self, prep: Prepared, fields: Sequence[str]) -> np.ndarray:
        """Rows of `prep` with a placeholder in one of `fields`."""
        out = np.zeros(prep.rows, dtype=bool)
        found = self.placeholders.get(prep.source.name)
        if found is not None and len(found):
            sel = found[found["field"].isin(list(fields)) & (found["pos"] >= 0)]
            out[sel["pos"].to_numpy(dtype=np.int64)] = True
        return out


#: The fields whose views (`Prepared.value`, `.category`, `.dates` ...) the links read: the
#: consent state, the compliance and record rules, the joins. Once the checks and the
#: matcher are done with them, the audit drops the other fields' views; one asked for
#: again is computed again.
LINK_FIELDS = (
    *STATE_FIELDS, "email", "first_name", "last_name", "full_name", "lifecycle_stage",
    "double_opt_in_date", "consent_type", "consent_date", "consent_source", "last_order_at",
)
#: Views of a whole source that the links read (`country_alpha2`: the compliance rules).
LINK_VIEWS = ("email", "country_alpha2", "links.consent_state")


def keep_link_views(prep: Prepared) -> None:
    """Drop every view of `prep` that the links do not read (`LINK_FIELDS`, `LINK_VIEWS`)."""
    prep.keep_only(*LINK_VIEWS, names=LINK_FIELDS)


def linkable_email(prep: Prepared, found: CheckHits) -> np.ndarray | None:
    """Rows whose address can link them: present and not a placeholder (test@test.com and
    asdf@asdf.com are typed by many unrelated people)."""
    emails = prep.email()
    if emails is None:
        return None
    present = emails["email"].notna().to_numpy(dtype=bool)
    return present & ~found.placeholder_rows(prep, ("email",))


def email_keys(prep: Prepared, found: CheckHits) -> Keys | None:
    """The normalised email key of every linkable row, plus the corrected address where the
    checks found a misspelt domain with a confident fix (`email.typo_domain`'s suggestion)."""
    emails = prep.email()
    usable = linkable_email(prep, found)
    if emails is None or usable is None:
        return None
    # Every row, the unusable ones masked as null over the same bytes: taking the usable
    # rows, then appending the corrected ones, copied the keys twice (held
    # while the matcher runs beside).
    key = _as_array(arrow(emails["key"]))
    key = with_validity(key, usable & to_numpy_mask(key.is_valid()))
    pos = np.arange(len(key), dtype=np.int64)
    parts = [key]
    fixed = np.zeros(len(key), dtype=bool)
    hits = found.typo_domains.get(prep.source.name)
    if hits is not None and len(hits) and "suggestion" in hits:
        sug = hits[hits["suggestion"].notna()]
        if len(sug):
            extra = nz.normalize_email(pd.Series(sug["suggestion"].astype(str).to_numpy(),
                                                 dtype=nz.TEXT))["key"]
            pos = np.concatenate([pos, sug["pos"].to_numpy(dtype=np.int64)])
            parts.append(_as_array(arrow(extra)))
            fixed = np.concatenate([fixed, np.ones(len(extra), dtype=bool)])
    return Keys(pos, pa.chunked_array(parts, pa.large_string()), fixed)


def id_key_values(values: Sequence[str | None]) -> list[str | None]:
    """Comparable form of ids and names: Salesforce 18 -> 15, Excel's "123.0" -> "123",
    casefolded, accents and punctuation dropped, words sorted ("Park, Jo" == "jo park");
    an email address -> its normalised key."""
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        v = v.strip()
        if "@" in v and " " not in v:
            out.append(None)  # filled below by normalize_email, vectorised
            continue
        if _SALESFORCE_ID.match(v):
            v = v[:15]
        v = _TRAILING_ZERO.sub("", v)
        words = sorted(w for w in _NON_WORD.split(fold(v)) if w)
        out.append(" ".join(words) or None)
    return out


def id_keys(values: pd.Series) -> pd.Series:
    """`id_key_values` over a column, once per distinct value (emails by normalize_email)."""
    clean = nz.nullify(values)

    def apply(u: pd.Series) -> pd.Series:
        keys = pd.Series(id_key_values(u.tolist()), dtype=nz.TEXT)
        mail = u.str.contains("@", regex=False) & ~u.str.strip().str.contains(" ", regex=False)
        mail = mail.fillna(False).astype(bool)
        if mail.any():
            keys[mail.to_numpy()] = nz.normalize_email(u[mail])["key"].to_numpy()
        return keys

    return nz.unique_map(clean, apply)


def column_keys(values: pd.Series) -> Keys:
    """Keys of an id column (one per row)."""
    key = _as_array(arrow(id_keys(values)))
    n = len(key)
    return Keys(np.arange(n, dtype=np.int64), key, np.zeros(n, dtype=bool))


def _as_array(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr


@dataclass(frozen=True)
class Joined:
    """Pairs of one key family and which rows of each side found a counterpart."""

    pairs: pd.DataFrame  # PAIR_COLUMNS
    linked_a: np.ndarray
    linked_b: np.ndarray


def join_keys(a: Keys, b: Keys, n_a: int, n_b: int, via: int, evidence: str) -> Joined:
    """Pair the rows of `a` and `b` that share a key (hash join, capped per key)."""
    # Chunks share one dictionary (pyarrow encodes a chunked array with one memo table).
    encoded = _chunked(b.key).dictionary_encode()
    uniques = (encoded.chunk(0).dictionary if encoded.num_chunks
               else pa.array([], pa.large_string()))
    cb = _int_codes([c.indices for c in encoded.chunks])
    ca = _int_codes(pc.index_in(_chunked(a.key), value_set=uniques).chunks)
    valid_a = ca >= 0
    seen_by_a = np.zeros(len(uniques) + 1, dtype=bool)
    seen_by_a[ca[valid_a]] = True
    valid_b = (cb >= 0) & seen_by_a[np.where(cb >= 0, cb, len(uniques))]
    linked_a = np.zeros(n_a, dtype=bool)
    linked_a[a.pos[valid_a]] = True
    linked_b = np.zeros(n_b, dtype=bool)
    linked_b[b.pos[valid_b]] = True

    left = _capped(ca[valid_a], a.pos[valid_a], a.fixed[valid_a])
    right = _capped(cb[valid_b], b.pos[valid_b], b.fixed[valid_b])
    merged = left.merge(right, on="code", suffixes=("_a", "_b"))
    fixed = merged["fixed_a"].to_numpy() | merged["fixed_b"].to_numpy()
    # One shared str object per row (np.where on text would build a fixed-width copy first).
    texts = np.full(len(merged), evidence, dtype=object)
    texts[fixed] = "linked by the same email address once its misspelt domain is fixed"
    pairs = pd.DataFrame(
        {
            "pos_a": merged["pos_a"].to_numpy(dtype=np.int64),
            "pos_b": merged["pos_b"].to_numpy(dtype=np.int64),
            "via": np.where(fixed, EMAIL_FIXED if via == EMAIL else via, via).astype(np.int8),
            "probability": np.ones(len(merged)),
            "evidence": texts,
        }
    )
    # Each row has one key as written, so only a pair through a second (fixed) key can
    # repeat a pair: drop those, and duplicates among them.
    if fixed.any():
        plain = pairs[~fixed]
        extra = pairs[fixed]
        seen = plain["pos_a"].to_numpy() * n_b + plain["pos_b"].to_numpy()
        again = extra["pos_a"].to_numpy() * n_b + extra["pos_b"].to_numpy()
        extra = best_pairs(extra[~pd.Index(again).isin(seen)])
        pairs = pd.concat([plain, extra], ignore_index=True)
    return Joined(pairs, linked_a, linked_b)


def _chunked(arr: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _int_codes(chunks: list[pa.Array]) -> np.ndarray:
    """Dictionary codes as one int64 array, -1 for null."""
    if not chunks:
        return np.empty(0, dtype=np.int64)
    return np.concatenate(
        [np.asarray(c.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
         for c in chunks]
    )


def _capped(code: np.ndarray, pos: np.ndarray, fixed: np.ndarray) -> pd.DataFrame:
    """(code, pos, fixed) with at most MAX_GROUP rows per code (the first by position)."""
    order = np.lexsort((pos, code))
    code, pos, fixed = code[order], pos[order], fixed[order]
    if len(code):
        starts = np.r_[True, code[1:] != code[:-1]]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(code)), 0))
        keep = (np.arange(len(code)) - first) < MAX_GROUP
        code, pos, fixed = code[keep], pos[keep], fixed[keep]
    return pd.DataFrame({"code": code, "pos": pos, "fixed": fixed})


def best_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (pos_a, pos_b): the best way they were linked (lowest `via`)."""
    if pairs.empty:
        return empty_pairs()
    a, b = pairs["pos_a"].to_numpy(), pairs["pos_b"].to_numpy()
    order = np.lexsort((pairs["via"].to_numpy(), b, a))
    # Sorted, a pair's repeats are neighbours: keep the first (lowest via) of each run.
    a, b = a[order], b[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return pairs.take(order[first]).reset_index(drop=True)


def empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pos_a": pd.Series(dtype=np.int64),
            "pos_b": pd.Series(dtype=np.int64),
            "via": pd.Series(dtype=np.int8),
            "probability": pd.Series(dtype=float),
            "evidence": pd.Series(dtype=object),
        }
    )


def fuzzy_pairs(
    fuzzy: pd.DataFrame | None, name_a: str, name_b: str, linked_a: np.ndarray,
    linked_b: np.ndarray,
) -> pd.DataFrame:
    """The matcher's cross-source links between `name_a` and `name_b` (either orientation)
    for rows the keys did not link: "matched by <its evidence>, not email"."""
    if fuzzy is None or fuzzy.empty:
        return empty_pairs()
    parts = []
    for sa, sb, pa_col, pb_col in (
        (name_a, name_b, "pos_a", "pos_b"),
        (name_b, name_a, "pos_b", "pos_a"),
    ):
        sel = (fuzzy["source_a"] == sa) & (fuzzy["source_b"] == sb)
        if "method" in fuzzy:
            sel &= fuzzy["method"].astype(str) != "email"
        got = fuzzy[sel]
        if got.empty:
            continue
        prob = (
            pd.to_numeric(got["probability"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
            if "probability" in got
            else np.ones(len(got))
        )
        evidence = (
            got["evidence"].astype(object).where(got["evidence"].notna(), "").to_numpy()
            if "evidence" in got
            else np.full(len(got), "", dtype=object)
        )
        parts.append(
            pd.DataFrame(
                {
                    "pos_a": got[pa_col].to_numpy(dtype=np.int64),
                    "pos_b": got[pb_col].to_numpy(dtype=np.int64),
                    "probability": prob,
                    "evidence": evidence,
                }
            )
        )
    if not parts:
        return empty_pairs()
    found = pd.concat(parts, ignore_index=True)
    ok = (
        (found["pos_a"] >= 0) & (found["pos_a"] < len(linked_a))
        & (found["pos_b"] >= 0) & (found["pos_b"] < len(linked_b))
    ).to_numpy()
    found = found[ok]
    pa_, pb_ = found["pos_a"].to_numpy(), found["pos_b"].to_numpy()
    found = found[~linked_a[pa_] | ~linked_b[pb_]]
    found = found.assign(
        via=np.int8(FUZZY),
        evidence=[_fuzzy_text(str(e)) for e in found["evidence"].tolist()],
    )
    return found[list(PAIR_COLUMNS)].reset_index(drop=True)


def _fuzzy_text(evidence: str) -> str:
    evidence = evidence.strip().rstrip(".")
    if not evidence:
        return "matched by the duplicate matcher, not email"
    if evidence.lower().startswith("matched by"):
        evidence = evidence[len("matched by"):].strip()
    return f"matched by {evidence}, not email"


class ClusterLike(Protocol):
    """What `through_duplicates` reads of a duplicate cluster (hygiene.match's Cluster)."""

    @property
    def source(self) -> str: ...

    @property
    def members(self) -> Sequence[int]: ...


#: Duplicate clusters as the links read them: cluster objects, or their members as a frame
#: of `cluster`, `source`, `pos` (the matcher's early hand-off, see `find_duplicates`).
Clusters: TypeAlias = Sequence[ClusterLike] | pd.DataFrame


def has_clusters(clusters: Clusters | None) -> bool:
    return clusters is not None and len(clusters) > 0


def cluster_frame(clusters: Clusters | None, source: str) -> pd.DataFrame:
    """(cluster, pos) of the clusters of one source."""
    if isinstance(clusters, pd.DataFrame):
        mine = clusters["source"].to_numpy(dtype=object) == source
        return pd.DataFrame({"cluster": clusters["cluster"].to_numpy(dtype=np.int64)[mine],
                             "pos": clusters["pos"].to_numpy(dtype=np.int64)[mine]})
    ids: list[int] = []
    pos: list[int] = []
    for i, c in enumerate(clusters or ()):
        if c.source == source:
            ids.extend([i] * len(c.members))
            pos.extend(int(m) for m in c.members)
    return pd.DataFrame({"cluster": np.array(ids, dtype=np.int64),
                         "pos": np.array(pos, dtype=np.int64)})


def through_duplicates(
    pairs: pd.DataFrame, side: str, members: pd.DataFrame, linked: np.ndarray,
    row_of: np.ndarray,
) -> pd.DataFrame:
    """Pairs for unlinked duplicates of linked rows: a duplicate record of the same person
    (another address, say) inherits its cluster-mate's counterparts. `side` is "a" or "b"
    (which end of `pairs` the clusters belong to); `row_of` gives the 1-based file row of each
    position, for the evidence text."""
    if pairs.empty or members.empty:
        return empty_pairs()
    mine = f"pos_{side}"
    theirs = "pos_b" if side == "a" else "pos_a"
    direct = pairs[pairs["via"] < DUPLICATE]
    via_mate = direct.merge(members.rename(columns={"pos": mine}), on=mine)
    got = via_mate.merge(members.rename(columns={"pos": "mate"}), on="cluster")
    got = got[(got["mate"] != got[mine]) & ~linked[got["mate"].to_numpy()]]
    if got.empty:
        return empty_pairs()
    rows = row_of[got[mine].to_numpy()]
    return pd.DataFrame({
        mine: got["mate"].to_numpy(dtype=np.int64),
        theirs: got[theirs].to_numpy(dtype=np.int64),
        "via": np.int8(DUPLICATE),
        "probability": got["probability"].to_numpy(dtype=float),
        "evidence": [f"a duplicate of row {r}, which is {e}"
                     for r, e in zip(rows, got["evidence"], strict=True)],
    })[list(PAIR_COLUMNS)]
