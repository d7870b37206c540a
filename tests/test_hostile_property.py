"""Hostile input, as properties: arbitrary bytes, encodings, delimiters, quoting and header
names (the Big List of Naughty Strings, characters XML forbids, formula starts) go through
load, audit and clean, and for every one of them:

- the exit code is 0, 1 or 2, and stderr holds no traceback (one line when it is 2);
- every output parses: audit.json (the contract checker), review.xlsx (openpyxl), report.html
  (html.parser, with exactly one script: the report's own);
- no cell or header of a CSV or XLSX output starts a formula;
- every input row is accounted for (the audit's row count, clean's accounting line);
- the input is byte-identical afterwards;
- under --redact no name, email or phone of the input is in any output: report.html,
  review.xlsx, summary.md or audit.json.

Published cases: tests/data/README.md (BLNS, csv-spectrum). Example counts come from a
settings profile: HYGIENE_HOSTILE_PROFILE=thorough runs more.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import io
import json
import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.cli import main
from hygiene.errors import InputError
from hygiene.load import SourceSpec, load_source
from tests.helpers import check_audit_json

DATA = Path(__file__).parent / "data"
BLNS = [
    line
    for line in (DATA / "blns" / "blns.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]

settings.register_profile(
    "hostile", max_examples=4, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
settings.register_profile(
    "hostile-thorough", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
PROFILE = settings.get_profile(
    "hostile-thorough" if os.environ.get("HYGIENE_HOSTILE_PROFILE") == "thorough" else "hostile"
)
#: Loading alone is cheap: more examples.
LOAD_PROFILE = settings(PROFILE, max_examples=PROFILE.max_examples * 10)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XML_FORBIDDEN = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"]

naughty = st.sampled_from(BLNS)
forbidden = st.sampled_from(XML_FORBIDDEN)
text = st.one_of(
    naughty,
    st.text(max_size=12),
    st.builds(lambda p, t: p + t, st.sampled_from(FORMULA_STARTS), naughty),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=4), forbidden, naughty),
)


def run(*args: str) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def finished(code: int, err: str, out: Path) -> bool:
    """A run ended as a run may: exit 0 or 1 with no traceback and outputs that parse
    (True), or exit 2 with a one-line error (False)."""
    assert code in (0, 1, 2), err
    if code == 2:
        one_line_error(err)
        return False
    assert "Traceback" not in err and "Exception ignored" not in err, err
    check_outputs(out)
    return True


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_formula(value: object) -> bool:
    """Text a spreadsheet runs as a formula; signed numbers (+1 415..., -12.50) are data."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return False
    return not re.fullmatch(r"[+\-][0-9][0-9 ().\-/]*", value)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1


def check_outputs(out: Path) -> None:
    """Every output in `out` parses, holds no formula and (the page) only its own script."""
    if (out / "audit.json").exists():
        check_audit_json(out / "audit.json")
    if (out / "review.xlsx").exists():
        wb = openpyxl.load_workbook(out / "review.xlsx")
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (ws.title, cell.value)
                    assert not is_formula(cell.value) or cell.quotePrefix, (ws.title, cell.value)
    if (out / "report.html").exists():
        parser = _Scripts()
        parser.feed((out / "report.html").read_text(encoding="utf-8"))
        assert parser.scripts == 1
    for path in out.glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            for record in csv.reader(fh):
                assert not [v for v in record if is_formula(v)], (path.name, record)


def one_line_error(err: str) -> None:
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.count("\n") == 1 and err.startswith("hygiene: "), err


@st.composite
def hostile_csv(draw: st.DrawFn) -> tuple[bytes, int]:
    """(file bytes, data records written). Every record has an email-like first cell, so
    none is blank; the other cells and the headers are hostile."""
    extra = draw(st.lists(text, min_size=1, max_size=4))
    n = draw(st.integers(min_value=1, max_value=6))
    rows = [[f"p{i}@d{i}.io", *draw(st.lists(text, min_size=len(extra), max_size=len(extra)))]
            for i in range(n)]  # fmt: skip
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    if newline == "\n" and any("\r" in c for c in [*extra, *(c for r in rows for c in r)]):
        # csv.writer leaves a bare CR unquoted when lines end in LF: every reader (Excel,
        # pyarrow) then sees a line break there, so the file holds more records than written.
        quoting = csv.QUOTE_ALL
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    w.writerow(["Email", *extra])
    w.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return buf.getvalue().encode(encoding, errors="replace"), n


#: First bytes that send the loader down each of its paths: ZIP, OLE2 (XLS or encrypted),
#: UTF-8 BOM, UTF-16 BOM, gzip.
MAGIC = [b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
         b"\xff\xfe", b"\x1f\x8b", b""]  # fmt: skip
some_bytes = st.builds(lambda m, b: m + b, st.sampled_from(MAGIC), st.binary(max_size=2048))


