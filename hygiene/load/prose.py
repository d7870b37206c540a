"""A text file of sentences is no contact export: tell it apart before auditing it.

A notes file ("Called Ann on Monday about the renewal, she wants a quote.") reads as a CSV
whose header is a sentence, cut at its commas or not at all. Audited, it scored 0 under a
"generic (100%)" platform with a `--map` hint quoting a sentence as a column name. The
header row decides: real exports name their columns in a few words ("Email", "Opted out of
email: Marketing Information", "City/town/village/locality of Postal address"), never a
row of sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Sentence ends: a header cell ending so is prose ("...by Friday.").
_SENTENCE_END = (".", "!", "?")
#: Words in a cell that reads as a sentence, not a column name, when it ends as one does not.
PROSE_WORDS = 7
#: Words in a cell ending as a sentence ends, for it to count (an "Is Email Bounced?" header
#: is a column name).
SENTENCE_WORDS = 4


def is_prose(cell: str) -> bool:
    """One header cell that reads as a sentence, not a column name."""
    words = cell.split()
    ends = cell.rstrip().endswith(_SENTENCE_END) and not cell.rstrip().endswith("...")
    return len(words) >= PROSE_WORDS or (ends and len(words) >= SENTENCE_WORDS)


def prose_header(headers: Sequence[str]) -> bool:
    """Whether a file's header row is sentences: every named cell reads as prose (cells the
    loader added for ragged rows, `_extra_N`, and empty ones aside)."""
    named = [h.strip() for h in headers if h.strip() and not h.startswith("_extra_")]
    return bool(named) and all(is_prose(h) for h in named)
