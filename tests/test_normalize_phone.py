import random
import re

import numpy as np
import pandas as pd
import phonenumbers as pn
import pytest
from phonenumbers import PhoneNumberFormat as Fmt
from phonenumbers import PhoneNumberType as Type

import hygiene.normalize.phone as phone
from hygiene.normalize import normalize_phone

N = None


@pytest.mark.parametrize(
    ("raw", "region", "e164", "valid", "own"),
    [
        # US / CA, many ways of writing one number
        ("(415) 555-2671", "US", "+14155552671", True, "US"),
        ("415.555.2671", "US", "+14155552671", True, "US"),
        ("415-555-2671", "US", "+14155552671", True, "US"),
        ("4155552671", "US", "+14155552671", True, "US"),
        ("1 (415) 555-2671", "US", "+14155552671", True, "US"),
        ("+1 415 555 2671", N, "+14155552671", True, "US"),
        ("011 44 20 7946 0958", "US", "+442079460958", True, "GB"),
        ("tel:+1-415-555-2671", N, "+14155552671", True, "US"),
        ("415-555-2671 x123", "US", "+14155552671", True, "US"),
        ("415-555-2671 ext. 12", "US", "+14155552671", True, "US"),
        ("+1 (415) 555-2671 extension 9", N, "+14155552671", True, "US"),
        ("1-800-FLOWERS", "US", "+18003569377", True, "US"),
        ("4.155552671E9", "US", "+14155552671", True, "US"),  # Excel scientific display
        ("4155552671.0", "US", "+14155552671", True, "US"),  # Excel float
        ("4.16E+09", "US", N, False, N),  # Excel rounded the digits away
        ("(416) 555-0123", "CA", "+14165550123", True, "CA"),
        ("+1 416 555 0123", N, "+14165550123", True, "CA"),
        ("+1 268 464 1234", N, "+12684641234", True, "AG"),
        # GB
        ("+44 20 7946 0958", N, "+442079460958", True, "GB"),
        ("0044 20 7946 0958", "GB", "+442079460958", True, "GB"),
        ("0044 20 7946 0958", N, "+442079460958", True, "GB"),  # bare 00 read as "+"
        ("020 7946 0958", "GB", "+442079460958", True, "GB"),
        ("+44 (0)20 7946 0958", N, "+442079460958", True, "GB"),
        ("07400 123456", "GB", "+447400123456", True, "GB"),
        # DE, FR, AU, IN, BR, NL, ES, IT, JP
        ("030 1234567", "DE", "+49301234567", True, "DE"),
        ("+49 30 1234567", N, "+49301234567", True, "DE"),
        ("0151 23456789", "DE", "+4915123456789", True, "DE"),
        ("01 23 45 67 89", "FR", "+33123456789", True, "FR"),
        ("06 12 34 56 78", "FR", "+33612345678", True, "FR"),
        ("(02) 9876 5432", "AU", "+61298765432", True, "AU"),
        ("0412 345 678", "AU", "+61412345678", True, "AU"),
        ("098765 43210", "IN", "+919876543210", True, "IN"),
        ("(11) 96123-4567", "BR", "+5511961234567", True, "BR"),
        ("0 21 11 96123-4567", "BR", "+5511961234567", True, "BR"),  # carrier code
        ("020 123 4567", "NL", "+31201234567", True, "NL"),
        ("912 34 56 78", "ES", "+34912345678", True, "ES"),
        ("06 1234 5678", "IT", "+390612345678", True, "IT"),  # Italian leading zero kept
        ("03-1234-5678", "JP", "+81312345678", True, "JP"),
        # invalid
        ("555-0000", "US", "+15550000", False, N),
        ("(415) 555-26", "US", "+141555526", False, N),
        ("0000000000", "US", "+10000000000", False, N),
        ("1234567890", "US", "+11234567890", False, N),
        ("020 7946", "GB", "+440207946", False, N),  # too short to drop the 0
        ("+49 1", N, N, False, N),
        ("12", "US", "+112", False, N),
        ("4155552671", N, N, False, N),  # no country code and no region: cannot be read
        ("call me", "US", N, False, N),
        ("N/A", "US", N, None, N),
    ],
)
def test_normalize_phone(raw, region, e164, valid, own):
    out = normalize_phone(pd.Series([raw], index=[5]), region)
    assert list(out.columns) == ["e164", "valid", "region"] and out.index.tolist() == [5]
    got = [None if pd.isna(v) else v for v in out.iloc[0].tolist()]
    assert got == [e164, valid, own]


def test_region_per_row_in_any_spelling():
    s = pd.Series(["020 7946 0958", "030 1234567", "(415) 555-2671", None], index=[9, 8, 7, 6])
    regions = pd.Series(["United Kingdom", "DE", "usa", "GB"], index=[9, 8, 7, 6])
    out = normalize_phone(s, regions)
    assert out.index.tolist() == [9, 8, 7, 6]
    assert out["e164"].tolist()[:3] == ["+442079460958", "+49301234567", "+14155552671"]
    assert out["valid"].tolist()[:3] == [True, True, True]
    assert str(out["valid"].dtype) == "boolean" and pd.isna(out["valid"].iloc[3])


