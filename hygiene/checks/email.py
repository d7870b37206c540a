"""Email checks that need more than a column expectation: typo domains, unknown top-level
domains, disposable providers, free-mail addresses of business contacts, and the opt-in MX look-up.

All work is per distinct domain (a 1M-row export has a few thousand), then spread back to rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..normalize._arrow import flat, to_numpy_mask
from ..normalize.base import arrow, text_isin
from ..prepared import Prepared
from ..resources import rules_yaml
from .registry import CheckOptions, check, hits, no_hits
from .rules import Rule


@cache
def providers() -> dict[str, Any]:
    """rules/email/providers.yaml: big mailbox providers, free-mail domains, TLD typos."""
    doc = rules_yaml("email", "providers.yaml")
    return {
        "mailbox": tuple(doc["mailbox_providers"]),
        "free": frozenset(doc["mailbox_providers"]) | frozenset(doc.get("free_mail", ())),
        "tld_typos": dict(doc.get("tld_typos", {})),
        "typo": dict(doc.get("typo", {})),
    }


@cache
def _psl() -> Any:
    from publicsuffixlist import PublicSuffixList

    # accept_unknown=False: a domain whose TLD is not in the Public Suffix List has no suffix.
    return PublicSuffixList(accept_unknown=False)


def known_tld(domain: str) -> bool:
    """True when the domain ends in a delegated top-level domain (Public Suffix List)."""
    return _psl().publicsuffix(domain) is not None


@cache
def disposable_domains() -> frozenset[str]:
    from disposable_email_domains import blocklist

    return frozenset(blocklist)


def domain_counts(prep: Prepared) -> pd.Series:
    """Rows per normalised domain, most frequent first (memoised per source)."""

    def compute() -> pd.Series:
        parts = prep.email()
        if parts is None:
            return pd.Series(dtype="int64")
        return parts["domain"].value_counts(dropna=True)

    return prep.memo("email.domain_counts", compute)


def _nearest(
    suspects: Sequence[str], candidates: Sequence[str], self_pos: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Per suspect, the first candidate (by index) at the smallest edit distance (OSA, at
    most 2; the suspect itself excluded) and that distance; -1 and 99 when none is that close.

    Edit distances in C++ on both cores, one matrix per suspect length against the candidates
    at most two characters longer or shorter (the only ones two edits can reach): a fifth of
    the full matrix."""
    s_len = np.fromiter(map(len, suspects), dtype=np.int64, count=len(suspects))
    c_len = np.fromiter(map(len, candidates), dtype=np.int64, count=len(candidates))
    own = np.asarray(self_pos, dtype=np.int64)
    nearest = np.full(len(suspects), -1, dtype=np.int64)
    distance = np.full(len(suspects), 99, dtype=np.int64)
    for length in np.unique(s_len).tolist():
        si = np.flatnonzero(s_len == length)
        ci = np.flatnonzero(np.abs(c_len - length) <= 2)
        if not len(ci):
            continue
        dist = process.cdist(
            [suspects[i] for i in si.tolist()],
            [candidates[j] for j in ci.tolist()],
            scorer=OSA.distance,
            workers=-1,
            score_cutoff=2,
        )
        at = np.minimum(np.searchsorted(ci, own[si]), len(ci) - 1)
        is_self = np.flatnonzero(ci[at] == own[si])
        dist[is_self, at[is_self]] = 99
        j = dist.argmin(axis=1)
        d = dist[np.arange(len(si)), j]
        close = d <= 2
        nearest[si[close]] = ci[j[close]]
        distance[si[close]] = d[close]
    return nearest, distance


