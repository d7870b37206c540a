"""Counts in sentences: "1 duplicate cluster", "2 duplicate clusters"."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """`noun` as the count `n` needs it: `many` when given, else `noun` + "s"."""
    return noun if n == 1 else (many or noun + "s")


def counted(n: int, noun: str, many: str | None = None) -> str:
    """ "1 record", "1,204 records": the count with thousands separators and its noun."""
    return f"{n:,} {plural(n, noun, many)}"