# --- the vectorised fast path against phonenumbers ---------------------------------------
REGIONS = ("US", "CA", "GB", "DE", "FR", "AU", "IN", "BR", "NL", "ES", "IT", "JP")
TYPES = (
    Type.FIXED_LINE,
    Type.MOBILE,
    Type.TOLL_FREE,
    Type.PREMIUM_RATE,
    Type.SHARED_COST,
    Type.VOIP,
    Type.PERSONAL_NUMBER,
    Type.PAGER,
    Type.UAN,
    Type.VOICEMAIL,
)
IDD = {"US": "011", "CA": "011", "AU": "0011", "BR": "0021", "JP": "010"}


def _realistic(seed: int, per_region: int) -> list[tuple[str, str]]:
    """Numbers of every type of each region, digits mutated (valid and invalid), written in
    the formats exports hold."""
    rnd = random.Random(seed)
    out = []
    for region in REGIONS:
        examples = [e for e in (pn.example_number_for_type(region, t) for t in TYPES) if e]
        for _ in range(per_region):
            ex = rnd.choice(examples)
            nsn = pn.national_significant_number(ex)
            k = rnd.randint(1, min(6, len(nsn) - 1))
            nsn = nsn[:-k] + "".join(rnd.choice("0123456789") for _ in range(k))
            roll = rnd.random()
            if roll < 0.1:
                nsn = nsn[:-1]
            elif roll < 0.2:
                nsn += rnd.choice("0123456789")
            elif roll < 0.25:
                nsn = "0" * len(nsn)
            num = pn.parse(f"+{ex.country_code}{nsn}")
            national = pn.format_number(num, Fmt.NATIONAL)
            intl = pn.format_number(num, Fmt.INTERNATIONAL)
            text = rnd.choice(
                [
                    pn.format_number(num, Fmt.E164),
                    intl,
                    national,
                    national,
                    f"{IDD.get(region, '00')} {intl[1:]}",
                    "".join(c for c in national if c.isdigit()),
                    f"{ex.country_code}{nsn}",
                    f"+{ex.country_code} (0) {nsn}",
                    national.replace(" ", "."),
                ]
            )
            out.append((text, region))
    return out


def _random(seed: int, count: int) -> list[tuple[str, str | None]]:
    """Random digit strings with prefixes and punctuation, to reach the odd branches."""
    rnd = random.Random(seed)
    regions = REGIONS + ("AR", "MX", "RU", "KZ", "GG", "JE", "CX", "SM", "AG", "NZ", "CN")
    out: list[tuple[str, str | None]] = []
    while len(out) < count:
        region = rnd.choice(regions)
        cc = pn.country_code_for_region(region)
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(3, 16)))
        prefix = rnd.choice(
            ["+", f"+{cc}", "0", f"{cc}", "00", "011", "0011", "010", "0 21 ", "1", "", "", ""]
        )
        chars = []
        for c in prefix + digits:
            chars.append(c)
            if rnd.random() < 0.15:
                chars.append(rnd.choice(" -./"))
        text = "".join(chars).strip(" -./")
        given = rnd.choice([region, region, region, None])
        # Leave out the two inputs read on purpose differently from phonenumbers: Excel
        # floats ("...0.0") and a bare 00/011 with no region (taken as "+").
        if re.search(r"\.0+$", text) or (given is None and text.lstrip("(").startswith("0")):
            continue
        out.append((text, given))
    return out


def _reference(text: str, region: str | None) -> tuple[str | None, bool, str | None]:
    """phonenumbers.parse + format_number(E164) + is_valid_number + region_code_for_number."""
    try:
        num = pn.parse(text, region)
    except pn.NumberParseException:
        return None, False, None
    own = pn.region_code_for_number(num)
    return pn.format_number(num, Fmt.E164), pn.is_valid_number(num), own if own != "001" else None


def _disagreements(pairs, got):
    out = []
    for (text, region), e164, valid, own in zip(
        pairs, got["e164"], got["valid"], got["region"], strict=True
    ):
        mine = (None if pd.isna(e164) else e164, bool(valid), None if pd.isna(own) else own)
        if mine != _reference(text, region):
            out.append((text, region, mine, _reference(text, region)))
    return out


def _run(pairs):
    return normalize_phone(
        pd.Series([p[0] for p in pairs], dtype="str"),
        pd.Series([p[1] for p in pairs], dtype=object),
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_path_agrees_with_phonenumbers_on_realistic_numbers(seed, monkeypatch):
    pairs = _realistic(seed, 250)
    valid_share = np.mean([_reference(t, r)[1] for t, r in pairs])
    assert 0.5 < valid_share < 0.95  # the sample really holds valid and invalid numbers
    slow_calls = []
    real_slow = phone._slow
    monkeypatch.setattr(phone, "_slow", lambda t, r: slow_calls.append(t) or real_slow(t, r))
    got = _run(pairs)
    # 3000 numbers per seed; measured agreement 100% (and 0 of 80,000 random strings).
    assert _disagreements(pairs, got) == []
    # The fast path decided them: phonenumbers ran for (almost) none.
    assert len(slow_calls) < 0.01 * len(pairs)


def test_fast_path_agrees_with_phonenumbers_on_random_strings():
    pairs = _random(3, 5000)
    assert _disagreements(pairs, _run(pairs)) == []
