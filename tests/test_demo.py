"""The sample-data generator: exact headers and values, determinism, options (files read
back with the stdlib csv module, as a user would)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import phonenumbers
import pytest

from hygiene.demo import DefectRates, generate, load_truth
from hygiene.errors import ConfigError
from tests.demo_sets import (
    CLEAN,
    HUBSPOT,
    LEAD_STATUSES,
    MAILCHIMP,
    SOURCES,
    STAGES,
    UNSUB,
    Demo,
    country_code,
    read_demo,
)

# --- shape ---------------------------------------------------------------------------


def test_default_sizes_and_file_names(demo_set: Demo) -> None:
    assert len(demo_set.crm) == 2000
    esp = demo_set.files.esp
    assert isinstance(esp, Path)
    tag = re.fullmatch(r"members_export_([0-9a-f]{10})\.zip", esp.name)
    assert tag, esp.name
    with zipfile.ZipFile(esp) as zf:
        assert sorted(zf.namelist()) == sorted(
            f"{s}_members_export_{tag.group(1)}.csv"
            for s in ("subscribed", "unsubscribed", "cleaned")
        )
    assert sum(1 for _ in demo_set.esp_rows()) == 1400
    assert demo_set.truth["crm"]["file"] == "hubspot_contacts.csv"
    assert 1900 < demo_set.truth["crm"]["people"] < 2000  # the rest are duplicate records


def test_headers_are_exactly_the_platforms(demo_set: Demo) -> None:
    assert demo_set.headers["hubspot_contacts.csv"] == HUBSPOT
    by_status = {
        name.split("/")[-1].split("_")[0]: h
        for name, h in demo_set.headers.items()
        if "members_export" in name
    }
    assert by_status == {
        "subscribed": MAILCHIMP,
        "unsubscribed": MAILCHIMP + UNSUB,
        "cleaned": MAILCHIMP + CLEAN,
    }


def test_row_counts_in_truth_match_files(any_set: Demo) -> None:
    truth = any_set.truth
    assert truth["crm"]["rows"] == len(any_set.crm)
    for status, info in truth["esp"]["files"].items():
        assert len(any_set.rows[info["file"]]) == info["rows"], status
    assert truth["esp"]["rows"] == sum(1 for _ in any_set.esp_rows())


def test_values_look_like_hubspot(demo_set: Demo) -> None:
    ids = [r["Record ID"] for r in demo_set.crm]
    assert all(i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    for r in demo_set.crm:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["Create Date"])
        assert r["Last Modified Date"] >= r["Create Date"]
        assert r["Lead Status"] in LEAD_STATUSES
        assert r["Original Source"] in SOURCES
        assert r["Marketing contact status"] in ("Marketing contact", "Non-marketing contact")
        assert r["Unsubscribed from all email"] in ("true", "false", "")
    stages = {r["Lifecycle Stage"] for r in demo_set.crm}
    assert STAGES <= stages
    assert {r["Country/Region"] for r in demo_set.crm} >= {
        "United States",
        "United Kingdom",
        "Canada",
        "Germany",
        "France",
        "Australia",
        "Netherlands",
        "Spain",
        "India",
    }


def test_values_look_like_mailchimp(demo_set: Demo) -> None:
    for _, _, r in demo_set.esp_rows():
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["OPTIN_TIME"])
        assert r["MEMBER_RATING"] in {"1", "2", "3", "4", "5"}
        assert r["Birthday"] == "" or re.fullmatch(r"(0[1-9]|1[0-2])/\d\d", r["Birthday"])
        assert r["TAGS"] == "" or re.fullmatch(r'"[^"]+"(,"[^"]+")*', r["TAGS"])
        assert re.fullmatch(r"[0-9a-f]{10}", r["EUID"]) and r["LEID"].isdigit()
    assert any(r["TAGS"].count('","') >= 1 for _, _, r in demo_set.esp_rows())


@pytest.mark.parametrize(
    ("country", "pattern"),
    [
        ("United States", r"\d{5}"),
        ("Germany", r"\d{5}"),
        ("Spain", r"\d{5}"),
        ("France", r"\d{5}"),
        ("Australia", r"\d{4}"),
        ("India", r"\d{6}"),
        ("Netherlands", r"\d{4} [A-Z]{2}"),
        ("Canada", r"[A-Z]\d[A-Z] \d[A-Z]\d"),
        ("United Kingdom", r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"),
    ],
)
def test_postcodes_keep_their_shape_and_leading_zeros(
    big_set: Demo, country: str, pattern: str
) -> None:
    codes = [
        r["Postal Code"] for r in big_set.crm if r["Country/Region"] == country and r["Postal Code"]
    ]
    assert codes and all(re.fullmatch(pattern, c) for c in codes), codes[:5]
    if country in ("United States", "Germany", "Spain", "France", "Australia"):
        assert any(c.startswith("0") for c in codes)


def test_mailchimp_address_keeps_leading_zeros(big_set: Demo) -> None:
    assert any(re.search(r"  0\d{4}  US$", r["Address"]) for _, _, r in big_set.esp_rows())


def test_phones_are_valid_unless_truth_says_otherwise(any_set: Demo) -> None:
    bad = {(d["file"], d["row"]) for d in any_set.defects("phone.invalid")}
    bad |= {
        (d["file"], d["row"])
        for d in any_set.defects("value.placeholder")
        if d["field"] == "phone"
    }
    formats = set()
    for i, r in enumerate(any_set.crm, 1):
        code = country_code(r["Country/Region"])
        for column in ("Phone Number", "Mobile Phone Number"):
            value = r[column]
            if not value or (column == "Phone Number" and ("hubspot_contacts.csv", i) in bad):
                continue
            formats.add(re.sub(r"\d", "9", value))
            number = phonenumbers.parse(value, code)
            assert phonenumbers.is_valid_number(number), (i, column, value, code)
    # Several ways of writing US numbers at least: "(999) 999-9999", "999.999.9999" ...
    assert {"(999) 999-9999", "999-999-9999", "999.999.9999", "+9 999 999 9999"} <= formats


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", crm_rows=300, seed=3)
    # Another process with other string hashing: no set order may leak into the data.
    code = f"from hygiene.demo import generate; generate({str(tmp_path / 'b')!r}, 300, seed=3)"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    c = generate(tmp_path / "c", crm_rows=300, seed=4)
    for name in {p.name for p in (tmp_path / "a").iterdir()}:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert a.crm.read_bytes() != c.crm.read_bytes()



# --- options ------------------------------------------------------------------------------


def test_csv_format_and_truth_lists_as_csv(tmp_path: Path) -> None:
    inline = generate(tmp_path / "json", crm_rows=500, seed=5, esp_format="csv")
    lists = generate(tmp_path / "csv", crm_rows=500, seed=5, esp_format="csv", truth_format="csv")
    assert isinstance(inline.esp, list) and [p.name.split("_")[0] for p in inline.esp] == [
        "subscribed",
        "unsubscribed",
        "cleaned",
    ]
    assert not inline.truth_lists
    assert sorted(p.name for p in lists.truth_lists) == [
        "truth_defects.csv",
        "truth_duplicates.csv",
        "truth_hard_negatives.csv",
        "truth_links.csv",
    ]
    a, b = load_truth(inline.truth), load_truth(lists.truth)
    for name in ("defects", "duplicates", "links", "hard_negatives"):
        fa, fb = getattr(a, name).astype(str), getattr(b, name).astype(str)
        assert fa.equals(fb), name
    doc = json.loads(inline.truth.read_text())
    assert doc["defects"][0]["file"] in {"hubspot_contacts.csv"} | {p.name for p in inline.esp}


def test_rates_are_configurable(tmp_path: Path) -> None:
    none = generate(tmp_path / "a", crm_rows=1000, rates=DefectRates(typo_domain=0.0))
    more = generate(tmp_path / "b", crm_rows=1000, rates=DefectRates(typo_domain=0.05))
    typos = [
        sum(
            1
            for d in json.loads(f.truth.read_text())["defects"]
            if d["kind"] == "email.typo_domain" and d["source"] == "crm"
        )
        for f in (none, more)
    ]
    assert typos == [0, 50]


@pytest.mark.parametrize(
    "kwargs", [{"esp_format": "xlsx"}, {"truth_format": "yaml"}, {"crm_rows": -1}]
)
def test_bad_options_are_config_errors(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        generate(tmp_path, **kwargs)


@pytest.mark.parametrize("rows", [0, 1, 7, 60])
def test_tiny_runs_still_make_consistent_files(tmp_path: Path, rows: int) -> None:
    demo_set = read_demo(generate(tmp_path, crm_rows=rows))
    assert len(demo_set.crm) == rows
    assert demo_set.headers["hubspot_contacts.csv"] == HUBSPOT
    for d in demo_set.truth["defects"]:
        if d.get("column"):
            assert demo_set.cell(d["file"], d["row"], d["column"]) == (d.get("value") or "")
