import re

import pandas as pd
import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.normalize import (
    country_code,
    country_display,
    last_address_part,
    state_code,
    state_display,
)
from hygiene.resources import rules_yaml


@pytest.mark.parametrize(
    ("raw", "alpha2", "style"),
    [
        ("US", "US", "alpha2"),
        ("us", "US", "alpha2"),
        ("USA", "US", "alpha3"),
        ("usa", "US", "alpha3"),
        ("DEU", "DE", "alpha3"),
        ("GBR", "GB", "alpha3"),
        ("United States", "US", "name"),
        ("united states of america", "US", "name"),
        ("GERMANY", "DE", "name"),
        ("Côte d'Ivoire", "CI", "name"),
        ("Cote d’Ivoire", "CI", "name"),
        ("Czech Republic", "CZ", "name"),
        ("Czechia", "CZ", "name"),
        ("Türkiye", "TR", "name"),
        ("Vietnam", "VN", "name"),
        ("South Korea", "KR", "name"),
        ("Russia", "RU", "name"),
        ("Korea, Republic of", "KR", "name"),
        ("Iran", "IR", "name"),
        ("U.S.", "US", "other"),
        ("U.S.A.", "US", "other"),
        ("America", "US", "other"),
        ("UK", "GB", "other"),
        ("U.K.", "GB", "other"),
        ("Great Britain", "GB", "other"),
        ("England", "GB", "other"),
        ("Scotland", "GB", "other"),
        ("Wales", "GB", "other"),
        ("Deutschland", "DE", "other"),
        ("Allemagne", "DE", "other"),
        ("España", "ES", "other"),
        ("espana", "ES", "other"),
        ("Holland", "NL", "other"),
        ("The Netherlands", "NL", "other"),
        ("Korea", "KR", "other"),
        ("Turkey", "TR", "other"),
        ("UAE", "AE", "other"),
        ("  uae ", "AE", "other"),
        ("Narnia", None, None),
        ("N/A", None, None),
    ],
)
def test_country_code(raw, alpha2, style):
    out = country_code(pd.Series([raw], index=[9]))
    assert list(out.columns) == ["alpha2", "style"] and out.index.tolist() == [9]
    got = [None if pd.isna(v) else v for v in out.iloc[0].tolist()]
    assert got == [alpha2, style]


def test_every_alias_resolves_to_its_country():
    aliases = rules_yaml("aliases", "countries.yaml")["aliases"]
    rows = [(str(code), str(a)) for code, spellings in aliases.items() for a in spellings]
    out = country_code(pd.Series([a for _, a in rows]))
    wrong = [(a, c, g) for (c, a), g in zip(rows, out["alpha2"], strict=True) if g != c]
    assert wrong == []


def test_every_iso_country_round_trips_in_every_style():
    # "NA" (Namibia) is read as "not available" in a raw column, like every export tool does.
    codes = pd.Series([c.alpha_2 for c in pycountry.countries if c.alpha_2 != "NA"])
    for style in ("alpha2", "alpha3", "name"):
        spelled = country_display(codes, style)
        back = country_code(spelled)
        assert back["alpha2"].tolist() == codes.tolist(), style
        assert set(back["style"]) == {style}


@pytest.mark.parametrize(
    ("alpha2", "style", "shown"),
    [
        ("US", "alpha2", "US"),
        ("US", "alpha3", "USA"),
        ("US", "name", "United States"),
        ("GB", "name", "United Kingdom"),
        ("DE", "name", "Germany"),
        ("KR", "name", "South Korea"),
        ("VN", "name", "Vietnam"),
        ("RU", "name", "Russia"),
        ("NA", "name", "Namibia"),
        ("XX", "name", None),
    ],
)
def test_country_display(alpha2, style, shown):
    got = country_display(pd.Series([alpha2]), style).iloc[0]
    assert pd.isna(got) if shown is None else got == shown


