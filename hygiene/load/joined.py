"""A source joined from files that do not look like parts of one export.

The same NAME given twice joins its files (Mailchimp's subscribed + unsubscribed + cleaned,
which share their columns and add a few of their own). Files that share few columns are more
likely two different exports given one name by mistake (`crm=contacts.csv crm=notes.txt`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from ..errors import HygieneWarning

#: Two files whose shared columns are under this share of the smaller file's columns are
#: named in a warning (Mailchimp's status files share 80-90% of theirs).
MIN_SHARED = 0.5


def shared_share(a: Sequence[str], b: Sequence[str]) -> float:
    """Columns both headers hold (compared trimmed and case-folded) over the smaller header."""
    left = {h.strip().casefold() for h in a}
    right = {h.strip().casefold() for h in b}
    if not left or not right:
        return 1.0
    return len(left & right) / min(len(left), len(right))


def mismatched_files(
    headers: Sequence[tuple[str, Sequence[str]]],
) -> list[tuple[str, str, float]]:
    """(file, file, shared share) of every later file that shares too few columns with each
    file before it: one pair per odd file out, named against the first file."""
    out = []
    for i, (name, cols) in enumerate(headers[1:], start=1):
        shares = [shared_share(cols, earlier) for _, earlier in headers[:i]]
        if max(shares) < MIN_SHARED:
            out.append((headers[0][0], name, shares[0]))
    return out


def warn_mixed_headers(source: str, headers: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Warn (HygieneWarning) when files given the same source name share few columns."""
    for first, other, share in mismatched_files(headers):
        warnings.warn(
            f"source {source!r} joins {other} with {first}, but they share only {share:.0%} "
            "of their columns; if they are different exports, give each its own NAME "
            f"(e.g. notes={other})",
            HygieneWarning,
            stacklevel=2,
        )
