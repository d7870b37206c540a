"""Typo domains: which domain a misspelt one meant, decided once per distinct domain.

Three kinds, tried in order (rules/email/providers.yaml says which providers and suffixes):
1. a look-alike of a big mailbox provider: the same name under another suffix (gmail.net), one
   edit away (gmial.com), or two slips of the keyboard away for longer names (htomali.com).
   Decided by the domain alone, so the same at any count, and never for a real domain
   (rules/email/real_domains.yaml);
2. a top-level domain that does not exist with one obvious fix (acme.con -> acme.com), then 1
   again on the fixed domain (gnail.con -> gmail.com);
3. a company domain misspelt: one edit from a domain far more common in this export. Learned
   from the counts by definition, and reported with how sure it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..resources import rules_yaml

_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# Characters that are read for one another, beside neighbouring keys.
_LOOK_ALIKE = frozenset({("0", "o"), ("1", "l"), ("1", "i"), ("l", "i")})
_PUNCTUATION = "#!$%&'*+/=?^_`{|}~,;:\"()<>[]-."


@dataclass(frozen=True)
class TypoTuning:
    """How company-domain typos are learned from an export (the thresholds of
    email.typo_domain's params): a domain one edit from a domain far more common here."""

    #: A domain on at least this many rows (or `frequent_min_share` of the rows, if more)
    #: counts as real, and is itself a typo target for rarer look-alikes (a company's own
    #: domain misspelt once).
    frequent_min_rows: int = 5
    frequent_min_share: float = 0.0005
    #: A file-frequent target must be this many times more common than the suspect domain.
    frequency_ratio: float = 10.0
    #: Domains this long or longer may be two edits away from a target that starts with the
    #: same letter, and may be fixed towards a domain seen on only `long_domain_min_rows` rows
    #: (twice as many as the suspect): two real companies one edit apart are rare at this
    #: length.
    long_domain: int = 12
    long_domain_min_rows: int = 2

    def key(self) -> tuple[int, float, float, int, int]:
        return (self.frequent_min_rows, self.frequent_min_share, self.frequency_ratio,
                self.long_domain, self.long_domain_min_rows)


@dataclass(frozen=True)
class DomainFix:
    """What a misspelt domain meant, why, and how sure the check is (0-1)."""

    domain: str
    reason: str
    confidence: float


@cache
def providers() -> dict[str, Any]:
    """rules/email/providers.yaml and real_domains.yaml, read once."""
    doc = rules_yaml("email", "providers.yaml")
    real_doc = rules_yaml("email", "real_domains.yaml") or {}
    mailbox = tuple(doc["mailbox_providers"])
    free = frozenset(mailbox) | frozenset(doc.get("free_mail", ()))
    real = free | frozenset(d for group in real_doc.values() for d in group or ())
    targets = tuple(doc.get("typo_targets", ()))
    target_name = {t: split_domain(t)[0] for t in targets}
    return {
        "target_name": target_name,
        "target_names": frozenset(target_name.values()),
        "mailbox": mailbox,
        "free": free,
        "real": real,
        "targets": targets,
        "never_suffix": frozenset(doc.get("never_typo_suffix_labels", ())),
        "tld_typos": dict(doc.get("tld_typos", {})),
        "com_slips": frozenset(doc.get("com_slips", ())),
    }


def psl_rules(text: str) -> list[str]:
    """The rules of a Public Suffix List file, each as publicsuffixlist's parser keeps it
    (lower-cased, first word of a line, comments and blank lines left out), followed by
    the IDNA (punycode) form of each rule that is not ASCII.

    The parser adds the IDNA form of every rule itself, through Python's `idna` codec:
    that took half the parse, spent on ~10,000 ASCII rules whose form is the rule itself.
    Given these lines and `accept_encoded_idn=False`, it holds the same rules."""
    rules = []
    for line in text.lower().split("\n"):
        rule = line.split(" ")[0].rstrip()
        if rule and not rule.startswith("//"):
            rules.append(rule)
    encoded = []
    for rule in rules:
        if not rule.isascii():
            bare = rule.lstrip("!")
            form = bare.encode("idna").decode("ascii")
            encoded.append("!" + form if rule[0] == "!" else form)
    return rules + encoded


@cache
def _psl() -> Any:
    from publicsuffixlist import PSLFILE, PublicSuffixList

    with open(PSLFILE, encoding="utf-8", errors="surrogateescape") as fh:
        rules = psl_rules(fh.read())
    # accept_unknown=False: a domain whose TLD is not in the Public Suffix List has no suffix.
    return PublicSuffixList(rules, accept_unknown=False, accept_encoded_idn=False)


@lru_cache(maxsize=1 << 17)
def public_suffix(domain: str) -> str | None:
    """The domain's public suffix ("co.uk"), None when its top-level domain is not delegated
    (Public Suffix List). Cached: the typo and unknown-TLD checks ask for every distinct
    domain, and the company-typo test for each side of each close pair."""
    return _psl().publicsuffix(domain)


def known_tld(domain: str) -> bool:
    """True when the domain ends in a delegated top-level domain (Public Suffix List)."""
    return public_suffix(domain) is not None


def split_domain(domain: str) -> tuple[str, str]:
    """(name, suffix): "mail.acme.co.uk" -> ("acme", "co.uk"); an unknown suffix is the last
    label ("gmail.con" -> ("gmail", "con"))."""
    suffix = public_suffix(domain) or domain.rpartition(".")[2]
    head = domain[: -len(suffix)].rstrip(".") if domain.endswith(suffix) else domain
    return head.rpartition(".")[2], suffix


@cache
def _neighbours() -> dict[str, frozenset[str]]:
    """Keys next to each key on a QWERTY keyboard (same row, and the staggered rows)."""
    where = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    out: dict[str, frozenset[str]] = {}
    for ch, (r, c) in where.items():
        near = {(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)}
        out[ch] = frozenset(
            _ROWS[rr][cc] for rr, cc in near if 0 <= rr < len(_ROWS) and 0 <= cc < len(_ROWS[rr])
        )
    return out


def _slip(a: str, b: str) -> bool:
    """Whether typing `b` for `a` is a slip: a neighbouring key or a look-alike character."""
    return b in _neighbours().get(a, frozenset()) or (a, b) in _LOOK_ALIKE or (b, a) in _LOOK_ALIKE


def slip_distance(meant: str, typed: str) -> int:
    """Edits from `meant` to `typed` where a transposition, a dropped letter, a doubled letter,
    a neighbouring key or a stray punctuation mark counts 1, and any other edit 2 (optimal
    string alignment)."""
    n, m = len(meant), len(typed)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        d[i][0] = i
    for j in range(1, m + 1):
        d[0][j] = 2 * j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            p, t = meant[i - 1], typed[j - 1]
            sub = 0 if p == t else (1 if _slip(p, t) else 2)
            # An extra character next to the one it repeats or sits beside on the keyboard.
            around = meant[max(i - 1, 0) : i + 1]
            extra = 1 if not t.isalnum() or any(t == a or _slip(a, t) for a in around) else 2
            best = min(d[i - 1][j] + 1, d[i][j - 1] + extra, d[i - 1][j - 1] + sub)
            if i > 1 and j > 1 and p == typed[j - 2] and meant[i - 2] == t:
                best = min(best, d[i - 2][j - 2] + 1)
            d[i][j] = best
    return d[n][m]


def _close(suspects: Sequence[str], candidates: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Per suspect, the (candidate index, OSA distance) pairs at distance 1 or 2.

    Edit distances in C++ on both cores, one matrix per suspect length against the candidates
    at most two characters longer or shorter (the only ones two edits can reach)."""
    out: list[list[tuple[int, int]]] = [[] for _ in suspects]
    if not suspects or not candidates:
        return out
    s_len = np.fromiter(map(len, suspects), dtype=np.int64, count=len(suspects))
    c_len = np.fromiter(map(len, candidates), dtype=np.int64, count=len(candidates))
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
            # One byte a pair: the matrix is suspects x targets of this length band.
            dtype=np.uint8,
        )
        rows, cols = np.nonzero(dist <= 2)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            d = int(dist[r, c])
            if d:
                out[int(si[r])].append((int(ci[c]), d))
    return out


def _generic_suffix(suffix: str, prov: Mapping[str, Any]) -> bool:
    """A suffix under which a provider's name is a typo, not perhaps a regional service of
    its own: one that does not exist (con), a generic one (net, org) or a slip of .com
    (co, cm, om). yahoo.co.il or gmail.ru are left alone."""
    last = suffix.rpartition(".")[2]
    return not known_tld(f"x.{suffix}") or len(last) >= 3 or suffix in prov["com_slips"]


def _provider_fix(
    domain: str, close: Sequence[tuple[int, int]], targets: Sequence[str], prov: Mapping[str, Any]
) -> DomainFix | None:
    """The provider `domain` misspells, from its close targets and its own name; None when
    it misspells none (see the module docstring)."""
    if domain in prov["real"]:
        return None
    # Most domains are near no provider and share no label with one: no suffix look-up.
    if not close and not prov["target_names"].intersection(domain.split(".")):
        return None
    name, suffix = split_domain(domain)
    if prov["never_suffix"] & set(suffix.split(".")):
        return None
    first = domain.lstrip(_PUNCTUATION)[:1]
    best: tuple[int, int] | None = None
    for j, osa in close:
        target = targets[j]
        t_name = prov["target_name"][target]
        # Another suffix of the same name is the rule below's to judge (yahoo.ru is not yahoo.fr).
        if len(t_name) <= 3 or t_name == name:
            continue
        slips = slip_distance(target, domain)
        if osa == 1:
            # Any one edit past the first letter of a long name; a slip of the keyboard
            # otherwise (vahoo and amail are not yahoo and gmail).
            ok = slips <= 1 or (len(t_name) >= 5 and first == target[0])
        else:
            # Two slips, or the name's own letters in another order (gmila, htomali).
            shuffled = sorted(name) == sorted(t_name)
            ok = (
                len(t_name) >= 5
                and (slips <= 2 or shuffled)
                and first == target[0]
                and len(name) >= 3
            )
        if ok and (best is None or (slips, j) < best):
            best = (slips, j)
    # The provider's own name under another suffix (outlook.net): the suffix one edit away
    # (yahoo.co -> yahoo.com, not yahoo.co.uk), else the first listed. Not for a subdomain
    # (anything.comcast.com is Comcast's own).
    same_name = [
        (min(OSA.distance(domain, t), 2), j)
        for j, t in enumerate(targets)
        if prov["target_name"][t] == name and t != domain
    ]
    if same_name and domain == f"{name}.{suffix}" and _generic_suffix(suffix, prov):
        _, j = min(same_name)
        target = targets[j]
        return DomainFix(target, f"looks like a typo of {target}", 0.95)
    if best is None:
        return None
    target = targets[best[1]]
    return DomainFix(target, f"looks like a typo of {target}", 0.95 if best[0] <= 1 else 0.8)


def _tld_fix(domain: str, prov: Mapping[str, Any]) -> str | None:
    """`domain` with its non-existent top-level domain fixed (acme.con -> acme.com)."""
    if "." not in domain or known_tld(domain):
        return None
    head, _, tld = domain.rpartition(".")
    fix = prov["tld_typos"].get(tld)
    return f"{head}.{fix}" if fix else None


def provider_fixes(domains: Sequence[str]) -> dict[str, DomainFix]:
    """Provider look-alikes and top-level domain typos: decided by each domain alone."""
    prov = providers()
    targets: Sequence[str] = prov["targets"]
    todo = [d for d in domains if d not in prov["real"]]
    out: dict[str, DomainFix] = {}
    for dom, close in zip(todo, _close(todo, targets), strict=True):
        fix = _provider_fix(dom, close, targets, prov)
        if fix is not None:
            out[dom] = fix
    # A fixed top-level domain, and then a provider look-alike of the result.
    tld = {d: f for d in todo if d not in out and (f := _tld_fix(d, prov)) is not None}
    fixed = list(dict.fromkeys(tld.values()))
    again = dict(zip(fixed, _close(fixed, targets), strict=True))
    for dom, head in tld.items():
        fix = _provider_fix(head, again[head], targets, prov)
        if fix is not None:
            out[dom] = fix
        else:
            suffix = dom.rpartition(".")[2]
            out[dom] = DomainFix(head, f".{suffix} is not a top-level domain", 0.95)
    return out


def _company_fixes(counts: pd.Series, tuning: TypoTuning, skip: set[str]) -> dict[str, DomainFix]:
    """Company domains misspelt: one edit (two for long domains) from a domain far more
    common in this export. The confidence is the share of the two spellings' rows on the
    common one, lowered for two edits and for a domain under another real suffix."""
    prov = providers()
    names = [str(d) for d in counts.index.tolist()]
    n = counts.to_numpy(dtype=np.int64)
    seen = dict(zip(names, n.tolist(), strict=True))
    lengths = np.fromiter((len(d) for d in names), dtype=np.int64, count=len(names))
    min_frequent = max(tuning.frequent_min_rows, int(n.sum() * tuning.frequent_min_share))
    min_long = tuning.long_domain_min_rows
    long_domain = tuning.long_domain
    ratio = tuning.frequency_ratio
    # Short domains need a frequent target; long ones (where two real companies one edit apart
    # are rare) may be fixed towards a domain seen on a couple of rows.
    is_frequent = n >= min_frequent
    is_target = is_frequent | ((n >= min_long) & (lengths >= long_domain))
    real = prov["real"]
    targets = [d for d, t in zip(names, is_target, strict=True) if t and d not in real]
    frequent = {d for d, f in zip(names, is_frequent, strict=True) if f}
    suspects = [d for d in names if d not in frequent and d not in real and d not in skip]
    out: dict[str, DomainFix] = {}
    for dom, close in zip(suspects, _close(suspects, targets), strict=True):
        best: tuple[float, str] | None = None
        for j, d in sorted(close, key=lambda c: (c[1], c[0])):
            cand = targets[j]
            limit = 2 if len(dom) >= long_domain and dom[0] == cand[0] else 1
            mine, theirs = seen[dom], seen.get(cand, 0)
            common = theirs >= ratio * mine or (len(dom) >= long_domain and theirs >= 2 * mine)
            if d > limit or not common:
                continue
            conf = theirs / (theirs + mine)
            # acme.co beside acme.com may be Acme's own: only a slip of .com (.co, .cm) is
            # taken, and less surely; any other real suffix is left alone.
            (name, suffix), (c_name, c_suffix) = split_domain(dom), split_domain(cand)
            if name == c_name and known_tld(dom):
                if OSA.distance(suffix, c_suffix) > 1:
                    continue
                conf *= 0.75
            if d == 2:
                conf *= 0.75
            if best is None or conf > best[0]:
                best = (conf, cand)
        if best is not None:
            conf, cand = best
            out[dom] = DomainFix(
                cand,
                f"looks like a typo of {cand}, which {seen[cand]} rows here use "
                f"(confidence {conf:.2f})",
                round(conf, 2),
            )
    return out


def suggest_domains(counts: pd.Series, tuning: TypoTuning | None = None) -> dict[str, DomainFix]:
    """Domain -> its fix, for the domains of `counts` (rows per domain) that look misspelt.

    Provider look-alikes and top-level domain typos do not depend on the counts; company
    domains are learned from them (see `_company_fixes`)."""
    counts = counts[counts.index.notna()]
    names = [str(d) for d in counts.index.tolist()]
    out = provider_fixes(names)
    out.update(_company_fixes(counts, tuning or TypoTuning(), set(out)))
    prov = providers()
    for dom in names:
        if dom in out or not dom.endswith("."):
            continue
        bare = dom.rstrip(".")
        if bare in prov["real"] or bare in counts.index or known_tld(bare):
            out[dom] = DomainFix(bare, "the domain ends in a dot", 1.0)
    return out