@LOAD_PROFILE
@given(data=some_bytes, ext=st.sampled_from([".csv", ".txt", ".xlsx", ".xls", ".zip", ""]))
def test_arbitrary_bytes_load_or_are_refused_in_one_line(data: bytes, ext: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{ext}"
        path.write_bytes(data)
        try:
            src = load_source(SourceSpec("x", (str(path),)))
        except InputError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return
        assert len(src.data) == len(src.provenance)
        assert path.read_bytes() == data


@PROFILE
@given(data=some_bytes, ext=st.sampled_from([".csv", ".xlsx", ".zip", ""]))
def test_arbitrary_bytes_through_the_cli(data: bytes, ext: str) -> None:
    """The loader test above calls load_source; this one runs `hygiene audit` and
    `hygiene clean` on the same bytes: exit 0, 1 or 2, no traceback, outputs that parse
    and hold no formula, the input unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{ext}"
        path.write_bytes(data)
        for command, out in (("audit", Path(tmp) / "audit"), ("clean", Path(tmp) / "clean")):
            extra = ["--no-history", "--format", "html,json,xlsx,md"] if command == "audit" else []
            code, _, err = run(command, f"x={path}", "--out", str(out), "-q", *extra)
            finished(code, err, out)
        assert path.read_bytes() == data


@PROFILE
@given(case=hostile_csv(), redact=st.booleans())
def test_hostile_csv_through_audit_and_clean(case: tuple[bytes, int], redact: bool) -> None:
    data, written = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crm.csv"
        path.write_bytes(data)
        before = digest(path)
        out = Path(tmp) / "audit"
        args = ["audit", f"crm={path}", "--out", str(out), "--format", "html,json,xlsx,md",
                "--no-history", "-q", *(["--redact"] if redact else [])]  # fmt: skip
        code, _, err = run(*args)
        if finished(code, err, out):
            doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
            assert doc["sources"][0]["rows"] == written, data
        code, stdout, err = run("clean", f"crm={path}", "--out", str(Path(tmp) / "clean"), "-q")
        if finished(code, err, Path(tmp) / "clean"):
            summary = json.loads((Path(tmp) / "clean" / "clean_summary.json").read_text())
            acc = summary["accounting"]
            assert acc["ok"] and [s["rows"] for s in acc["sources"]] == [written]
            for s in acc["sources"]:
                assert s["rows"] == s["kept"] + s["merged"] + s["suppressed"]
            cleaned = Path(tmp) / "clean" / "cleaned_crm.csv"
            with open(cleaned, newline="", encoding="utf-8") as fh:
                assert len(list(csv.reader(fh))) - 1 == acc["sources"][0]["cleaned_rows"]
        assert digest(path) == before


name_token = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=8).map(
    lambda s: "Zq" + s
)
#: A BLNS line as part of a personal value, beside a distinctive part: a hit is then a leak,
#: never markup or a word of the report that happens to equal a naughty string ("null").
personal_text = st.one_of(
    name_token,
    st.builds(lambda n, t: f"{n} {t}", naughty, name_token),
    st.builds(lambda t, n: f"{t}{n}", name_token, naughty),
)
local_text = st.one_of(name_token, st.builds(lambda t, n: f"{t}{n}", name_token, naughty))
phone_formats = st.sampled_from(
    ["+1 415 555 {:04d}", "(415) 555-{:04d}", "020 7946 {:04d}", "+44 20 7946 {:04d}",
     "{:04d}", "+49 30 1234{:04d}"]
)  # fmt: skip


@st.composite
def people(draw: st.DrawFn) -> list[tuple[str, str, str, str]]:
    n = draw(st.integers(min_value=2, max_value=6))
    firsts = draw(st.lists(personal_text, min_size=n, max_size=n, unique=True))
    lasts = draw(st.lists(personal_text, min_size=n, max_size=n, unique=True))
    locals_ = draw(st.lists(local_text, min_size=n, max_size=n, unique=True))
    digits = draw(st.lists(st.integers(1000, 9999), min_size=n, max_size=n, unique=True))
    out = []
    for f, last, local, number in zip(firsts, lasts, locals_, digits, strict=True):
        domain = draw(st.sampled_from(["gmail.com", "gmial.com", "mailinator.com", "zqmail.org"]))
        out.append((f, last, f"{local}@{domain}", draw(phone_formats).format(number)))
    return out


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def output_texts(out: Path) -> dict[str, str]:
    """The text of every output file: report.html (also unescaped), summary.md (also without
    Markdown's backslashes), every string of audit.json (parsed, then the raw file), every cell
    of every sheet of review.xlsx (through openpyxl)."""
    texts: dict[str, str] = {}
    page = (out / "report.html").read_text(encoding="utf-8")
    texts["report.html"] = page + "\n" + html.unescape(page)
    md = (out / "summary.md").read_text(encoding="utf-8")
    texts["summary.md"] = md + "\n" + md.replace("\\", "")
    raw = (out / "audit.json").read_text(encoding="utf-8")
    strings: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                strings.append(str(k))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        else:
            strings.append(str(node))

    walk(json.loads(raw))
    texts["audit.json"] = raw + "\n" + "\n".join(strings)
    wb = openpyxl.load_workbook(out / "review.xlsx", read_only=True)
    cells = [
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
        for v in row if v is not None
    ]  # fmt: skip
    wb.close()
    texts["review.xlsx"] = "\n".join(cells)
    return {k: v.casefold() for k, v in texts.items()}


def leaked(values: set[str], texts: dict[str, str]) -> list[tuple[str, str]]:
    """(value, file) for every value found in an output, in any case, as written or without
    the characters XML forbids (a workbook drops them); values of 1-2 characters are skipped:
    such a value ("Al", a digit) occurs in any page's markup by chance."""
    hits = []
    for value in values:
        core = value.strip()
        if len(core) <= 2:
            continue
        forms = {core.casefold(), _XML_FORBIDDEN.sub("", core).strip().casefold()}
        for name, body in texts.items():
            if any(len(f) > 2 and f in body for f in forms):
                hits.append((value, name))
    return hits


@PROFILE
@given(contacts=people(), twin=st.booleans(), dupe=st.booleans())
def test_redact_leaves_no_personal_value_in_any_output(
    contacts: list[tuple[str, str, str, str]], twin: bool, dupe: bool
) -> None:
    """`--redact` with every format: no input name, email or phone (as written, or a phone's
    digits) is in report.html, review.xlsx (every cell), audit.json (every string),
    summary.md or what the command prints, and audit.json still validates against its schema.
    Names and addresses carry BLNS lines; each value has a distinctive part so that a hit
    means a leak (values of 1-2 characters would be skipped, see `leaked`). `twin` adds a
    second system naming the same addresses otherwise (link.status_mismatch quotes both
    names), `dupe` the first person twice (duplicate clusters side by side)."""
    with tempfile.TemporaryDirectory() as tmp:
        crm = Path(tmp) / "crm.csv"
        rows = [*contacts, *([contacts[0]] if dupe else [])]
        with open(crm, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Record ID", "Email", "First Name", "Last Name", "Phone Number"])
            for i, (f, last, email, phone) in enumerate(rows):
                w.writerow([str(100 + i), email, f, last, phone])
        sources = [f"crm={crm}"]
        values = {v for c in contacts for v in c}
        if twin:
            esp = Path(tmp) / "esp.csv"
            with open(esp, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["Email Address", "First Name", "Last Name"])
                for f, last, email, _ in contacts:
                    w.writerow([email.upper(), f[:1] + ".", last.upper()])
                    values |= {f[:1] + ".", last.upper(), email.upper()}
            sources.append(f"esp={esp}")
        values |= {d for c in contacts if len(d := re.sub(r"\D", "", c[3])) >= 7}
        out = Path(tmp) / "out"
        code, said, err = run("audit", *sources, "--redact", "--out", str(out),
                              "--format", "html,json,xlsx,md", "--no-history")  # fmt: skip
        assert code in (0, 1), err
        check_audit_json(out / "audit.json")
        assert json.loads((out / "audit.json").read_text(encoding="utf-8"))["redacted"] is True
        texts = {**output_texts(out), "terminal": (said + err).casefold()}
        assert not leaked(values, texts)


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (DATA / "csv-spectrum" / "csvs").glob("*.csv"))
)
def test_csv_spectrum(name: str) -> None:
    """csv-spectrum's cases read as its JSON says (an empty cell is a missing value here)."""
    src = load_source(SourceSpec("x", (str(DATA / "csv-spectrum" / "csvs" / f"{name}.csv"),)))
    expected = json.loads((DATA / "csv-spectrum" / "json" / f"{name}.json").read_text("utf-8"))
    got = [
        {k: ("" if v is None or v != v else v) for k, v in rec.items()}
        for rec in src.data.astype(object).to_dict("records")
    ]
    assert got == expected


def test_every_naughty_string_as_a_header_and_a_value(tmp_path: Path) -> None:
    """All of BLNS at once: as headers (one column each) and as the values below them."""
    path = tmp_path / "naughty.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Email", *BLNS])
        w.writerow(["ann@corp.io", *BLNS])
        w.writerow(["bob@corp.io", *reversed(BLNS)])
    before = digest(path)
    out = tmp_path / "out"
    code, _, err = run("audit", f"crm={path}", "--out", str(out), "--format", "html,json,xlsx,md",
                       "--no-history", "-q")  # fmt: skip
    assert code in (0, 1), err
    assert "Traceback" not in err and "Exception ignored" not in err
    check_outputs(out)
    assert json.loads((out / "audit.json").read_text(encoding="utf-8"))["sources"][0]["rows"] == 2
    code, _, err = run("clean", f"crm={path}", "--out", str(tmp_path / "clean"), "-q")
    assert code == 0, err
    check_outputs(tmp_path / "clean")
    assert digest(path) == before
