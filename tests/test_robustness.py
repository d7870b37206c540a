"""Real-world breakage: every broken input either audits (bad data is a finding) or fails with
one line naming the file and the fix (exit 2). Never a traceback, never a hang."""

from __future__ import annotations

import json
import socket
import zipfile
from pathlib import Path

import pytest

from hygiene.cli import main
from tests.helpers import check_audit_json


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        code = main(["audit", *args, "--out", str(tmp_path / "out"), "--format", "json", "-q"])
    return code, err.getvalue()


def audited(tmp_path: Path) -> dict:
    path = tmp_path / "out" / "audit.json"
    check_audit_json(path)
    return json.loads(path.read_text(encoding="utf-8"))


CASES = {
    "nul_bytes": b"Email,Name\na@b.com,Ann\x00ie\nc@d.com,Bob\n",
    "stray_quotes": b'Email,Name\n"a@b.com,Ann\nc@d.com,"Bo"b"\n',
    "header_only": b"Email,First Name\n",
    "crlf_and_bom": b"\xef\xbb\xbfEmail,Name\r\na@b.com,Ann\r\n",
    "utf16": "Email,Name\na@b.com,Zoë\n".encode("utf-16"),
    "cp1252": "Email;Name\na@b.com;Zoë Müller\n".encode("cp1252"),
    "only_blank_lines": b"Email,Name\n\n\n\n",
    "ragged": b"Email,Name\na@b.com\nc@d.com,Bob,extra,more\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_but_readable_files_audit(tmp_path: Path, name: str):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(CASES[name])
    code, err = run(tmp_path, f"crm={path}")
    assert code == 0, err
    doc = audited(tmp_path)
    assert doc["sources"][0]["rows"] >= 0


def test_ten_megabyte_cell_and_ten_thousand_columns(tmp_path: Path):
    big = tmp_path / "big.csv"
    big.write_text("Email,Notes\na@b.com," + "x" * 10_000_000 + "\nc@d.com,short\n")
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("v" * 10_000) + "\n")
    assert run(tmp_path, f"big={big}", f"wide={wide}")[0] == 0
    doc = audited(tmp_path)
    assert [s["rows"] for s in doc["sources"]] == [2, 1]


@pytest.mark.parametrize(
    "name,content,problem",
    [
        ("empty.csv", b"", "empty"),
        ("report.csv", b"%PDF-1.4 junk", "PDF"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "ZIP"),
        ("notes.docx", b"hello", ""),
    ],
)
def test_unreadable_files_fail_with_one_line(tmp_path: Path, name: str, content: bytes, problem):
    path = tmp_path / name
    path.write_bytes(content)
    code, err = run(tmp_path, f"crm={path}")
    assert code == 2
    assert str(path) in err
    assert problem in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_and_directory(tmp_path: Path):
    code, err = run(tmp_path, f"crm={tmp_path / 'nope.csv'}")
    assert code == 2 and "nope.csv" in err
    code, err = run(tmp_path, f"crm={tmp_path}")
    assert code == 2 and str(tmp_path) in err


def test_zip_member_names_cannot_escape(tmp_path: Path):
    path = tmp_path / "audience.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../evil_members_export.csv", "Email Address\nx@y.com\n")
        z.writestr("/abs_members_export.csv", "Email Address\nx@y.com\n")
        z.writestr("subscribed_members_export_1.csv", "Email Address\nann@acme.com\n")
    assert run(tmp_path, f"esp={path}")[0] == 0
    doc = audited(tmp_path)
    assert doc["sources"][0]["rows"] == 1
    assert not (tmp_path.parent / "evil_members_export.csv").exists()


def test_inputs_are_never_written(tmp_path: Path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"Email,Name\nbad@,Ann\n")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    assert run(tmp_path, f"crm={path}")[0] == 0
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_outputs_are_readable_by_the_owner_only(tmp_path: Path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"Email,Name\nann@acme.com,Ann\n")
    assert run(tmp_path, f"crm={path}")[0] == 0
    mode = (tmp_path / "out" / "audit.json").stat().st_mode & 0o777
    assert mode == 0o600


def test_an_audit_opens_no_socket(tmp_path: Path, monkeypatch):
    """No network at run time unless --check-mx: any socket use fails this test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the audit tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"Email,Name,Phone\nann@acme.com,Ann,+14155552671\ninfo@gmial.com,Bo,12\n")
    code, err = run(tmp_path, f"crm={path}")
    assert code == 0, err
