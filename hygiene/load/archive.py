"""Mailchimp audience export ZIPs: the member CSVs inside, and the status their names tell."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pandas as pd

from ..errors import InputError
from ..normalize.nulls import nullify
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

# Status words a member file's name may carry anywhere ("subscribed_members_export_8f3a.csv",
# "mailchimp_unsubscribed.csv", "audience-cleaned.csv"), by the key they mean.
_STATUS_WORDS = {
    "unsubscribed": "unsubscribed",
    "subscribed": "subscribed",
    "cleaned": "cleaned",
    "nonsubscribed": "nonsubscribed",
    "pending": "pending",
    "transactional": "transactional",
    "archived": "archived",
}
_TOKEN = re.compile(r"[a-z]+")
_KEY = re.compile(r"[\W_]+")


def status_from_name(name: str) -> str | None:
    """The Mailchimp member status a file name tells ("subscribed", "cleaned", ...), if any.

    A status word counts anywhere in the name, as a word of its own ("non subscribed" is one);
    a name with two different status words tells nothing. "cleaned_crm.csv", which
    `hygiene clean` writes, is not a cleaned member file: a leading "cleaned" counts only when
    "members" follows it, as in Mailchimp's own "cleaned_members_export_....csv".
    """
    leaf = PurePosixPath(name.replace("\\", "/")).name
    stem = leaf.rsplit(".", 1)[0] if "." in leaf else leaf
    words = _TOKEN.findall(stem.lower())
    found: set[str] = set()
    for i, word in enumerate(words):
        if word == "subscribed" and i and words[i - 1] in ("non", "un"):
            word = words[i - 1] + word
        if word == "cleaned" and i == 0 and words[1:2] != ["members"]:
            continue
        if word in _STATUS_WORDS:
            found.add(_STATUS_WORDS[word])
    return found.pop() if len(found) == 1 else None


#: Columns whose filled cells tell a member's status whatever the file is called (Mailchimp's
#: unsubscribed and cleaned exports), by header key, in the order they win.
STATUS_COLUMNS = (("cleantime", "cleaned"), ("unsubtime", "unsubscribed"))


def status_from_content(data: pd.DataFrame) -> pd.Series | None:
    """Per row, the status a member file's own columns tell (UNSUB_TIME set: unsubscribed,
    CLEAN_TIME set: cleaned), missing where they tell nothing; None without such columns."""
    by_key = {_KEY.sub("", str(c).casefold()): c for c in data.columns}
    found = [(by_key[k], status) for k, status in STATUS_COLUMNS if k in by_key]
    if not found:
        return None
    out = pd.Series(None, index=data.index, dtype=object)
    for column, status in reversed(found):
        filled = nullify(data[column]).notna().to_numpy(dtype=bool)
        out[filled] = status
    return out


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
            table = read_csv_bytes(data, shown, f"{path}/{info.filename}")
            table.bytes_read = len(data)
            tables.append(table)
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
