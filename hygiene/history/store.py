"""The history database: where it lives, how it is opened, and its schema with migrations.

One SQLite file holds every audit. It is opened in WAL mode with a busy timeout so a cron job
and a person running `hygiene audit` at the same moment both get their run recorded; each run
is written in one `BEGIN IMMEDIATE` transaction. `PRAGMA user_version` is the schema version;
`migrate` brings an older file up to date and refuses a newer one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..errors import ConfigError
from ..fileio import OUTPUT_MODE
from ..outputs import default_history_path as default_history_path

#: Mode of a history folder we create: the database holds scores of personal data.
DIR_MODE = 0o700
#: How long a writer waits for another writer's transaction before giving up (milliseconds).
BUSY_TIMEOUT_MS = 60_000

#: A migration: brings the schema from version (index) to version (index + 1).
Migration = Callable[[sqlite3.Connection], None]

# runs: one row per audit; source_set is "name:platform,..." sorted, workflows a JSON list;
#   previous_id, new_findings and fixed_findings compare it with the run it was compared to.
# sources, inputs (path, size, sha256), dimension_scores, workflow_scores, code_counts: per run.
# finding_ids: per run and code, `ids` holds the sorted distinct identity hashes as
#   little-endian int64 (numpy.frombuffer(ids, "<i8")); see hygiene.history.identity.
_SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    generated_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source_set TEXT NOT NULL,
    overall REAL NOT NULL,
    grade TEXT NOT NULL,
    records INTEGER NOT NULL,
    findings INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    workflows TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    previous_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    new_findings INTEGER,
    fixed_findings INTEGER
);
CREATE INDEX runs_by_source_set ON runs (source_set, id);
CREATE TABLE sources (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
CREATE INDEX sources_by_name ON sources (name);
CREATE TABLE inputs (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX inputs_by_run ON inputs (run_id);
CREATE TABLE dimension_scores (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (run_id, dimension)
) WITHOUT ROWID;
CREATE TABLE workflow_scores (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    workflow TEXT NOT NULL,
    score REAL NOT NULL,
    ready INTEGER NOT NULL,
    PRIMARY KEY (run_id, workflow)
) WITHOUT ROWID;
CREATE TABLE code_counts (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    findings INTEGER NOT NULL,
    PRIMARY KEY (run_id, code, severity)
) WITHOUT ROWID;
CREATE TABLE finding_ids (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    identities INTEGER NOT NULL,
    ids BLOB NOT NULL,
    PRIMARY KEY (run_id, code)
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('identity_hash', 'siphash24-pandas/utf8-x1f-joined');
"""


def _v1(conn: sqlite3.Connection) -> None:
    """Version 1: runs, their sources, inputs, scores, counts per code and finding identities."""
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)


# Version 2: the line each workflow was judged against (a gated run scores its workflows at
# the gate's threshold), the gate itself, and an index for "the last run of these sources
# and these workflows". Runs recorded before it read back with NULL there.
_SCHEMA_V2 = """
ALTER TABLE workflow_scores ADD COLUMN ready_at REAL;
ALTER TABLE workflow_scores ADD COLUMN status TEXT;
ALTER TABLE runs ADD COLUMN gate_threshold REAL;
ALTER TABLE runs ADD COLUMN gate_passed INTEGER;
CREATE INDEX runs_by_kind ON runs (source_set, workflows, id);
"""


def _v2(conn: sqlite3.Connection) -> None:
    """Version 2: each workflow's line and status, the run's gate, runs by sources and
    workflows."""
    for statement in _SCHEMA_V2.split(";"):
        if statement.strip():
            conn.execute(statement)


# Version 3: what each source's data was (hygiene.history.snapshot.Dataset): a run is
# compared only with an earlier run of the same datasets, not of the same source names.
# `keys` holds the sorted key hashes as little-endian int64, `distinct` how many keys the
# source had, `columns` its column map as JSON. Runs recorded before have no rows here and
# are compared with nothing (nothing says which data they audited).
_SCHEMA_V3 = """
CREATE TABLE datasets (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    distinct_keys INTEGER NOT NULL,
    keys BLOB NOT NULL,
    columns TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
"""


def _v3(conn: sqlite3.Connection) -> None:
    """Version 3: each source's dataset identity."""
    conn.execute(_SCHEMA_V3)


#: MIGRATIONS[i] takes a database from schema version i to i + 1; append, never edit.
MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3)
SCHEMA_VERSION = len(MIGRATIONS)


def _prepare_file(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600) unless they exist."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
        # mkdir's mode is filtered by the umask; the folder must not be group readable.
        os.chmod(folder, DIR_MODE)
    # SQLite gives the -wal and -shm files the mode of the database file, so 0600 here
    # keeps all three private. O_CREAT without O_EXCL: a concurrent creator is harmless.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, OUTPUT_MODE)
    os.close(fd)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the schema up to `len(migrations)` in one transaction; returns the version.

    A file written by a newer crm-hygiene is refused rather than guessed at.
    """
    target = len(migrations)
    with transaction(conn):
        current = schema_version(conn)
        if current > target:
            raise ConfigError(
                f"history schema {current} is newer than this crm-hygiene reads ({target}); "
                "upgrade crm-hygiene or give another --history"
            )
        for version in range(current, target):
            migrations[version](conn)
        if current != target:
            # PRAGMA takes no parameters; `target` is an int we computed.
            conn.execute(f"PRAGMA user_version = {int(target)}")
    return target


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so two writers queue
    (busy_timeout) instead of failing on a lock upgrade half-way through."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (kept in the file once set). The switch needs the exclusive
    lock, and SQLite answers "database is locked" at once, without its busy handler, when
    another connection is making the same switch (several audits opening a new history):
    tried again until the busy timeout, as a writer would wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def connect(path: Path | str, create: bool = True) -> sqlite3.Connection:
    """Open (and create, migrate) the history at `path`, in WAL mode with a busy timeout.

    Unreadable or foreign files become a one-line `ConfigError` naming the file.
    """
    db = Path(path)
    if not db.exists():
        if not create:
            raise ConfigError(f"{db}: no history there; run `hygiene audit` first or give --db")
        try:
            _prepare_file(db)
        except OSError as exc:
            raise ConfigError(
                f"{db}: cannot create the history ({exc.strerror}); give another --history"
            ) from exc
    elif db.is_dir():
        raise ConfigError(f"{db}: is a folder; give the history database file")
    try:
        conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise ConfigError(f"{db}: cannot open the history ({exc})") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(conn)
        # In WAL mode NORMAL never corrupts; a power cut may lose the last run, not the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise ConfigError(f"{db}: history not updated ({exc})") from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ConfigError(
            f"{db}: not a crm-hygiene history ({exc}); give another --history"
        ) from exc
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def opened(path: Path | str, create: bool = True) -> Iterator[sqlite3.Connection]:
    """`connect` as a context manager that closes the connection and turns SQLite errors
    into a one-line `ConfigError` naming the file."""
    conn = connect(path, create)
    try:
        yield conn
    except sqlite3.Error as exc:
        # A lock held past the busy timeout, a read-only file, a full disk: one line, exit 2.
        raise ConfigError(f"{path}: history not updated ({exc})") from exc
    finally:
        conn.close()