@pytest.mark.parametrize(
    ("raw", "country", "code", "style"),
    [
        ("CA", "US", "US-CA", "code"),
        ("ca", "United States", "US-CA", "code"),
        ("Calif.", "US", "US-CA", "other"),
        ("Cal", "US", "US-CA", "other"),
        ("California", "USA", "US-CA", "name"),
        ("CALIFORNIA", "US", "US-CA", "name"),
        ("Washington DC", "US", "US-DC", "other"),
        ("District of Columbia", "US", "US-DC", "name"),
        ("Mass.", "US", "US-MA", "other"),
        ("Puerto Rico", "US", "US-PR", "name"),
        ("ON", "CA", "CA-ON", "code"),
        ("Ontario", "Canada", "CA-ON", "name"),
        ("Québec", "CA", "CA-QC", "name"),
        ("Quebec", "CA", "CA-QC", "name"),
        ("NSW", "AU", "AU-NSW", "code"),
        ("New South Wales", "Australia", "AU-NSW", "name"),
        ("N.S.W.", "AU", "AU-NSW", "other"),
        ("Vic.", "AU", "AU-VIC", "other"),
        ("Bavaria", "DE", "DE-BY", "name"),
        ("Bayern", "Germany", "DE-BY", "name"),
        ("BY", "DE", "DE-BY", "code"),
        ("NRW", "DE", "DE-NW", "other"),
        ("Scotland", "UK", "GB-SCT", "name"),
        ("Madrid", "ES", "ES-MD", "name"),
        ("US-CA", "US", "US-CA", "code"),
        ("Ontario", "US", None, None),
        # No country: US, then CA, then AU, only when exactly one of them knows the value.
        ("California", None, "US-CA", "name"),
        ("ON", None, "CA-ON", "code"),
        ("NSW", None, "AU-NSW", "code"),
        ("WA", None, None, None),
        ("NT", None, None, None),
    ],
)
def test_state_code(raw, country, code, style):
    out = state_code(pd.Series([raw], index=[4]), pd.Series([country], index=[4], dtype=object))
    assert list(out.columns) == ["code", "style"] and out.index.tolist() == [4]
    got = [None if pd.isna(v) else v for v in out.iloc[0].tolist()]
    assert got == [code, style]


def test_state_code_without_country_series():
    out = state_code(pd.Series(["Texas", "Alberta", "Queensland", None]))
    assert out["code"].tolist()[:3] == ["US-TX", "CA-AB", "AU-QLD"]
    assert pd.isna(out["code"].iloc[3])


@pytest.mark.parametrize(
    ("code", "style", "shown"),
    [
        ("US-CA", "code", "CA"),
        ("US-CA", "name", "California"),
        ("CA-ON", "name", "Ontario"),
        ("AU-NSW", "code", "NSW"),
        ("AU-NSW", "name", "New South Wales"),
        ("DE-BY", "name", "Bayern"),
        ("US-DC", "name", "District of Columbia"),
        ("XX-YY", "name", None),
    ],
)
def test_state_display(code, style, shown):
    got = state_display(pd.Series([code]), style).iloc[0]
    assert pd.isna(got) if shown is None else got == shown


_ADDRESS_PARTS = st.text(
    alphabet=st.sampled_from(list("ab1 -,.\t\n\x0b\x0c\r\x1c\x1f\u00a0\u2003é")), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ADDRESS_PARTS, min_size=1, max_size=40))
def test_last_address_part_reads_as_python_splits(values: list[str]) -> None:
    """The pyarrow path (ASCII values) and the Python path agree with re.split on \\s{2,}."""
    got = last_address_part(pd.Series(values, dtype="string[pyarrow]")).tolist()
    assert got == [re.split(r"\s{2,}", v.strip())[-1] for v in values]


def test_last_address_part_of_a_mailchimp_address() -> None:
    s = pd.Series(["12 Main St  Springfield  IL  62701  US", "4 Rue X  Paris   FR ", "Solo"])
    assert last_address_part(s).tolist() == ["US", "FR", "Solo"]
