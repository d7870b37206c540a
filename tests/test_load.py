"""Sources: arguments and overrides, Mailchimp ZIPs and joined files, input errors."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hygiene.errors import ConfigError, InputError
from hygiene.load import (
    SourceSpec,
    apply_overrides,
    load_source,
    load_sources,
    parse_source_args,
)
from hygiene.load.archive import read_zip, status_from_name

MC_HEADER = "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LEID,EUID"


def mc_member(*emails: str, extra: str = "", cells: str = "") -> str:
    """A Mailchimp member CSV; `extra` headers get the `cells` text in every row."""
    rows = [
        f"{e},Ann,Lee,2,2020-01-01 10:00:00,2020-01-01 10:05:00,{i},e{i}"
        for i, e in enumerate(emails, start=1)
    ]
    head = MC_HEADER + ("," + extra if extra else "")
    tail = "," + cells if extra else ""
    return "\n".join([head, *[r + tail for r in rows]]) + "\n"


def values(s: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in s]


# --- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["crm=exports/hubspot.csv"], [("crm", ("exports/hubspot.csv",))]),
        (["x/HubSpot Contacts (1).csv"], [("hubspot_contacts_1", ("x/HubSpot Contacts (1).csv",))]),
        (["book.xlsx#Leads"], [("book", ("book.xlsx#Leads",))]),
        (
            ["esp=sub.csv", "crm=a.csv", "esp=unsub.csv"],
            [("esp", ("sub.csv", "unsub.csv")), ("crm", ("a.csv",))],
        ),
        (["dir/a=b.csv"], [("a_b", ("dir/a=b.csv",))]),
    ],
)
def test_parse_source_args(args: Any, expected: Any) -> None:
    assert [(s.name, s.paths) for s in parse_source_args(args)] == expected


def test_apply_overrides_sets_platform_and_columns() -> None:
    specs = parse_source_args(["crm=a.csv", "esp=b.csv"])
    maps = ["crm:E-mail=email", "crm:Notes=", "esp:a:b=c=tags"]
    out = apply_overrides(specs, platforms=["crm=Salesforce"], maps=maps)
    assert out[0].platform == "salesforce" and out[1].platform is None
    assert dict(out[0].columns) == {"E-mail": "email", "Notes": ""}
    assert dict(out[1].columns) == {"a:b=c": "tags"}


@pytest.mark.parametrize(
    ("platforms", "maps", "needle"),
    [
        (["nope=hubspot"], [], "--platform 'nope=hubspot': no source named 'nope'"),
        (["crm=marketo"], [], "unknown platform 'marketo'"),
        (["crm"], [], "--platform 'crm': write NAME=PLATFORM"),
        ([], ["crm:Email=e_mail"], "--map 'crm:Email=e_mail': unknown field 'e_mail'"),
        ([], ["other:Email=email"], "no source named 'other'"),
        ([], ["crm=Email"], "write NAME:COLUMN=FIELD"),
    ],
)
def test_apply_overrides_errors_name_the_option(platforms: Any, maps: Any, needle: Any) -> None:
    with pytest.raises(ConfigError) as err:
        apply_overrides(parse_source_args(["crm=a.csv"]), platforms=platforms, maps=maps)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_overrides_change_platform_and_mapping(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Contact,Mail,Notes,Lifecycle Stage\nAnn Lee,ann@x.com,vip,lead\n")
    spec = apply_overrides(
        parse_source_args([f"crm={path}"]),
        platforms=["crm=hubspot"],
        maps=["crm:Notes=tags", "crm:contact=", "crm:Lifecycle Stage=lead_status"],
    )[0]
    src = load_source(spec)
    assert src.platform == "hubspot" and src.platform_confidence == 1.0
    assert src.columns == {"Mail": "email", "Notes": "tags", "Lifecycle Stage": "lead_status"}
    assert src.confidence["Notes"] == 1.0 and src.confidence["Lifecycle Stage"] == 1.0


def test_map_to_a_missing_column_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Email,Name\nann@x.com,Ann\n")
    spec = apply_overrides(parse_source_args([f"crm={path}"]), maps=["crm:E-Mail=email"])[0]
    with pytest.raises(ConfigError, match=r"source 'crm' has no column 'E-Mail'.*'Email', 'Name'"):
        load_source(spec)


# --- Mailchimp ZIP and joined files -------------------------------------------------------


def audience_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("subscribed_members_export_8f3a.csv", mc_member("ann@x.com", "bo@x.com"))
        z.writestr(
            "unsubscribed_members_export_8f3a.csv",
            mc_member(
                "cy@x.com",
                extra="UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_REASON",
                cells="2024-02-01 09:00:00,Spring sale,NORMAL",
            ),
        )
        z.writestr("cleaned_members_export_8f3a.csv", mc_member("di@x.com", extra="CLEAN_TIME"))
        z.writestr("README.pdf", b"%PDF-1.4 not a csv")
        z.writestr("../../evil.csv", "Email Address\nevil@x.com\n")
        z.writestr("/abs.csv", "Email Address\nabs@x.com\n")
    return path


def test_mailchimp_zip_is_one_source_with_status_per_row(tmp_path: Path) -> None:
    src = load_source(SourceSpec("esp", (str(audience_zip(tmp_path / "audience.zip")),)))
    assert src.platform == "mailchimp" and src.platform_confidence >= 0.9
    assert values(src.field("email")) == ["ann@x.com", "bo@x.com", "cy@x.com", "di@x.com"]
    statuses = ["subscribed", "subscribed", "unsubscribed", "cleaned"]
    assert values(src.field("email_status")) == statuses
    assert src.column_for("email_status") == "Member Status"
    assert src.confidence["Member Status"] == 1.0
    assert src.provenance["file"].tolist() == [
        "audience.zip/subscribed_members_export_8f3a.csv",
        "audience.zip/subscribed_members_export_8f3a.csv",
        "audience.zip/unsubscribed_members_export_8f3a.csv",
        "audience.zip/cleaned_members_export_8f3a.csv",
    ]
    assert src.provenance["row"].tolist() == [1, 2, 1, 1]
    # union of columns in order of first appearance; cells a file lacks are missing
    assert list(src.data.columns) == [
        *MC_HEADER.split(","),
        "Member Status",
        "UNSUB_TIME",
        "UNSUB_CAMPAIGN_TITLE",
        "UNSUB_REASON",
        "CLEAN_TIME",
    ]
    assert values(src.data["UNSUB_TIME"]) == [None, None, "2024-02-01 09:00:00", None]
    assert values(src.field("unsubscribed_at")) == [None, None, "2024-02-01 09:00:00", None]
    assert src.columns["EUID"] == "source_id" and "LEID" not in src.columns
    assert src.record_ids().tolist() == ["e1", "e2", "e1", "e1"]
    assert src.paths == [tmp_path / "audience.zip"]


def test_same_name_twice_joins_files_and_tells_status_from_names(tmp_path: Path) -> None:
    sub = tmp_path / "subscribed_members_export_1.csv"
    unsub = tmp_path / "unsubscribed_members_export_1.csv"
    sub.write_text(mc_member("ann@x.com"))
    unsub.write_text(mc_member("bo@x.com", extra="UNSUB_REASON"))
    specs = parse_source_args([f"esp={sub}", f"esp={unsub}"])
    assert len(specs) == 1
    src = load_sources(specs)[0]
    assert values(src.field("email_status")) == ["subscribed", "unsubscribed"]
    assert src.provenance["file"].tolist() == [sub.name, unsub.name]
    assert values(src.data["UNSUB_REASON"]) == [None, None]


def test_a_status_column_in_the_file_is_kept_not_added(tmp_path: Path) -> None:
    path = tmp_path / "subscribed_members.csv"
    path.write_text("Email Address,Status\nann@x.com,pending\n")
    src = load_source(SourceSpec("esp", (str(path),)))
    assert "Member Status" not in src.data.columns
    assert values(src.field("email_status")) == ["pending"]


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("subscribed_members_export_8f3a.csv", "subscribed"),
        ("unsubscribed_members_export_8f3a.csv", "unsubscribed"),
        ("cleaned_members_export_8f3a.csv", "cleaned"),
        ("nonsubscribed_members_export_8f3a.csv", "nonsubscribed"),
        ("non-subscribed.csv", "nonsubscribed"),
        ("Pending_members.csv", "pending"),
        ("archived.csv", "archived"),
        ("audience.zip/transactional_members_export.csv", "transactional"),
        ("subscribers.csv", None),
        # A status word anywhere in the name counts (the loader ignores it for a file that
        # says per row whether it may be mailed, such as HubSpot's own export).
        ("hubspot_unsubscribed.csv", "unsubscribed"),
        ("cleaned_crm.csv", None),
        ("subscribed_2024.csv", "subscribed"),
    ],
)
def test_status_from_name(name: Any, status: Any) -> None:
    assert status_from_name(name) == status


def test_zip_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = audience_zip(tmp_path / "audience.zip")
    with pytest.raises(InputError, match="unpacks to more than"):
        read_zip(path, limit=200)


# --- input errors: one line naming the file and the fix ----------------------------------


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nope.csv"


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    return tmp_path / "exports"


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_missing, "nope.csv: file not found"),
        (_folder, "exports: is a folder, not a file"),
        (_write("c.json", b'{"email": "a@x.com"}'), "c.json: unsupported file type '.json'"),
        (_write("report.pdf", b"%PDF-1.7\n..."), "report.pdf: is a PDF document"),
        (_write("report.csv", b"%PDF-1.7\n..."), "report.csv: is a PDF document"),
        (_write("empty.csv", b""), "empty.csv: the file is empty"),
        (_write("blank.csv", b"\r\n  \n\n"), "blank.csv: the file is empty"),
        (_write("audience.zip", b"PK\x03\x04 truncated"), "audience.zip: not a readable ZIP"),
        (_write("binary.csv", bytes(range(256)) * 40), "binary.csv: is not a text file"),
    ],
)
def test_input_errors_are_one_line_naming_the_file(tmp_path: Path, make: Any, needle: Any) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError) as err:
        load_source(SourceSpec("src", (str(path),)))
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg and "; " in msg  # the problem, then the fix


def test_zip_without_csv_members_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.png", b"\x89PNG")
    with pytest.raises(InputError, match="photos.zip: the ZIP holds no CSV files"):
        load_source(SourceSpec("src", (str(path),)))


def test_sheet_on_a_csv_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Email\na@x.com\n")
    with pytest.raises(InputError, match=r"a\.csv#Leads: only a workbook has sheets"):
        load_source(SourceSpec("src", (f"{path}#Leads",)))


def test_sources_load_side_by_side_in_order_and_the_first_failure_is_reported(
    tmp_path: Path,
) -> None:
    a = tmp_path / "a.csv"
    a.write_text("Email,First Name\nann@example.com,Ann\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("Email\nbob@example.com\ncy@example.com\n", encoding="utf-8")
    specs = parse_source_args([f"one={a}", f"two={b}"])
    together = load_sources(specs)
    assert [s.name for s in together] == ["one", "two"]
    assert [s.rows for s in together] == [1, 2]
    in_turn = load_sources(specs, serial=True)
    assert [s.data.to_dict() for s in in_turn] == [s.data.to_dict() for s in together]
    missing = parse_source_args([f"one={a}", f"gone={tmp_path / 'gone.csv'}", f"two={b}"])
    with pytest.raises(InputError, match="gone.csv"):
        load_sources(missing)
