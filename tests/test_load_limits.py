"""The memory guard: an audit whose estimated memory (records, cells, findings;
`hygiene.load.limits`) passes the larger of a floor and a multiple of the bytes read is
refused in one line (exit 2) naming the file, the limit and the setting that raises it. The
floor is lowered here through its setting, so small files built in the test stand for the
100 MB ones of benchmarks/hostile_memory.py."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hygiene.load.csvread as csvread
from hygiene.cli import main
from hygiene.errors import ConfigError, InputError
from hygiene.load import SourceSpec, load_sources
from hygiene.load.limits import (
    FLOOR_MB,
    MAX_MEMORY_ENV,
    MULTIPLE,
    MemoryLimit,
    Read,
    check_memory,
    memory_limit,
)

MB = 1024**2


def run(*args: str) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def tiny_rows(path: Path, rows: int) -> None:
    """A file like the hostile one: an Email header and 4-byte rows (each an invalid address)."""
    path.write_bytes(b"Email\n" + b"".join(f"{i % 1000:03d}\n".encode() for i in range(rows)))


def emails(path: Path, rows: int) -> None:
    """A clean list of addresses alone (~28 bytes a record): thin, and legitimate."""
    path.write_text("Email\n" + "".join(f"person.{i:07d}@gmail.com\n" for i in range(rows)))


def test_defaults_are_documented_values() -> None:
    assert memory_limit({}) == MemoryLimit(FLOOR_MB, MULTIPLE) == MemoryLimit(1536, 16)
    assert MemoryLimit().allowed(10 * MB) == 1536 * MB
    assert MemoryLimit().allowed(1000 * MB) == 16_000 * MB


@pytest.mark.parametrize(
    ("env", "floor"),
    [({MAX_MEMORY_ENV: "500"}, 500), ({MAX_MEMORY_ENV: "8_000"}, 8000),
     ({MAX_MEMORY_ENV: "0"}, 0), ({MAX_MEMORY_ENV: " "}, FLOOR_MB)],
)  # fmt: skip
def test_settings(env: dict[str, str], floor: int) -> None:
    assert memory_limit(env).floor_mb == floor


@pytest.mark.parametrize("bad", ["-1", "lots", "1.5"])
def test_a_bad_setting_is_one_line(bad: str) -> None:
    with pytest.raises(ConfigError, match=MAX_MEMORY_ENV) as info:
        memory_limit({MAX_MEMORY_ENV: bad})
    assert "\n" not in str(info.value)


reads = st.lists(
    st.tuples(st.integers(0, 10**7), st.integers(0, 10**9), st.integers(1, 16_384),
              st.integers(0, 10**7)),
    min_size=1, max_size=4,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(reads, st.integers(0, 4000), st.integers(1, 40))
def test_refused_exactly_when_the_estimate_passes_what_the_bytes_allow(
    raw: list[tuple[int, int, int, int]], floor: int, multiple: int
) -> None:
    """The invariant, over the files that were read (bytes > 0) together: refused iff
    sum(estimate) > max(floor MB, multiple x bytes) (no limit at floor 0); the refusal is one
    line naming the setting, and the value it names lets the same audit through."""
    limit = MemoryLimit(floor, multiple)
    items = [Read(r, b, [Path(f"f{i}.csv")], c, f) for i, (r, b, c, f) in enumerate(raw)]
    read = [r for r in items if r.bytes_read > 0]
    estimate = sum(r.estimate() for r in read)
    total = sum(r.bytes_read for r in read)
    if read and floor and estimate > max(floor * MB, multiple * total):
        with pytest.raises(InputError) as info:
            check_memory(items, limit)
        text = str(info.value)
        assert "\n" not in text and f"set {MAX_MEMORY_ENV}=" in text
        needed = int(text.rsplit(f"{MAX_MEMORY_ENV}=", 1)[1].split()[0])
        check_memory(items, MemoryLimit(needed, multiple))
    else:
        check_memory(items, limit)


def test_the_estimate_grows_with_records_cells_columns_and_findings() -> None:
    base = Read(1000, 10 * MB, [], 10)
    grown = [Read(2000, 10 * MB, [], 10), Read(1000, 10 * MB, [], 20),
             Read(1000, 10 * MB, [], 10, findings=500), Read(1000, 30 * MB, [], 10)]  # fmt: skip
    assert all(g.estimate() > base.estimate() for g in grown)


def test_the_costliest_source_for_its_bytes_is_named(tmp_path: Path) -> None:
    items = [
        Read(1000, 100_000, [tmp_path / "fine.csv"]),
        Read(50_000, 200_000, [tmp_path / "thin.csv"]),
    ]
    with pytest.raises(InputError) as info:
        check_memory(items, MemoryLimit(10, 16))
    assert str(info.value).startswith(f"{tmp_path / 'thin.csv'}: 51,000 records")


def test_tiny_rows_are_refused_in_one_line_before_they_are_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tiny.csv"
    tiny_rows(path, 20_000)
    before = path.read_bytes()
    monkeypatch.setenv(MAX_MEMORY_ENV, "10")
    parsed: list[int] = []
    real = csvread._arrow
    monkeypatch.setattr(csvread, "_arrow", lambda *a, **k: parsed.append(1) or real(*a, **k))
    code, out, err = run("audit", f"crm={path}", "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2 and out == "" and not parsed
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}: 20,002 records of up to 1 column from 80,006 bytes read" in err
    assert f"the 10.0 MB allowed (the larger of 10 MB and {MULTIPLE} times" in err
    assert f"set {MAX_MEMORY_ENV}=" in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    assert path.read_bytes() == before
    needed = err.rsplit(f"{MAX_MEMORY_ENV}=", 1)[1].split()[0]
    monkeypatch.setenv(MAX_MEMORY_ENV, needed)  # the setting the message names lets it through
    code, _, err = run("audit", f"crm={path}", "--out", str(tmp_path / "o"), "--no-history",
                       "--format", "json", "-q")  # fmt: skip
    assert code in (0, 1) and "would take" not in err


def test_a_clean_narrow_list_passes_where_the_same_records_all_findings_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The findings are weighed once the checks are done: 10,000 valid addresses pass a
    limit that 10,000 garbage rows (two findings each) of the same count do not."""
    clean, garbage = tmp_path / "clean.csv", tmp_path / "garbage.csv"
    emails(clean, 10_000)
    tiny_rows(garbage, 10_000)
    monkeypatch.setenv(MAX_MEMORY_ENV, "15")  # over 10,000 records, under their findings
    code, _, err = run("audit", f"crm={clean}", "--out", str(tmp_path / "a"), "--no-history",
                       "--format", "json", "-q")  # fmt: skip
    assert code in (0, 1) and "would take" not in err, err
    code, out, err = run("audit", f"crm={garbage}", "--out", str(tmp_path / "b"),
                         "--no-history")  # fmt: skip
    assert code == 2 and err.count("\n") == 1, err
    assert f"{garbage}: 10,000 records of up to 1 column and 2" in err and "findings" in err
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())


