"""Email checks that need more than a column expectation: typo domains, unknown top-level
domains, disposable providers, free-mail addresses of business contacts, and the opt-in MX look-up.

All work is per distinct domain (a 1M-row export has a few thousand), then spread back to rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import OSA

from ..normalize._arrow import flat, to_numpy_mask
from ..normalize.base import arrow, text_isin
from ..prepared import Prepared
from .email_typos import DomainFix, TypoTuning, known_tld, providers, suggest_domains
from .registry import CheckOptions, EarlierHits, FixProposal, check, fix, hits, no_hits
from .rules import Rule

__all__ = [
    "TypoDomain",
    "domain_counts",
    "known_tld",
    "providers",
    "suggest_domains",
    "typo_suggestions",
]


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


def typo_suggestions(prep: Prepared, tuning: TypoTuning | None = None) -> dict[str, DomainFix]:
    """Typo fixes for this source's domains (memoised per source and tuning)."""
    tuning = tuning or TypoTuning()
    return prep.memo(
        ("email.typo", *tuning.key()), lambda: suggest_domains(domain_counts(prep), tuning)
    )


@dataclass(frozen=True)
class TypoDomain(TypoTuning):
    """email.typo_domain's parameters: how company typos are learned (`TypoTuning`), the
    team's own domains that are never typos, and when `hygiene clean` fixes on its own."""

    #: Real domains of yours that look like a provider's misspelling (hotmall.com).
    allow: tuple[str, ...] = ()
    #: `hygiene clean` changes an address without a person's "accept" when the fixed domain
    #: is at most this many edits away and is a big mailbox provider, or a domain at least
    #: `fix_company_min_rows` rows of the export use, or the old domain's top-level domain
    #: does not exist (a trailing dot is always fixed).
    fix_max_edits: int = 1
    fix_company_min_rows: int = 5


