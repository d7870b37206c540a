"""The country a source's numbers without a country code are read in, decided from the
numbers that carry one (README: "else the source's common countries").

Numbers are the example numbers of Google's libphonenumber tests (PhoneNumberUtilTest:
US_NUMBER 650 253 0000, GB_NUMBER 20 7031 3000, DE_NUMBER 30 123456, RU 495 739 7000 is
Yandex's published Moscow line, CA 416 979 8400 a published Toronto line) and the
non-geographic +800 of the same tests (INTERNATIONAL_TOLL_FREE).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.normalize import calling_codes, dominant_region

US = ["+1 650 253 0000", "+1 (650) 253-0001", "+16502530002", "+1 416 979 8400"]
GB = ["+44 20 7031 3000", "+44 (0)20 7031 3001", "+442070313002"]
DE = ["+49 30 123456", "+49 30 1234567"]


@pytest.mark.parametrize(
    ("values", "region", "count", "total"),
    [
        # +1 on every number that carries a code (Canada's +1 counts: one NANP region).
        (US + ["650-253-0000", "(650) 253 0000"], "US", 4, 4),
        (GB + ["020 7031 3000"], "GB", 3, 3),
        (["+7 495 739 7000"] * 3 + ["495 739 7000"], "RU", 3, 3),
        # 9 of 10 is a clear majority.
        (US * 2 + ["+16502530009"] * 1 + GB[:1], "US", 9, 10),
        # 3 of 4 is not (0.75 < 0.8): a mixed list gets no default.
        (GB + US[:1], None, 0, 0),
        # Too few numbers say anything.
        (["+1 650 253 0000", "+1 650 253 0001", "650 253 0002"], None, 0, 0),
        # No number carries a code.
        (["650 253 0000", "020 7031 3000", "030 123456"], None, 0, 0),
        # Non-geographic codes name no country.
        (["+800 1234 5678"] * 4, None, 0, 0),
        # "00" is an international prefix only in some countries; it is not counted.
        (["0044 20 7031 3000"] * 4, None, 0, 0),
    ],
)
def test_dominant_region(values, region, count, total):
    got = dominant_region([pd.Series(values, dtype=object)])
    if region is None:
        assert got is None
    else:
        assert got is not None
        assert (got.region, got.count, got.total) == (region, count, total)


@pytest.mark.parametrize(
    ("value", "code"),
    [("+1 650 253 0000", 1), ("+44 20 7031 3000", 44), ("+49 30 123456", 49),
     ("+353 1 234 5678", 353), (" (+33) 1 42 68 53 00", 33), ("650 253 0000", 0),
     ("0044 20 7031 3000", 0), ("", 0), (None, 0), ("n/a", 0)],
)  # fmt: skip
def test_calling_codes(value, code):
    assert calling_codes(pd.Series([value], dtype=object)).tolist() == [code]


POOL = US + GB + DE + ["650-253-0000", "020 7031 3000", "", "+7 495 739 7000"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(POOL), min_size=0, max_size=40), st.randoms())
def test_the_region_does_not_depend_on_row_order_or_on_how_columns_split(values, rnd):
    """Counted over rows: shuffling the rows, or splitting them over phone and mobile, gives
    the same answer; and a region is only ever the one the share rule allows."""
    got = dominant_region([pd.Series(values, dtype=object)])
    shuffled = list(values)
    rnd.shuffle(shuffled)
    half = len(shuffled) // 2
    split = [pd.Series(shuffled[:half], dtype=object), pd.Series(shuffled[half:], dtype=object)]
    assert dominant_region(split) == got
    if got is not None:
        with_code = [v for v in values if v.startswith("+")]
        assert got.total == len(with_code) >= 3
        assert got.count >= 0.8 * got.total


HEADER = ["Record ID", "First Name", "Last Name", "Email", "Phone Number"]


def _export(path: Path, phones: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i, p in enumerate(phones):
            w.writerow([str(500 + i), "Ann", f"Lee{i}", f"ann{i}@acme-corp.com", p])
    return path


def _phone_findings(result) -> pd.DataFrame:
    f = result.findings
    return f[f["code"].isin(["phone.invalid", "phone.region_assumed"])]


def test_a_number_without_code_in_a_plus_one_file_is_read_as_us(tmp_path):
    """The new-user trial: a HubSpot export with no country column, most numbers +1, one
    written "650-253-0000": valid, read as a US number, and the report says so once."""
    path = _export(tmp_path / "hubspot_contacts.csv", [*US, "650-253-0000"])
    result = hygiene.audit(f"crm={path}", match=False, decisions=False)
    found = _phone_findings(result)
    assert "phone.invalid" not in set(found["code"])
    (note,) = found.loc[found["code"] == "phone.region_assumed", "message"]
    assert "read as US numbers (+1)" in note and "4 of the 4" in note
    prep = result.prepared[0]
    assert prep.phone("phone")["e164"].iloc[4] == "+16502530000"


def test_region_option_wins_and_a_mixed_file_assumes_nothing(tmp_path):
    path = _export(tmp_path / "hubspot_contacts.csv", [*US, "020 7031 3000"])
    given_gb = hygiene.audit(f"crm={path}", match=False, decisions=False, region="GB")
    assert _phone_findings(given_gb).empty  # read as GB: valid, and nothing assumed
    mixed = _export(tmp_path / "mixed.csv", [*GB, US[0], "650-253-0000"])
    result = hygiene.audit(f"crm={mixed}", platforms=["crm=hubspot"], match=False,
                           decisions=False)
    found = _phone_findings(result)
    assert "phone.region_assumed" not in set(found["code"])
    assert found.loc[found["code"] == "phone.invalid", "value"].tolist() == ["650-253-0000"]
