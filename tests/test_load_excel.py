"""Reading workbooks: every sheet or one, cell values rendered as text, never formulas."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from hygiene.errors import InputError
from hygiene.load import SourceSpec, load_source
from hygiene.model import Source


def load(*paths: str | Path) -> Source:
    return load_source(SourceSpec(name="book", paths=tuple(str(p) for p in paths)))


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def values(s: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in s]


def two_sheets(tmp_path: Path) -> Path:
    return workbook(
        tmp_path / "crm.xlsx",
        {
            "Contacts": [["Email", "First Name"], ["ann@x.com", "Ann"], ["bo@x.com", "Bo"]],
            "Empty": [],
            "Leads": [["Email", "Lead Status"], ["cy@x.com", "New"]],
        },
    )


def test_every_sheet_becomes_rows_with_its_sheet_in_provenance(tmp_path: Path) -> None:
    src = load(two_sheets(tmp_path))
    assert list(src.data.columns) == ["Email", "First Name", "Lead Status"]
    assert values(src.data["Email"]) == ["ann@x.com", "bo@x.com", "cy@x.com"]
    assert values(src.data["Lead Status"]) == [None, None, "New"]
    prov = src.provenance
    assert prov["file"].tolist() == ["crm.xlsx"] * 3
    assert prov["sheet"].tolist() == ["Contacts", "Contacts", "Leads"]
    assert prov["row"].tolist() == [1, 2, 1]


@pytest.mark.parametrize("sheet", ["Leads", "leads"])
def test_hash_sheet_selects_one_sheet(tmp_path: Path, sheet: Any) -> None:
    path = two_sheets(tmp_path)
    src = load(f"{path}#{sheet}")
    assert values(src.data["Email"]) == ["cy@x.com"]
    assert src.provenance["sheet"].tolist() == ["Leads"]


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = two_sheets(tmp_path)
    with pytest.raises(InputError) as err:
        load(f"{path}#Kontakte")
    msg = str(err.value)
    assert "crm.xlsx#Kontakte" in msg and "'Contacts', 'Empty', 'Leads'" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (dt.date(2024, 1, 5), "2024-01-05"),
        (dt.datetime(2024, 1, 5, 10, 11), "2024-01-05 10:11:00"),
        (dt.datetime(2024, 1, 5), "2024-01-05"),
        (42, "42"),
        (4155552671, "4155552671"),
        (2.5, "2.5"),
        (0.1, "0.1"),
        (True, "TRUE"),
        (False, "FALSE"),
        ("02134", "02134"),
        ("  spaced  ", "  spaced  "),
    ],
)
def test_cell_values_are_rendered_as_text(tmp_path: Path, cell: Any, text: Any) -> None:
    path = workbook(tmp_path / "v.xlsx", {"S": [["Email", "Value"], ["a@x.com", cell]]})
    assert values(load(path).data["Value"]) == [text]


def test_formula_gives_its_cached_value_never_its_text(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "f.xlsx",
        {"S": [["Email", "Score", "Uncached"], ["a@x.com", "=1+1", "=2+2"]]},
    )
    # openpyxl cannot compute values: give B2 the cached value Excel would have saved.
    patched = tmp_path / "f_cached.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(patched, "w") as dst:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb"<f>1\+1</f>(?:<v\s*/>|<v></v>)", b"<f>1+1</f><v>2</v>", data)
                assert n == 1
            dst.writestr(item, data)
    src = load(patched)
    assert values(src.data["Score"]) == ["2"]
    assert values(src.data["Uncached"]) == [None]
    assert not src.data.isin(["=1+1", "=2+2", "1+1"]).any().any()


def test_first_non_empty_row_is_the_header(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "offset.xlsx",
        {"S": [[], [None, None], ["Email", "Zip"], [], ["a@x.com", "02134"]]},
    )
    src = load(path)
    assert list(src.data.columns) == ["Email", "Zip"]
    assert values(src.data["Zip"]) == ["02134"]
    assert src.provenance["row"].tolist() == [1]


def test_header_only_sheet_and_blank_headers(tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", {"S": [["Email", None, "Email"]]})
    src = load(path)
    assert list(src.data.columns) == ["Email", "Column 2", "Email (2)"] and src.rows == 0


def test_xlsx_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = two_sheets(tmp_path).rename(tmp_path / "really_a_workbook.csv")
    assert load(path).rows == 3


def test_all_empty_workbook_is_an_input_error(tmp_path: Path) -> None:
    path = workbook(tmp_path / "blank.xlsx", {"A": [], "B": [[None]]})
    with pytest.raises(InputError, match=r"blank\.xlsx: every sheet of the workbook is empty"):
        load(path)


def test_corrupt_workbook_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<not-a-workbook")
    with pytest.raises(InputError) as err:
        load(path)
    assert "broken.xlsx" in str(err.value) and "\n" not in str(err.value)


def test_truncated_workbook_is_an_input_error(tmp_path: Path) -> None:
    good = two_sheets(tmp_path).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError, match="truncated.xlsx"):
        load(path)


def test_password_protected_workbook_is_an_input_error(tmp_path: Path) -> None:
    # An encrypted OOXML file is an OLE2 compound file holding an "EncryptedPackage" stream.
    from msoffcrypto.format import ooxml  # a dev dependency: encrypts a real workbook
    plain = two_sheets(tmp_path)
    path = tmp_path / "locked.xlsx"
    with plain.open("rb") as fh, path.open("wb") as out:
        ooxml.OOXMLFile(fh).encrypt("secret", out)
    with pytest.raises(InputError, match=r"locked\.xlsx: the workbook is password-protected"):
        load(path)


def test_password_protected_header_is_recognised_without_the_library(tmp_path: Path) -> None:
    path = tmp_path / "locked2.xlsx"
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(head + bytes(1000))
    with pytest.raises(InputError, match="password-protected"):
        load(path)
