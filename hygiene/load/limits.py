"""How many records an audit takes for the bytes it read: the guard that bounds memory.

An audit's memory grows with its records (each gets normalised values, findings, a row in
the reports: up to ~2 KB a record) more than with its bytes. A CRM export carries a few
hundred bytes a record (the generated HubSpot export ~280); a file of 4-byte rows carries
~70 times more records per byte and needed 6.6 GB for 25 MB. An export of emails alone
(~25 bytes a record) is thin too: past the floor it needs the setting raised. So past `MAX_RECORDS`
records a file, and all files of an audit together, must have given at least
`MIN_RECORD_BYTES` bytes per record, or the audit is refused as soon as the file is parsed,
in one line naming the file, the limit and the setting that raises it. Within the limit,
peak memory stays near 20 times the bytes read, and near 2 GB for an input under the floor
(`benchmarks/hostile_memory.py` measures both).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, InputError

#: Records an audit may always hold, whatever their size: at ~2 KB a record, with the
#: interpreter and libraries, under 2 GB of peak memory.
MAX_RECORDS = 900_000
#: Past `MAX_RECORDS`, the bytes read per record the audit's inputs must average.
MIN_RECORD_BYTES = 100
#: Settings that change the two (a test lowers them; a user raises the first).
MAX_RECORDS_ENV = "HYGIENE_MAX_RECORDS"
MIN_RECORD_BYTES_ENV = "HYGIENE_MIN_RECORD_BYTES"


@dataclass(frozen=True)
class RecordLimit:
    """At most `floor` records, or one per `min_bytes` bytes read when that is more."""

    floor: int = MAX_RECORDS
    min_bytes: int = MIN_RECORD_BYTES

    def allowed(self, bytes_read: int) -> int:
        """The most records `bytes_read` bytes may hold."""
        if self.min_bytes <= 0:
            return max(self.floor, bytes_read)  # every record takes a byte at least
        return max(self.floor, bytes_read // self.min_bytes)


def _int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{name}={env[name]!r}: give a whole number of 0 or more")
    return value


def record_limit(env: Mapping[str, str] | None = None) -> RecordLimit:
    """The limit in force: the defaults, or `HYGIENE_MAX_RECORDS` / `HYGIENE_MIN_RECORD_BYTES`."""
    env = os.environ if env is None else env
    return RecordLimit(
        floor=_int_setting(env, MAX_RECORDS_ENV, MAX_RECORDS),
        min_bytes=_int_setting(env, MIN_RECORD_BYTES_ENV, MIN_RECORD_BYTES),
    )


@dataclass(frozen=True)
class Read:
    """What one source's files gave: records, bytes read (unpacked for a ZIP), files."""

    records: int
    bytes_read: int
    paths: Sequence[Path]


def _size(n: int) -> str:
    return f"{n / 1024**2:,.1f} MB" if n >= 1024**2 else f"{n:,} bytes"


def check_records(reads: Sequence[Read], limit: RecordLimit | None = None) -> None:
    """InputError when the records of all sources together exceed what their bytes allow;
    it names the source whose records are thinnest (fewest bytes each)."""
    limit = limit or record_limit()
    records = sum(r.records for r in reads)
    bytes_read = sum(r.bytes_read for r in reads)
    if records <= limit.allowed(bytes_read):
        return
    worst = min(reads, key=lambda r: r.bytes_read / max(r.records, 1))
    where = ", ".join(str(p) for p in worst.paths) or "input"
    each = bytes_read / max(records, 1)
    raise InputError(
        where,
        f"{records:,} records in {_size(bytes_read)} read ({each:.1f} bytes a record); past "
        f"{limit.floor:,} records an audit needs {limit.min_bytes} bytes a record on average "
        "to keep its memory within 20 times the input (records this small suggest a wrong "
        "delimiter or a file that is not a contact export)",
        f"set {MAX_RECORDS_ENV}={records} to audit it anyway (about 2 KB of memory a record)",
    )
