"""A birthday written without a year (Mailchimp's Birthday merge field, "MM/DD" or "DD/MM" by
the audience's setting, Mailchimp Help "Birthday field"; vCard's BDAY "--0415", RFC 6350
section 6.2.5; ISO 8601's reduced "--04-15") is a month and day: read as such, never given a
year, compared with a full birth date on month and day, and written back as it came."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.match.compare import COMPARISONS, active, compare
from hygiene.match.features import encode_frames
from hygiene.match.frame import prepare
from hygiene.normalize import month_day, parse_dates
from tests.helpers import make_source
from tests.platform_exports import EXPORTS, write_export


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        ("04/15", None, "--04-15"),  # Mailchimp MM/DD
        ("4/5", None, "--04-05"),
        ("12/31", None, "--12-31"),
        ("02/29", None, "--02-29"),  # a leap-day birthday: no year to rule it out
        ("02/30", None, None),
        ("15/04", "dmy", "--04-15"),  # Mailchimp DD/MM
        ("04/15", "dmy", None),  # no 15th month
        ("--0415", None, "--04-15"),  # RFC 6350 BDAY:--0415
        ("--04-15", None, "--04-15"),  # ISO 8601 reduced precision
        ("April 15", None, "--04-15"),
        ("15 Apr", None, "--04-15"),
        ("Sept 3", None, "--09-03"),
        ("24.12.", None, "--12-24"),  # German "24.12.": day first by convention
        (" 12/31 ", None, "--12-31"),
        ("1980-04-15", None, None),  # a full date is parse_dates' business
        ("04/15/1980", None, None),
        ("13/13", None, None),
        ("Aprilx 3", None, None),
        ("", None, None),
        ("N/A", None, None),
    ],
)
def test_month_day(raw, order, expected):
    got = month_day(pd.Series([raw], dtype=object), order).iloc[0]
    assert (None if pd.isna(got) else got) == expected


def test_a_birthday_is_not_guessed_into_a_year():
    values = pd.Series(["04/15", "12/31", "--0415"], dtype=object)
    assert parse_dates(values).isna().all()


def test_the_column_decides_day_first():
    got = month_day(pd.Series(["15/04", "03/04", "31/12"], dtype=object))
    assert got.tolist() == ["--04-15", "--04-03", "--12-31"]


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
       st.sampled_from(["{m:02d}/{d:02d}", "{m}/{d}", "--{m:02d}{d:02d}", "{mon} {d}"]))
def test_every_calendar_day_reads_back_without_a_year(day, form):
    text = form.format(m=day.month, d=day.day, mon=calendar.month_name[day.month])
    got = month_day(pd.Series([text], dtype=object)).iloc[0]
    assert got == f"--{day.month:02d}-{day.day:02d}"
    assert str(day.year) not in got


CONTACT = {"First Name": "first_name", "Last Name": "last_name", "Birthday": "birth_date"}


def _birth_level(a: str | None, b: str | None) -> int:
    """The birth_date comparison level of one pair (-1 when either is missing)."""
    data = {"First Name": ["Ann", "Ann"], "Last Name": ["Lee", "Lee"], "Birthday": [a, b]}
    f = encode_frames([prepare(make_source("crm", data, CONTACT))], ["crm"])
    comps = active(f)
    g, _ = compare(f, np.array([0]), np.array([1]), comps)
    k = [c.name for c in comps].index("birth_date")
    return int(g[0, k])


LEVELS = next(c for c in COMPARISONS if c.name == "birth_date").labels


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1980-04-15", "1980-04-15", "birth date equal"),
        ("04/15", "1980-04-15", "birthday (month and day) equal, one has no year"),
        ("1980-04-15", "--0415", "birthday (month and day) equal, one has no year"),
        ("04/15", "04/15", "birth date equal"),
        ("04/16", "1980-04-15", "birth date differs"),
        ("05/15", "1980-04-15", "birth date differs"),
        ("1980-04-15", "1980-04-16", "birth date one typo apart"),
        ("1980-04-05", "1980-05-04", "birth date one typo apart"),  # day and month swapped
    ],
)
def test_birth_date_levels(a, b, level):
    assert _birth_level(a, b) == LEVELS.index(level)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2005, 12, 31)),
       st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2005, 12, 31)))
def test_a_birthday_agrees_with_a_birth_date_exactly_on_month_and_day(full, other):
    agree = LEVELS.index("birthday (month and day) equal, one has no year")
    birthday = f"{other.month:02d}/{other.day:02d}"
    level = _birth_level(birthday, full.isoformat())
    same = (other.month, other.day) == (full.month, full.day)
    assert level == (agree if same else 0)


def test_a_mailchimp_birthday_column_is_read_and_cleaned_as_written(tmp_path: Path):
    """All 121 birthdays of an audience read as month and day; the cleaned file keeps them
    as written (no year invented) and changes.csv has no change on them."""
    mc = EXPORTS["mailchimp-cleaned"]
    headers = tuple(h for h in mc.headers if not h.startswith("CLEAN_"))
    days = pd.date_range("2001-01-01", periods=121, freq="3D")
    rows = [{"Email Address": f"member{i}@acme-corp.com", "First Name": "Ann",
             "Last Name": f"Lee{i}", "Birthday": d.strftime("%m/%d")}
            for i, d in enumerate(days)]
    path = write_export(tmp_path / "subscribed_members_export_1.csv", headers, rows)
    result = hygiene.audit(f"esp={path}", match=False, decisions=False)
    prep = result.prepared[0]
    assert prep.month_days("birth_date").notna().sum() == 121
    assert "date.ambiguous_order" not in set(result.findings["code"])
    out = hygiene.clean(out=tmp_path / "out", audited=result, decisions=tmp_path / "d.json")
    with (out.out_dir / "cleaned_esp.csv").open(newline="", encoding="utf-8") as fh:
        cleaned = [r["Birthday"] for r in csv.DictReader(fh)]
    assert cleaned == [r["Birthday"] for r in rows]
    changes = pd.read_csv(out.out_dir / "changes.csv", dtype=str, keep_default_na=False)
    assert "Birthday" not in set(changes["column"])


def test_a_birthday_without_a_year_is_no_blocking_key():
    """One in 366 people share a month and day: blocking on it would pair a whole audience.
    Only full birth dates make the birth_full key the birth blocking rules use."""
    from hygiene.match.blocking import DEFAULT_RULES, rule_key

    data = {"First Name": ["Ann", "Ann", "Ann"], "Last Name": ["Lee", "Lo", "Li"],
            "Birthday": ["04/15", "04/15", "1980-04-15"]}
    f = encode_frames([prepare(make_source("crm", data, CONTACT))], ["crm"])
    birth = f.derived["birth_full"].codes
    assert birth[0] < 0 and birth[1] < 0 and birth[2] >= 0
    rule = next(r for r in DEFAULT_RULES if r.name == "birth_name")
    key, _ = rule_key(f, rule.keys)
    assert (key[:2] < 0).all()
