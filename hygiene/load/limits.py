"""How much memory an audit may take for the bytes it read: the guard that bounds memory.

An audit's memory grows with what it holds, not with its bytes: each record (normalised
values, its row in the reports), each cell (a text value and its offset; a column per
8 MB block of the file as read), and each finding (a row in every report). A CRM export
pays for those with a few hundred bytes a record, so its memory stays within
`MULTIPLE` times its bytes; a file of 4-byte rows, a column of garbage that is all
findings, or 16,384 one-character columns pay nothing and needed tens of times their
size (benchmarks/RESULTS.md, "Hostile inputs").

So the audit estimates its memory (`Estimate`) from the records and cells as soon as a file
is parsed (and, for delimited text, from its line count and header before parsing), and
again from the findings once the checks are done, and stops, one line naming the file, the
limit and the setting, when the estimate passes the larger of `FLOOR_MB` and `MULTIPLE`
times the bytes read. A list of email addresses alone (a million of them: ~1 GB) passes;
the hostile inputs of `benchmarks/hostile_memory.py` are refused under 2 GB.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import ConfigError, InputError
from ..words import counted

#: Estimated memory per record, per cell, per finding, and per column of each block a
#: delimited file is parsed in (measured by benchmarks/hostile_memory.py, RESULTS.md).
RECORD_BYTES = 1_000
CELL_BYTES = 12
FINDING_BYTES = 600
COLUMN_BLOCK_BYTES = 6_500
#: Findings a record is assumed to give when the setting to name is worked out before the
#: checks have run (a file of garbage rows gives two: invalid, and unreachable), so the
#: value named lets the audit through its second weighing too.
FINDINGS_PER_RECORD = 2
#: The size of those blocks (hygiene.load.csvread parses in blocks of this size).
BLOCK_BYTES = 1 << 23
#: The estimate an audit may always reach, in MB (with the interpreter and libraries, peak
#: memory stays under 2 GB), and the multiple of the bytes read it may reach beyond it.
FLOOR_MB = 1_536
MULTIPLE = 16
#: The setting that changes the floor (0: no limit).
MAX_MEMORY_ENV = "HYGIENE_MAX_MEMORY_MB"

_MB = 1024**2


def _int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{name}={env[name]!r}: give a whole number of MB, 0 for no limit")
    return value


@dataclass(frozen=True)
class MemoryLimit:
    """The estimate may reach `floor_mb` MB, or `multiple` times the bytes read when more;
    a floor of 0 is no limit."""

    floor_mb: int = FLOOR_MB
    multiple: int = MULTIPLE

    def allowed(self, bytes_read: int) -> int | None:
        """The most bytes of estimated memory `bytes_read` bytes may take (None: no limit)."""
        if self.floor_mb <= 0:
            return None
        return max(self.floor_mb * _MB, self.multiple * bytes_read)


def memory_limit(env: Mapping[str, str] | None = None) -> MemoryLimit:
    """The limit in force: the default, or `HYGIENE_MAX_MEMORY_MB`."""
    env = os.environ if env is None else env
    return MemoryLimit(floor_mb=_int_setting(env, MAX_MEMORY_ENV, FLOOR_MB))


@dataclass(frozen=True)
class Read:
    """What one source's files gave: records, columns, bytes read (unpacked for a ZIP),
    findings (once checked), and the files."""

    records: int
    bytes_read: int
    paths: Sequence[object]
    columns: int = 1
    findings: int = 0

    def estimate(self) -> int:
        """Estimated bytes of memory an audit of it takes."""
        blocks = -(-self.bytes_read // BLOCK_BYTES) if self.bytes_read else 1
        cells = self.records * self.columns
        return (
            self.records * RECORD_BYTES
            + cells * CELL_BYTES
            + self.columns * blocks * COLUMN_BLOCK_BYTES
            + self.findings * FINDING_BYTES
        )


def _size(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:,.1f} GB"
    return f"{n / _MB:,.1f} MB" if n >= _MB else f"{n:,} bytes"


def check_memory(
    reads: Sequence[Read], limit: MemoryLimit | None = None, checked: bool = False
) -> None:
    """InputError when the estimated memory of all reads together passes what their bytes
    allow; it names the source with the most memory for its bytes. Before the checks
    (`checked` False) the setting it names allows for `FINDINGS_PER_RECORD` findings a record."""
    limit = limit or memory_limit()
    reads = [r for r in reads if r.bytes_read > 0]  # data built in memory is the caller's
    if not reads:
        return
    bytes_read = sum(r.bytes_read for r in reads)
    allowed = limit.allowed(bytes_read)
    estimate = sum(r.estimate() for r in reads)
    if allowed is None or estimate <= allowed:
        return
    worst = max(reads, key=lambda r: r.estimate() / max(r.bytes_read, 1))
    where = ", ".join(str(p) for p in worst.paths) or "input"
    records = sum(r.records for r in reads)
    findings = sum(r.findings for r in reads)
    columns = max(r.columns for r in reads)
    what = f"{counted(records, 'record')} of up to {counted(columns, 'column')}"
    if findings:
        what += f" and {counted(findings, 'finding')}"
    allowance = 0 if checked else records * FINDINGS_PER_RECORD * FINDING_BYTES
    needed = -(-(estimate + allowance) // _MB)
    raise InputError(
        where,
        f"{what} from {_size(bytes_read)} read would take about {_size(estimate)} of memory, "
        f"more than the {_size(allowed)} allowed (the larger of {limit.floor_mb:,} MB and "
        f"{limit.multiple} times the bytes read; such small records suggest a wrong delimiter "
        "or a file that is not a contact export)",
        f"set {MAX_MEMORY_ENV}={needed} to audit it anyway",
    )
