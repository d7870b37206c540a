"""The record limit: past `MAX_RECORDS` records an audit must have read `MIN_RECORD_BYTES`
bytes a record, or it is refused in one line (exit 2) naming the file, the limit and the
setting that raises it. The limit is lowered here through its settings, so small files built
in the test stand for the 100 MB ones of benchmarks/hostile_memory.py."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.cli import main
from hygiene.errors import ConfigError, InputError
from hygiene.load import SourceSpec, load_sources
from hygiene.load.limits import (
    MAX_RECORDS,
    MAX_RECORDS_ENV,
    MIN_RECORD_BYTES,
    MIN_RECORD_BYTES_ENV,
    Read,
    RecordLimit,
    check_records,
    record_limit,
)


def run(*args: str) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def tiny_rows(path: Path, rows: int) -> None:
    """A file like the hostile one: an Email header and 4-byte rows."""
    path.write_bytes(b"Email\n" + b"".join(f"{i % 1000:03d}\n".encode() for i in range(rows)))


def contacts(path: Path, rows: int) -> None:
    """A plain export: ~60 bytes a record."""
    lines = ["Email,First Name,Last Name,Phone"]
    lines += [f"person{i}@example.org,Ann{i},Lee{i},+1 415 555 {i:04d}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")


def test_defaults_are_documented_values() -> None:
    assert record_limit({}) == RecordLimit(MAX_RECORDS, MIN_RECORD_BYTES) == RecordLimit(
        900_000, 100
    )


@pytest.mark.parametrize(
    ("env", "limit"),
    [
        ({MAX_RECORDS_ENV: "5000"}, RecordLimit(5000, 100)),
        ({MAX_RECORDS_ENV: "30_000_000"}, RecordLimit(30_000_000, 100)),
        ({MAX_RECORDS_ENV: "2,000,000", MIN_RECORD_BYTES_ENV: "0"}, RecordLimit(2_000_000, 0)),
        ({MAX_RECORDS_ENV: " "}, RecordLimit(MAX_RECORDS, 100)),
    ],
)
def test_settings(env: dict[str, str], limit: RecordLimit) -> None:
    assert record_limit(env) == limit


@pytest.mark.parametrize("bad", ["-1", "lots", "1e6", "2.5"])
def test_a_bad_setting_is_one_line(bad: str) -> None:
    with pytest.raises(ConfigError, match=MAX_RECORDS_ENV):
        record_limit({MAX_RECORDS_ENV: bad})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**8), st.integers(0, 10**10)), min_size=1, max_size=4
    ),
    st.integers(0, 10**7),
    st.integers(0, 1000),
)
def test_refused_exactly_when_records_exceed_what_the_bytes_allow(
    reads: list[tuple[int, int]], floor: int, min_bytes: int
) -> None:
    """The invariant: allowed = max(floor, bytes // min_bytes) over all sources together."""
    limit = RecordLimit(floor, min_bytes)
    items = [Read(r, b, [Path(f"f{i}.csv")]) for i, (r, b) in enumerate(reads)]
    records = sum(r for r, _ in reads)
    total = sum(b for _, b in reads)
    allowed = max(floor, total // min_bytes if min_bytes else total)
    if records > allowed:
        with pytest.raises(InputError) as info:
            check_records(items, limit)
        assert "\n" not in str(info.value) and MAX_RECORDS_ENV in str(info.value)
    else:
        check_records(items, limit)


def test_the_thinnest_source_is_named(tmp_path: Path) -> None:
    reads = [
        Read(1000, 100_000, [tmp_path / "fine.csv"]),
        Read(5000, 20_000, [tmp_path / "thin.csv"]),
    ]
    with pytest.raises(InputError) as info:
        check_records(reads, RecordLimit(100, 50))
    assert str(info.value).startswith(f"{tmp_path / 'thin.csv'}: 6,000 records")


def test_tiny_rows_past_the_limit_are_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tiny.csv"
    tiny_rows(path, 5000)
    before = path.read_bytes()
    monkeypatch.setenv(MAX_RECORDS_ENV, "1000")
    code, out, err = run("audit", f"crm={path}", "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}: 5,000 records in 20,006 bytes read (4.0 bytes a record)" in err
    assert "past 1,000 records an audit needs 100 bytes a record" in err
    assert f"set {MAX_RECORDS_ENV}=5000 to audit it anyway" in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    assert path.read_bytes() == before
    # The setting the message names lets it through.
    monkeypatch.setenv(MAX_RECORDS_ENV, "5000")
    code, _, err = run("audit", f"crm={path}", "--out", str(tmp_path / "o"), "--no-history",
                       "--format", "json", "-q")  # fmt: skip
    assert code in (0, 1) and "records in" not in err


def test_records_of_real_size_pass_the_same_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "contacts.csv"
    contacts(path, 3000)  # ~70 bytes a record
    monkeypatch.setenv(MAX_RECORDS_ENV, "1000")
    monkeypatch.setenv(MIN_RECORD_BYTES_ENV, "50")
    [src] = load_sources([SourceSpec("crm", (str(path),))])
    assert src.rows == 3000 and src.bytes_read == path.stat().st_size
    monkeypatch.setenv(MIN_RECORD_BYTES_ENV, "100")
    with pytest.raises(InputError, match="3,000 records"):
        load_sources([SourceSpec("crm", (str(path),))])


def test_the_limit_weighs_all_sources_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files each under the floor are not two free floors: memory is the audit's."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    tiny_rows(a, 800)
    tiny_rows(b, 800)
    monkeypatch.setenv(MAX_RECORDS_ENV, "1000")
    load_sources([SourceSpec("crm", (str(a),))])
    with pytest.raises(InputError, match="1,600 records"):
        load_sources([SourceSpec("crm", (str(a),)), SourceSpec("esp", (str(b),))])


def test_a_zip_counts_its_unpacked_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small archive of tiny rows (a ZIP bomb under the ratio floor) is weighed by what it
    unpacks to, and refused past the limit."""
    path = tmp_path / "audience.zip"
    body = b"Email Address\n" + b"abc\n" * 20_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("subscribed_members_export_1.csv", body)
    assert path.stat().st_size < len(body) // 50
    monkeypatch.setenv(MAX_RECORDS_ENV, "1000")
    code, _, err = run("audit", f"esp={path}", "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2 and err.count("\n") == 1
    assert f"20,000 records in {len(body):,} bytes read" in err


@pytest.mark.parametrize(("cell", "side_by_side"), [("x" * 10, True), ("x" * 3000, False)])
def test_fat_records_write_the_reports_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: str, side_by_side: bool
) -> None:
    """Records of more than FAT_RECORD_BYTES put big values in every report: the writers
    run one at a time, so memory peaks at the largest, not at their sum."""
    import hygiene
    import hygiene.report as report_module
    from hygiene.outputs import FAT_RECORD_BYTES

    path = tmp_path / "notes.csv"
    path.write_text("Email,Notes\n" + "".join(f"p{i}@example.org,{cell}\n" for i in range(20)))
    result = hygiene.audit(f"crm={path}")
    assert (result.bytes_per_record() > FAT_RECORD_BYTES) != side_by_side
    workers: list[int] = []
    real = report_module.parallel_map

    def spy(fn, items, n=2):  # type: ignore[no-untyped-def]
        workers.append(n)
        return real(fn, items, n)

    monkeypatch.setattr(report_module, "parallel_map", spy)
    written = result.save(tmp_path / "out", ["html", "json", "xlsx"])
    assert sorted(written) == ["html", "json", "xlsx"] and all(p.exists() for p in written.values())
    assert workers == [3 if side_by_side else 1]
