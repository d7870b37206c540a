"""Mailchimp audience export ZIPs: the member CSVs inside, and the status their names tell."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ..errors import InputError
from .csvread import read_csv_bytes
from .table import Table

#: Refuse archives that unpack to more than this (a zip bomb, or not an audience export).
MAX_UNPACKED = 2 * 1024**3
#: ... or to more than this many times their own size: member CSVs of real audiences
#: deflate 4-10x, a ZIP bomb several hundred times. Under `RATIO_FLOOR` the ratio is not
#: applied (a small archive of a very repetitive list is harmless).
MAX_RATIO = 100
RATIO_FLOOR = 64 * 1024**2
MEMBER_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})

# "subscribed_members_export_8f3a.csv", "cleaned_members_export_...", "nonsubscribed_...",
# or a status alone ("unsubscribed.csv"); not "cleaned_crm.csv", which `hygiene clean` writes.
_STATUS = re.compile(
    r"^(unsubscribed|subscribed|cleaned|non[-_ ]?subscribed|pending|transactional|archived)"
    r"(?=$|\.|[-_ ]members)",
    re.IGNORECASE,
)


def status_from_name(name: str) -> str | None:
    """The Mailchimp member status a file name tells ("subscribed", "cleaned", ...), if any."""
    m = _STATUS.match(PurePosixPath(name.replace("\\", "/")).name)
    if not m:
        return None
    return re.sub(r"[-_ ]", "", m.group(1).lower())


def is_workbook_zip(path: Path | BinaryIO) -> bool:
    """True for an XLSX/XLSM/ODS (a ZIP of XML parts) rather than an archive of CSVs."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names or "mimetype" in names and "content.xml" in names


def read_zip(
    path: Path, limit: int = MAX_UNPACKED, source: BinaryIO | None = None
) -> list[Table]:
    """One table per member CSV (in archive order); other members are ignored.

    `source` is the archive already opened (read from it, not from `path`).
    """
    try:
        zf = zipfile.ZipFile(source if source is not None else path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(path, "not a readable ZIP archive", "download the export again") from exc
    with zf:
        members = [i for i in zf.infolist() if _is_member_csv(i)]
        if not members:
            raise InputError(
                path,
                "the ZIP holds no CSV files",
                "give the Mailchimp audience export ZIP or its CSVs",
            )
        limit = unpack_limit(zf, limit)
        too_big = InputError(
            path,
            f"the archive unpacks to more than {_size(limit)} (a ZIP bomb?)",
            "unzip it and give the CSV files one by one",
        )
        if sum(i.file_size for i in members) > limit:
            raise too_big
        tables, budget = [], limit
        for info in members:
            try:
                with zf.open(info) as fh:
                    data = fh.read(budget + 1)  # the sizes in a ZIP header can lie
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise InputError(
                    f"{path}/{info.filename}",
                    "cannot unpack this member",
                    "download the export again",
                ) from exc
            budget -= len(data)
            if budget < 0:
                raise too_big
            if not data.strip():
                continue  # Mailchimp writes an empty file for a status with no members
            shown = f"{path.name}/{info.filename}"
            tables.append(read_csv_bytes(data, shown, f"{path}/{info.filename}"))
    if not tables:
        raise InputError(path, "every CSV in the ZIP is empty", "export the audience again")
    return tables


def unpack_limit(zf: zipfile.ZipFile, limit: int = MAX_UNPACKED) -> int:
    """The most bytes the archive's members may unpack to: `limit`, and at most `MAX_RATIO`
    times the archive's size once that exceeds `RATIO_FLOOR`."""
    fp = zf.fp
    if fp is None:
        return limit
    here = fp.tell()
    size = fp.seek(0, 2)
    fp.seek(here)
    return min(limit, max(RATIO_FLOOR, MAX_RATIO * size))


def _size(n: int) -> str:
    return f"{n / 1024**3:g} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def _is_member_csv(info: zipfile.ZipInfo) -> bool:
    name = info.filename.replace("\\", "/")
    if info.is_dir() or name.startswith("/") or ".." in name or re.match(r"^[A-Za-z]:", name):
        return False  # path traversal, absolute paths: never read
    leaf = PurePosixPath(name).name
    if name.startswith("__MACOSX/") or leaf.startswith("._"):
        return False
    return PurePosixPath(leaf).suffix.lower() in MEMBER_EXTENSIONS
