"""Tell what a file is from its bytes: its kind, its text encoding, its CSV delimiter.

The extension is only a hint: an XLSX saved as `.csv` is still read as a workbook.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from pathlib import Path

import charset_normalizer
import numpy as np
import pyarrow as pa

from ..errors import InputError

CSV_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".tab", ""})
EXCEL_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
DELIMITERS = (",", ";", "\t", "|")
EXPORT_AS_CSV = "export the list as CSV or XLSX"
EMPTY = ("the file is empty", "export the list again, with its header row")

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: legacy .xls, or an encrypted .xlsx
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"SQLite format 3": "an SQLite database",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE = 1 << 16


def sniff_kind(path: Path, head: bytes) -> str:
    """ "csv", "workbook", "zip" or "encrypted" from the first bytes; InputError for others."""
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_CFB_MAGIC):
        return "encrypted" if _ENCRYPTED in head else "workbook"
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise InputError(path, f"is {what}, not a contact export", EXPORT_AS_CSV)
    ext = path.suffix.lower()
    if ext not in CSV_EXTENSIONS | EXCEL_EXTENSIONS:
        raise InputError(
            path,
            f"unsupported file type {ext!r}",
            "give a CSV/TSV/TXT, an XLSX/XLSM workbook or a Mailchimp audience ZIP",
        )
    return "csv"


def to_utf8(data: bytes, path: object) -> tuple[bytes, str]:
    """The text as UTF-8 bytes (no BOM) and the encoding it was read in.

    Fast path: ASCII or strict UTF-8 passes through without a copy.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            if enc == "utf-8-sig":
                body = data[len(bom) :]
                if _is_utf8(body):
                    return body, "utf-8-sig"
                break  # a UTF-8 BOM before non-UTF-8 bytes: let detection decide
            return _recode(data, enc, path), enc
    # ASCII letters in UTF-16 are ASCII bytes with NULs between them, which is also valid
    # UTF-8: looked for first.
    wide = _utf16_without_bom(data[:_SAMPLE])
    if wide is not None:
        return _recode(data, wide, path), wide
    if _is_utf8(data):
        return data, "utf-8"
    enc = _guess_single_byte(data, path)
    return _recode(data, enc, path), enc


def _is_utf8(data: bytes) -> bool:
    """Strict UTF-8 check by Arrow's validator, without building a Python str: no copy,
    where bytes.decode builds a str of one to four times the file's size, and faster."""
    if data.isascii():
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    blob = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        blob.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _recode(data: bytes, enc: str, path: object) -> bytes:
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(
            path, f"cannot decode the text as {enc}", "save it again as UTF-8 CSV"
        ) from exc
    return text.lstrip("\ufeff").encode("utf-8")


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a BOM: every other byte of ASCII-heavy text is NUL."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


# Runs of 3+ non-ASCII characters: real Western text has accents inside ASCII words ("Müller",
# "São"), Cyrillic/Greek/CJK misread as cp1252 has whole words of them ("Èâàí").
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{3,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _guess_single_byte(data: bytes, path: object) -> str:
    """The legacy encoding of non-UTF-8 text: cp1252 when it reads as Western text.

    Hand-written first step because charset-normalizer, on the short samples of a typical
    export, named cp1250, cp775 or big5 for cp1252 text ("Zoë Müller", "“quotes” €5",
    "Ångström"); it is still asked when the text does not read as Western.
    """
    sample = data[: _SAMPLE * 4]
    if b"\x00" in sample:
        raise InputError(path, "is not a text file (binary content)", EXPORT_AS_CSV)
    for enc in ("cp1252", "latin-1"):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        accented = len(_NON_ASCII.findall(text))
        in_runs = sum(len(m) for m in _NON_ASCII_RUN.findall(text))
        if accented and in_runs <= 0.2 * accented:
            return enc
        break
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise InputError(
            path, "cannot tell the text encoding", "save it again as UTF-8 CSV (Excel: CSV UTF-8)"
        )
    return str(best.encoding)


def detect_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the sample's records most consistently.

    Score: share of records with the most common cell count above 1, halved when the
    header has another count; a delimiter that leaves most records one cell wide counts
    only if it splits the header, and none counts that leaves the header whole when
    another splits it. Records are parsed as CSV (a quoted cell may hold a line
    break), and only CR/LF end a line: str.splitlines would also break at \x1c, \x85 and
    other characters that junk cells carry. Measured against clevercsv's Detector and
    csv.Sniffer in benchmarks/load_speed.py: as right on its corpus, and faster (figures in
    benchmarks/RESULTS.md).
    """
    best, best_score = ",", 0.0
    parsed = {delim: [len(r) for r in sample_records(sample, delim)] for delim in DELIMITERS}
    # The header names the columns: when some delimiter splits it, one that leaves it whole
    # is wrong, however consistently it splits junk cells below (";" in a comma file).
    header_splits = any(w and w[0] > 1 for w in parsed.values())
    for delim in DELIMITERS:
        widths = parsed[delim]
        wide = Counter(w for w in widths if w > 1)
        if not wide or (header_splits and widths[0] < 2):
            continue
        mode, count = wide.most_common(1)[0]
        # Most records of one cell only count against a delimiter when the header is one
        # cell too: a short sample of junk rows under a real header still splits by it.
        if Counter(widths).most_common(1)[0][0] < 2 and widths[0] < 2:
            continue
        score = count / len(widths) * (1.0 if widths[0] == mode else 0.5)
        if score > best_score:
            best, best_score = delim, score
    return best


def sample_records(sample: str, delim: str, limit: int = 200) -> list[list[str]]:
    """Up to `limit` non-blank CSV records of the sample (a last record cut by the sample's
    end is dropped)."""
    complete = sample.endswith(("\n", "\r"))
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delim)
    out: list[list[str]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                out.append(row)
            if len(out) > limit:
                break
    except csv.Error:
        return []
    if not complete and len(out) > 1 and len(out) <= limit:
        out = out[:-1]
    return out[:limit]


def first_record(text: str, delim: str) -> list[str]:
    """The first non-blank CSV record of the text (the header), quotes and all."""
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                return row
    except csv.Error:
        pass
    return []
