"""Open an input once and read what the loader needs from that one handle.

A regular file is opened once: its first bytes tell its kind, and the rest is read (or the
workbook/archive is parsed) from the same handle. Anything else a path can name is either
read once, fully and within `MAX_PIPED` bytes (a pipe, process substitution `<(...)`,
`/dev/stdin`, `-` for standard input), or refused with a one-line reason (a folder, a
device such as /dev/zero or a terminal, a socket, a pipe nobody writes to). A pipe cannot be
read twice: sniffing a head and opening the path again loses that head.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError

#: The most bytes read from a pipe or standard input (1 GiB); more is refused.
MAX_PIPED = 1 << 30
#: The path that names standard input.
STDIN = "-"
#: How much of an input tells its kind (magic bytes, BOM, binary content).
HEAD = 8192
_CHUNK = 1 << 22
_PERMISSIONS = "check the file's permissions"
_NOT_FOUND = {
    errno.ENOENT: ("file not found", "check the path and the file name"),
    errno.ELOOP: ("the path is a symlink loop", "point the link at the export file"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "check the path"),
    errno.ENAMETOOLONG: ("the path is too long", "move the file to a shorter path"),
    errno.EACCES: ("permission denied", _PERMISSIONS),
}


@dataclass
class Input:
    """An input as opened: its first bytes, and either the open regular file (`handle`,
    positioned anywhere: readers seek) or every byte of a stream (`data`)."""

    path: Path
    head: bytes
    handle: BinaryIO | None = None
    data: bytes | None = None

    def read_all(self) -> bytes:
        """Every byte of the input, read from the one handle (never by opening the path again)."""
        if self.data is not None:
            return self.data
        assert self.handle is not None
        self.handle.seek(0)
        try:
            return self.handle.read()
        except OSError as exc:
            raise InputError(self.path, f"cannot read ({exc.strerror})", _PERMISSIONS) from exc

    def file(self) -> BinaryIO:
        """A seekable binary file over the input, at its start (for ZIP and workbook readers)."""
        if self.handle is not None:
            self.handle.seek(0)
            return self.handle
        return io.BytesIO(self.data or b"")

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def open_input(path: Path, limit: int = MAX_PIPED) -> Input:
    """Open `path` (or standard input for "-") once; InputError with the reason otherwise."""
    if str(path) == STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None or sys.stdin.isatty():
            raise InputError(
                "-", "standard input is a terminal", "pipe the export in: ... crm=- < export.csv"
            )
        return _stream(path, stream, limit, "standard input")
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _stat_error(path, exc) from exc
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(path, "is a folder, not a file", "give the export file inside it")
    if stat.S_ISREG(mode):
        return _regular(path)
    if stat.S_ISFIFO(mode):
        return _fifo(path, limit)
    what = "a device (such as /dev/zero or a terminal)"
    if stat.S_ISSOCK(mode):
        what = "a socket"
    raise InputError(path, f"is {what}, not an export file", "give a CSV, XLSX or ZIP file")


def _stat_error(path: Path, exc: OSError) -> InputError:
    problem, fix = _NOT_FOUND.get(
        exc.errno or 0, (f"cannot open ({exc.strerror})", "check the path")
    )
    return InputError(path, problem, fix)


def _regular(path: Path) -> Input:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the caller (Input.close)
    except OSError as exc:
        if exc.errno in _NOT_FOUND:
            raise _stat_error(path, exc) from exc
        raise InputError(path, f"cannot read ({exc.strerror})", _PERMISSIONS) from exc
    try:
        head = fh.read(HEAD)
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise InputError(path, "changed while it was opened", "give a regular file")
    except OSError as exc:
        fh.close()
        raise InputError(path, f"cannot read ({exc.strerror})", _PERMISSIONS) from exc
    except BaseException:
        fh.close()
        raise
    return Input(path, head, handle=fh)


def _fifo(path: Path, limit: int) -> Input:
    """A named pipe or `<(...)`: opened without waiting for a writer, then read to its end.

    Opening a FIFO for reading blocks until some process opens it for writing; with
    O_NONBLOCK it returns at once, and with no writer the first read is the end of file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(path, f"cannot open the pipe ({exc.strerror})", _PERMISSIONS) from exc
    os.set_blocking(fd, True)  # a writer is there (or never will be): wait for its data
    with os.fdopen(fd, "rb", buffering=0) as fh:
        return _stream(path, fh, limit, "the pipe")


def _stream(path: Path, fh: BinaryIO, limit: int, what: str) -> Input:
    """Every byte of a stream, refused past `limit`; nothing at all is refused too."""
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = fh.read(min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputError(
                    path,
                    f"{what} gives more than {limit / 1024**3:g} GiB",
                    "save the export to a file and give its path",
                )
    except OSError as exc:
        raise InputError(path, f"cannot read {what} ({exc.strerror})", "give a file") from exc
    if not total:
        raise InputError(
            path,
            f"nothing came through {what}",
            "check that a program writes to it, or give the export file itself",
        )
    data = b"".join(chunks)
    del chunks
    return Input(path, data[:HEAD], data=data)


def shown_name(path: Path) -> str:
    """The file name provenance shows: "stdin" for standard input, else the path's name."""
    return "stdin" if str(path) == STDIN else path.name
