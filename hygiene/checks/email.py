"""Email checks that need more than a column expectation: typo domains, unknown top-level
domains, disposable providers, free-mail addresses of business contacts, and the opt-in MX look-up.

All work is per distinct domain (a 1M-row export has a few thousand), then spread back to rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize._arrow import flat, to_numpy_mask
from ..normalize.base import arrow, text_isin
from ..prepared import Prepared
from .email_typos import DomainFix, known_tld, providers, suggest_domains
from .registry import CheckOptions, check, hits, no_hits
from .rules import Rule

__all__ = ["domain_counts", "known_tld", "providers", "suggest_domains", "typo_suggestions"]


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


def typo_suggestions(prep: Prepared) -> dict[str, DomainFix]:
    """Typo fixes for this source's domains, tuned by the `typo:` section of providers.yaml."""
    return prep.memo(
        "email.typo", lambda: suggest_domains(domain_counts(prep), providers()["typo"])
    )


@check("email_typo_domain")
def email_typo_domain(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """Addresses on a misspelt domain; the suggestion is the fixed address. Domains in the
    rule's `allow` param are a team's own real domains, never typos."""
    parts = prep.email()
    if parts is None:
        return no_hits()
    allowed = {str(d).lower() for d in rule.params.get("allow", ())}
    fixes = {d: f for d, f in typo_suggestions(prep).items() if d not in allowed}
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