@check("email.typo_domain", params=TypoDomain)
def email_typo_domain(
    prep: Prepared, rule: Rule[TypoDomain], options: CheckOptions
) -> pd.DataFrame:
    """Addresses on a misspelt domain; the suggestion is the fixed address. Domains in the
    rule's `allow` param are a team's own real domains, never typos."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    allowed = {d.lower() for d in rule.params.allow}
    fixes = {d: f for d, f in typo_suggestions(prep, rule.params).items() if d not in allowed}
    if not fixes:
        return no_hits()
    # Looked up in Arrow: a dict map over a million addresses made a Python string of each.
    typos = list(fixes)
    at = pc.index_in(flat(arrow(parts["domain"])), value_set=pa.array(typos, type=pa.string()))
    pos = np.flatnonzero(to_numpy_mask(pc.is_valid(at)))
    which = np.asarray(pc.take(at, pa.array(pos)).to_numpy(zero_copy_only=False), dtype=np.int64)
    sub = parts.iloc[pos]

    def per_typo(values: list[Any], dtype: Any) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=object)[which], index=sub.index, dtype=dtype)

    fixed = per_typo([fixes[d].domain for d in typos], "str")
    suggestion = sub["local"].str.cat(fixed, sep="@")
    reason = per_typo([fixes[d].reason for d in typos], "str")
    confidence = per_typo([fixes[d].confidence for d in typos], "float64")
    return hits(
        pos, "email", suggestion=suggestion, reason=reason, domain=fixed, confidence=confidence
    )


@cache
def _mailbox() -> frozenset[str]:
    return frozenset(providers()["mailbox"])


def typo_confident(
    old: pd.Series, new: pd.Series, counts: pd.Series, params: TypoDomain
) -> np.ndarray:
    """Whether each (old domain, new domain) fix is confident (see `TypoDomain`)."""
    frame = pd.DataFrame({"old": old.astype(object), "new": new.astype(object)})
    pairs = frame.drop_duplicates()
    ok = {}
    mailbox = _mailbox()
    seen = {str(k): int(v) for k, v in counts.items()}
    for o, n in zip(pairs["old"].tolist(), pairs["new"].tolist(), strict=True):
        if not isinstance(o, str) or not isinstance(n, str):
            ok[(o, n)] = False
            continue
        if o.rstrip(".") == n:
            ok[(o, n)] = True
            continue
        near = OSA.distance(o, n) <= params.fix_max_edits
        # A top-level domain that does not exist (acme.con) has only the one fix.
        known = (
            n in mailbox or seen.get(n, 0) >= params.fix_company_min_rows or not known_tld(o)
        )
        ok[(o, n)] = near and known
    return np.fromiter(
        (ok[(o, n)] for o, n in zip(frame["old"].tolist(), frame["new"].tolist(), strict=True)),
        dtype=bool,
        count=len(frame),
    )


@fix("email.typo_domain")
def fix_typo_domain(prep: Prepared, rule: Rule[TypoDomain], found: pd.DataFrame) -> FixProposal:
    """The suggested address; sure where the fix is confident (`typo_confident`)."""
    parts = prep.email()
    sugg = found["suggestion"].astype(object)
    able = sugg.notna().to_numpy()
    if parts is None:
        return FixProposal(sugg.to_numpy(dtype=object), able, np.zeros(len(found), dtype=bool))
    pos = found["pos"].to_numpy(dtype=np.int64)
    new_dom = sugg.map(lambda v: v.rsplit("@", 1)[-1] if isinstance(v, str) else None)
    old_dom = parts["domain"].iloc[pos].reset_index(drop=True)
    sure = typo_confident(old_dom, new_dom, domain_counts(prep), rule.params)
    return FixProposal(sugg.to_numpy(dtype=object), able, sure)


@check("email.unknown_tld", row_local=True, earlier=True)
def email_unknown_tld(
    prep: Prepared, rule: Rule, options: CheckOptions, earlier: EarlierHits
) -> pd.DataFrame:
    """Well-formed addresses whose top-level domain does not exist and has no obvious fix:
    an address email.typo_domain fixed (this run's finding, with its own tuning) is its."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    counts = domain_counts(prep)
    bad = {d for d in counts.index if isinstance(d, str) and "." in d and not known_tld(d)}
    if not bad:
        return no_hits()
    pos = np.flatnonzero(text_isin(parts["domain"], bad))
    pos = np.setdiff1d(pos, earlier.rows(("email.typo_domain",)), assume_unique=True)
    tld = parts["domain"].iloc[pos].str.rsplit(".", n=1).str[-1]
    return hits(pos, "email", tld=tld)


def _registrable(domains: pd.Series) -> pd.Series:
    """The last two labels ("mail.mailinator.com" -> "mailinator.com")."""
    return domains.str.extract(r"([^.]+\.[^.]+)$", expand=False)


@dataclass(frozen=True)
class Disposable:
    """email.disposable's parameters: domains to add to the shipped list, and to take off."""

    extra_domains: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()


@check("email.disposable", params=Disposable, row_local=True)
def email_disposable(
    prep: Prepared, rule: Rule[Disposable], options: CheckOptions
) -> pd.DataFrame:
    """Throw-away mailbox providers (the disposable-email-domains list, plus rule params)."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    blocked = disposable_domains() | frozenset(rule.params.extra_domains)
    allowed = frozenset(rule.params.allow)
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


@check("email.free_mail", row_local=True, earlier=True)
def email_free_mail(
    prep: Prepared, rule: Rule, options: CheckOptions, earlier: EarlierHits
) -> pd.DataFrame:
    """A business contact (company filled in) on a free-mail address, judged by the address
    as it will be: a misspelt domain by its fix (email.typo_domain's suggestion), so fixing
    "gmai.com" does not bring a finding the audit never mentioned."""
    parts = prep.email()
    company = prep.value("company")
    if parts is None or company is None:
        return no_hits()
    free_set = providers()["free"]
    free = text_isin(parts["domain"], free_set)
    fixed = np.zeros(prep.rows, dtype=bool)
    typos = earlier.found.get("email.typo_domain", no_hits())
    if len(typos):
        at = typos["pos"].to_numpy(dtype=np.int64)
        to = typos["suggestion"].astype("str").str.rpartition("@")[2].to_numpy(dtype=object)
        free[at] = [d in free_set for d in to]
        fixed[at] = True
    pos = np.flatnonzero(free & company.notna().to_numpy(dtype=bool))
    domain = parts["domain"].iloc[pos].to_numpy(dtype=object)
    if fixed[pos].any():
        # The typo rows (a few) take their fixed domain.
        order = np.argsort(at, kind="stable")
        mine = np.flatnonzero(fixed[pos])
        domain[mine] = to[order[np.searchsorted(at, pos[mine], sorter=order)]]
    once = np.where(fixed[pos], " (once its typo is fixed)", "")
    return hits(pos, "email", domain=domain, company=company.iloc[pos], fixed=once)


@check("email.no_mail_server", row_local=True)
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
