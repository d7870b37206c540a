"""Output files are written atomically and readable by their owner only.

A run that is interrupted leaves either the previous file or none, never half of one; the
outputs hold personal data, so they are created with mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .errors import ConfigError

#: Mode of every output file: contact data is personal data.
OUTPUT_MODE = 0o600
#: Leading characters a spreadsheet reads as a formula (tab and CR can hide one); text
#: starting so is written as text in every CSV and workbook the tool writes.
FORMULA_START = r"^[=+\-@\t\r]"
#: Characters XML 1.0 cannot hold: C0 controls but tab, LF and CR, and U+FFFE / U+FFFF
#: (a workbook holding one is ill-formed: Excel and openpyxl refuse it). Spelt so that both
#: Python's re and RE2 (pyarrow's regex kernels) read it; surrogates cannot be Arrow text.
XML_ILLEGAL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\ufffe\uffff]"
_XML_ILLEGAL_PY = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA = re.compile(FORMULA_START)


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _XML_ILLEGAL_PY.sub("\ufffd", text)


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read `text` as a formula (or it hides one)."""
    return bool(_FORMULA.match(text))


@contextlib.contextmanager
def atomic_write(path: Path | str, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, OUTPUT_MODE)
        if "b" not in mode:
            kwargs.setdefault("encoding", "utf-8")
            kwargs.setdefault("newline", "")
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_path(path: Path | str) -> contextlib.AbstractContextManager[Path]:
    """For writers that want a file name (openpyxl): yields a temporary path, renamed on success."""
    return _atomic_path(Path(path))


@contextlib.contextmanager
def temp_beside(target: Path) -> Iterator[Path]:
    """A temporary file beside `target` (one file system, so renaming it over `target` is
    atomic), made readable by the user only once the block succeeds, removed if it fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, OUTPUT_MODE)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    with temp_beside(target) as tmp_path:
        yield tmp_path
    try:
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def refuse_inputs(outputs: Iterable[Path], inputs: Iterable[Path | str]) -> None:
    """ConfigError when an output would overwrite an input (an export kept in the --out
    folder under an output's name): inputs are never written to."""
    ins = {Path(p).resolve() for p in inputs}
    for out in outputs:
        if Path(out).resolve() in ins:
            raise ConfigError(f"{out}: is an input file; choose another --out folder")
