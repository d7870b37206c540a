"""Inputs that are not plain files, and paths that are odd: each is read once and whole, or
refused with one line (exit 2). Every file here is built by the test."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hygiene.cli import main
from hygiene.errors import InputError
from hygiene.load import SourceSpec, load_source
from hygiene.load.archive import MAX_RATIO, RATIO_FLOOR
from hygiene.load.inputs import open_input
from hygiene.load.table import MAX_COLUMNS

HEADER = ["Email", "First Name", "Last Name", "Phone"]


def contacts(n: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for i in range(n):
        phone = f"+1 415 555 {i % 10000:04d}"
        w.writerow([f"person{i}@corp{i % 7}.io", f"Ann{i}", f"Lee{i}", phone])
    return out.getvalue().encode()


def run(*args: str) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def pipe_path(data: bytes) -> Iterator[str]:
    """A /dev/fd/N path reading `data` from a pipe, as bash's <(...) gives."""
    r, w = os.pipe()

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), os.fdopen(w, "wb") as fh:
            fh.write(data)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        yield f"/dev/fd/{r}"
    finally:
        t.join(5)
        with contextlib.suppress(OSError):
            os.close(r)


def accounted(out: str) -> tuple[int, int]:
    """(rows in, rows in the cleaned file) from clean's accounting line."""
    m = re.search(r"([\d,]+) rows? in = .*; ([\d,]+) rows? in cleaned file", out)
    assert m, out
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def cleaned_rows(out: Path, name: str = "crm") -> list[list[str]]:
    with open(out / f"cleaned_{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("rows", [5, 400])  # under and over the 8 KB head
def test_process_substitution_reads_every_row_and_the_header(tmp_path: Path, rows: int) -> None:
    with pipe_path(contacts(rows)) as path:
        code, out, err = run("clean", f"crm={path}", "--out", str(tmp_path / "o"))
    assert code == 0, err
    got = cleaned_rows(tmp_path / "o")
    assert accounted(out) == (rows, len(got) - 1)  # every row read, the header not a row
    assert "Email" in " ".join(got[0])
    summary = json.loads((tmp_path / "o" / "clean_summary.json").read_text())
    assert "person0@corp0.io" not in " ".join(got[0])  # the header is not a data row
    assert json.dumps(summary).count(str(rows)) >= 1


def test_dash_reads_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(contacts(300)), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, err = run("clean", "crm=-", "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert accounted(out) == (300, len(cleaned_rows(tmp_path / "o")) - 1)


def test_dev_stdin_from_a_pipe_in_a_real_process(tmp_path: Path) -> None:
    data = contacts(400)
    proc = subprocess.run(
        [sys.executable, "-m", "hygiene", "clean", "crm=/dev/stdin", "--out", str(tmp_path / "o")],
        input=data, capture_output=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert accounted(proc.stdout.decode()) == (400, len(cleaned_rows(tmp_path / "o")) - 1)


def test_a_stream_past_the_limit_is_refused(tmp_path: Path) -> None:
    with pipe_path(contacts(20_000)) as path, pytest.raises(InputError, match="more than"):
        open_input(Path(path), limit=64 * 1024)


def test_an_empty_pipe_is_refused() -> None:
    with pipe_path(b"") as path, pytest.raises(InputError, match="nothing came through"):
        open_input(Path(path))


def test_fifo_without_a_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "hygiene", "audit", f"crm={fifo}", "--out", str(tmp_path / "o"),
         "--no-history", "-q"],
        capture_output=True, timeout=120, check=False, text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "nothing came through the pipe" in proc.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused(tmp_path: Path, device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    code, _, err = run("audit", f"crm={device}", "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2
    assert err.count("\n") == 1 and "is a device" in err


def test_symlink_loop_is_named(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    code, _, err = run("audit", str(a), "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2 and "symlink loop" in err and err.count("\n") == 1


def test_newline_in_a_path_stays_one_line(tmp_path: Path) -> None:
    code, _, err = run("audit", str(tmp_path / "bad\nname.csv"), "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.count("\n") == 1 and "bad\\nname.csv" in err


@pytest.mark.parametrize("line", [b"sep=;", b'"sep=;"', b"SEP=;"])
def test_excel_sep_line_names_the_delimiter(tmp_path: Path, line: bytes) -> None:
    path = tmp_path / "excel.csv"
    body = b"Email;First Name;Last Name\r\nann@x.org;Ann;Lee\r\nbo@y.org;Bo;Ray\r\n"
    path.write_bytes(line + b"\r\n" + body)
    src = load_source(SourceSpec("c", (str(path),)))
    assert list(src.data.columns) == ["Email", "First Name", "Last Name"]
    assert src.data["Email"].tolist() == ["ann@x.org", "bo@y.org"]
    assert src.columns["Email"] == "email"


def test_real_xls_named_xlsx_is_read(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Contacts")
    for j, h in enumerate(["Email", "First Name"]):
        sheet.write(0, j, h)
    sheet.write(1, 0, "ann@example.org")
    sheet.write(1, 1, "Ann")
    path = tmp_path / "legacy.xlsx"
    book.save(str(path))
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # OLE2, not a ZIP
    src = load_source(SourceSpec("c", (str(path),)))
    assert src.data["Email"].tolist() == ["ann@example.org"]


def test_more_columns_than_a_sheet_holds_are_refused(tmp_path: Path) -> None:
    n = MAX_COLUMNS + 2000  # past openpyxl's 18,278 too
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("x" * n) + "\n")
    code, _, err = run("audit", str(path), "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2 and f"{n:,} columns" in err and err.count("\n") == 1


def _bomb(path: Path, size: int) -> None:
    row = b"a@b.co,x\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(
        "subscribed_members_export_1.csv", "w", force_zip64=True
    ) as fh:
        fh.write(b"Email Address,First Name\n")
        chunk = row * (1 << 16)
        for _ in range(size // len(chunk)):
            fh.write(chunk)


def test_zip_bomb_under_the_2gb_guard_is_refused_with_little_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "audience.zip"
    _bomb(bomb, 400 * 1024**2)  # 400 MB unpacked: a few hundred KB packed
    assert bomb.stat().st_size * MAX_RATIO < 400 * 1024**2
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, "-m", "hygiene", "audit", f"esp={bomb}", "--out", str(tmp_path / "o"),
         "--no-history", "-q"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert proc.returncode == 2 and "ZIP bomb" in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert max(peak_kb, before) < 2 * 1024**2  # KB: under 2 GB


def test_a_small_repetitive_archive_under_the_floor_still_reads(tmp_path: Path) -> None:
    bomb = tmp_path / "audience.zip"
    _bomb(bomb, 1024**2)
    assert 1024**2 < RATIO_FLOOR
    src = load_source(SourceSpec("esp", (str(bomb),)))
    assert len(src.data) == (1024**2 // (9 << 16)) * (1 << 16)