def test_a_wide_file_is_refused_before_its_cells_are_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wide.csv"
    cols = 2000
    path.write_text(",".join(f"c{i}" for i in range(cols)) + "\n"
                    + (",".join("x" * cols) + "\n") * 300)  # fmt: skip
    monkeypatch.setenv(MAX_MEMORY_ENV, "10")  # 300 rows of 2,000 cells: ~21 MB estimated
    parsed: list[int] = []
    real = csvread._arrow
    monkeypatch.setattr(csvread, "_arrow", lambda *a, **k: parsed.append(1) or real(*a, **k))
    code, _, err = run("audit", f"crm={path}", "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2 and not parsed and err.count("\n") == 1
    assert "records of up to 2,000 columns" in err


def test_the_limit_weighs_all_sources_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files each under the floor are not two free floors: memory is the audit's."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    emails(a, 6000)
    emails(b, 6000)
    monkeypatch.setenv(MAX_MEMORY_ENV, "10")
    load_sources([SourceSpec("crm", (str(a),))])
    with pytest.raises(InputError, match="12,000 records"):
        load_sources([SourceSpec("crm", (str(a),)), SourceSpec("esp", (str(b),))])


def test_a_zip_counts_its_unpacked_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small archive of tiny rows (a ZIP bomb under the ratio floor) is weighed by what it
    unpacks to, and refused past the limit."""
    path = tmp_path / "audience.zip"
    body = b"Email Address\n" + b"abc\n" * 20_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("subscribed_members_export_1.csv", body)
    assert path.stat().st_size < len(body) // 50
    monkeypatch.setenv(MAX_MEMORY_ENV, "10")
    code, _, err = run("audit", f"esp={path}", "--out", str(tmp_path / "o"), "--no-history")
    assert code == 2 and err.count("\n") == 1
    assert f"from {len(body) / MB:.1f} MB read" in err or f"from {len(body):,} bytes read" in err


def test_sources_built_in_memory_are_the_callers_memory() -> None:
    """Nothing was read: the guard does not apply (a DataFrame passed to the API)."""
    check_memory([Read(10**8, 0, [], 100, 10**8)], MemoryLimit(1, 1))


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
    asked: list[bool] = []
    real = report_module.map_writers

    def spy(fn, items, *, side_by_side):  # type: ignore[no-untyped-def]
        asked.append(side_by_side)
        return real(fn, items, side_by_side=side_by_side)

    monkeypatch.setattr(report_module, "map_writers", spy)
    written = result.save(tmp_path / "out", ["html", "json", "xlsx"])
    assert sorted(written) == ["html", "json", "xlsx"] and all(p.exists() for p in written.values())
    assert asked == [side_by_side]