def suggest_domains(counts: pd.Series, params: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Domain -> (fixed domain, reason) for domains that look like misspellings.

    Candidates are the big mailbox providers and the domains frequent in this file. A domain
    is a typo of a candidate when they are one edit apart (two for long domains, transpositions
    counting as one edit: "gmial.com"), the candidate is far more common here or a known provider,
    and the domain itself is neither a known provider nor frequent. A domain whose top-level domain
    does not exist gets the usual TLD fix ("acme.con" -> "acme.com").
    """
    prov = providers()
    mailbox: Sequence[str] = prov["mailbox"]
    counts = counts[counts.index.notna()]
    names = [str(d) for d in counts.index.tolist()]
    n = counts.to_numpy(dtype=np.int64)
    seen = dict(zip(names, n.tolist(), strict=True))
    lengths = np.fromiter((len(d) for d in names), dtype=np.int64, count=len(names))
    min_frequent = max(int(params.get("frequent_min_rows", 5)), int(n.sum() * 0.0005))
    min_long = int(params.get("long_domain_min_rows", 2))
    long_domain = int(params.get("long_domain", 12))
    ratio = float(params.get("frequency_ratio", 10))
    # Short domains need a frequent target; long ones (where two real companies one edit apart
    # are rare) may be fixed towards a domain seen on a couple of rows.
    is_frequent = n >= min_frequent
    is_target = is_frequent | ((n >= min_long) & (lengths >= long_domain))
    targets = [d for d, t in zip(names, is_target, strict=True) if t]
    candidates = list(dict.fromkeys([*mailbox, *targets]))
    where = {c: j for j, c in enumerate(candidates)}
    known = set(prov["free"]) | {d for d, f in zip(names, is_frequent, strict=True) if f}
    out: dict[str, tuple[str, str]] = {}
    suspects = [d for d in names if d not in known]
    if not suspects or not candidates:
        return out
    nearest, distance = _nearest(suspects, candidates, [where.get(d, -1) for d in suspects])
    mailbox_set = set(mailbox)
    tld_typos = prov["tld_typos"]
    for i, dom in enumerate(suspects):
        j, d = int(nearest[i]), int(distance[i])
        if j >= 0 and 0 < d <= 2:
            cand = candidates[j]
            # Two edits only for long domains that start like their target ("noemail.com" is
            # not "hotmail.com").
            limit = 2 if len(dom) >= long_domain and dom[0] == cand[0] else 1
            target_rows = seen.get(cand, 0)
            common = cand in mailbox_set or target_rows >= ratio * seen[dom] or (
                len(dom) >= long_domain and target_rows >= 2 * seen[dom]
            )
            # A company's domain under another real suffix ("acme.co" beside "acme.com") may be
            # its own; only the big providers' look-alikes ("gmail.co") are surely typos.
            same_label = dom.split(".")[0] == cand.split(".")[0] and known_tld(dom)
            if d <= limit and common and not (same_label and cand not in mailbox_set):
                out[dom] = (cand, f"looks like a typo of {cand}")
                continue
        if "." in dom and not known_tld(dom):
            head, _, tld = dom.rpartition(".")
            fix = tld_typos.get(tld)
            if fix:
                out[dom] = (f"{head}.{fix}", f".{tld} is not a top-level domain")
        elif dom.endswith(".") and (dom.rstrip(".") in where or dom.rstrip(".") in seen):
            out[dom] = (dom.rstrip("."), "the domain ends in a dot")
    return out


def typo_suggestions(prep: Prepared) -> dict[str, tuple[str, str]]:
    """Typo fixes for this source's domains, tuned by the `typo:` section of providers.yaml."""
    return prep.memo(
        "email.typo", lambda: suggest_domains(domain_counts(prep), providers()["typo"])
    )


@check("email_typo_domain")
def email_typo_domain(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """Addresses on a misspelt domain; the suggestion is the fixed address."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    fixes = typo_suggestions(prep)
    if not fixes:
        return no_hits()
    # Looked up in Arrow: a dict map over a million addresses made a Python string of each.
    typos = pa.array(list(fixes), type=pa.string())
    at = pc.index_in(flat(arrow(parts["domain"])), value_set=typos)
    pos = np.flatnonzero(to_numpy_mask(pc.is_valid(at)))
    sub = parts.iloc[pos]
    fixed = pd.Series([fixes[d][0] for d in sub["domain"].tolist()], index=sub.index, dtype="str")
    suggestion = sub["local"].str.cat(fixed, sep="@")
    reason = sub["domain"].map({d: r for d, (_, r) in fixes.items()})
    return hits(pos, "email", suggestion=suggestion, reason=reason, domain=fixed)


@check("email_unknown_tld")
def email_unknown_tld(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """Well-formed addresses whose top-level domain does not exist and has no obvious fix."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    fixes = typo_suggestions(prep)
    counts = domain_counts(prep)
    bad = {
        d
        for d in counts.index
        if isinstance(d, str) and "." in d and d not in fixes and not known_tld(d)
    }
    if not bad:
        return no_hits()
    pos = np.flatnonzero(text_isin(parts["domain"], bad))
    tld = parts["domain"].iloc[pos].str.rsplit(".", n=1).str[-1]
    return hits(pos, "email", tld=tld)


def _registrable(domains: pd.Series) -> pd.Series:
    """The last two labels ("mail.mailinator.com" -> "mailinator.com")."""
    return domains.str.extract(r"([^.]+\.[^.]+)$", expand=False)


@check("email_disposable")
def email_disposable(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """Throw-away mailbox providers (the disposable-email-domains list, plus rule params)."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    blocked = disposable_domains() | frozenset(rule.params.get("extra_domains", ()))
    allowed = frozenset(rule.params.get("allow", ()))
    counts = domain_counts(prep)
    uniq = pd.Series(counts.index, dtype="str")
    hit = (text_isin(uniq, blocked) | text_isin(_registrable(uniq), blocked)) & ~text_isin(
        uniq, allowed
    )
    bad = set(uniq[hit])
    if not bad:
        return no_hits()
    pos = np.flatnonzero(text_isin(parts["domain"], bad))
    return hits(pos, "email", domain=parts["domain"].iloc[pos])


@check("email_free_mail")
def email_free_mail(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """A business contact (company filled in) on a free-mail address."""
    parts = prep.email()
    company = prep.value("company")
    if parts is None or company is None:
        return no_hits()
    free = text_isin(parts["domain"], providers()["free"])
    pos = np.flatnonzero(free & company.notna().to_numpy(dtype=bool))
    return hits(pos, "email", domain=parts["domain"].iloc[pos], company=company.iloc[pos])


@check("email_mx")
def email_mx(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """Domains with no MX (nor A) record. Runs only with --check-mx: the one networked check."""
    if not options.check_mx:
        return no_hits()
    parts = prep.email()
    if parts is None:
        return no_hits()
    from .mx import domains_without_mail

    counts = domain_counts(prep)
    skip = set(providers()["free"])
    domains = [d for d in counts.index if isinstance(d, str) and d not in skip and known_tld(d)]
    dead = domains_without_mail(domains, timeout=options.mx_timeout)
    if not dead:
        return no_hits()
    pos = np.flatnonzero(parts["domain"].isin(set(dead)).to_numpy(dtype=bool))
    reason = parts["domain"].iloc[pos].map(dead)
    return hits(pos, "email", domain=parts["domain"].iloc[pos], reason=reason)
