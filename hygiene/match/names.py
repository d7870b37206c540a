"""Name knowledge for matching: nickname relations and phonetic keys.

Nicknames come from the `nicknames` package (hand-curated English pairs); phonetic codes from
jellyfish. Both run once per distinct value, never per row.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

import jellyfish
import numpy as np
from nicknames import NickNamer


class NameKeys(Protocol):
    """Distinct name keys by code: a `features.Vocab` or a numpy array of strings."""

    def __len__(self) -> int: ...

    def tolist(self) -> list[Any]: ...


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def name_roots(name: str) -> set[str]:
    """The name itself plus every formal name it is a nickname of ("liz" -> elizabeth ...).

    Two first names are nickname-related when their roots intersect: Bob/Robert share
    "robert", Liz/Beth share "elizabeth".
    """
    roots = {name}
    if name:
        roots |= _nicknamer().canonicals_of(name)
    return roots


def related_pairs(vocab: NameKeys) -> np.ndarray:
    """Sorted int64 keys `lo * len(vocab) + hi` of vocabulary codes that are nickname-related.

    `vocab` holds distinct name keys (casefolded); the result feeds `np.isin` over the
    candidate pairs' code keys, so the nickname test runs as one array operation.
    """
    n = len(vocab)
    by_root: dict[str, list[int]] = {}
    for code, name in enumerate(vocab.tolist()):
        if not isinstance(name, str):
            continue
        for root in name_roots(name):
            by_root.setdefault(root, []).append(code)
    keys: list[np.ndarray] = []
    for codes in by_root.values():
        if len(codes) < 2:
            continue
        c = np.asarray(codes, dtype=np.int64)
        a, b = np.triu_indices(len(c), k=1)
        lo = np.minimum(c[a], c[b])
        hi = np.maximum(c[a], c[b])
        keys.append(lo * n + hi)
    if not keys:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(keys))


def phonetic(name: str) -> str:
    """Metaphone of a name key with spaces removed ("van der berg" -> one code)."""
    return jellyfish.metaphone(name.replace(" ", "")) if name else ""
