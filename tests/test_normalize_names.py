import random

import pandas as pd
import pytest
from cleanco import basename
from cleanco.termdata import terms_by_country, terms_by_type

from hygiene.normalize import (
    clean_company,
    clean_name,
    company_key,
    name_key,
    split_full_name,
)
from hygiene.normalize.company import _company_key, _company_keys, _legal_basename


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("JOHN", "John"),
        ("john", "John"),
        ("mcdonald", "McDonald"),
        ("MCDONALD", "McDonald"),
        ("o'brien", "O'Brien"),
        ("O’BRIEN", "O’Brien"),
        ("d'angelo", "D'Angelo"),
        ("van der berg", "van der Berg"),
        ("ludwig van beethoven", "Ludwig van Beethoven"),
        ("de la cruz", "de la Cruz"),
        ("jean-luc", "Jean-Luc"),
        ("MARY-KATE OLSEN", "Mary-Kate Olsen"),
        ("john smith iii", "John Smith III"),
        ("ÉMILE", "Émile"),
        ("van", "Van"),
        ("McDonald", "McDonald"),
        ("DeShawn", "DeShawn"),
        ("iPhone Guy", "iPhone Guy"),
        ("  Mary    Ann ", "Mary Ann"),
        ("Mary\u00a0Ann", "Mary Ann"),
        ("ﬁona", "Fiona"),
        ("N/A", None),
    ],
)
def test_clean_name(raw, clean):
    got = clean_name(pd.Series([raw])).iloc[0]
    assert pd.isna(got) if clean is None else got == clean


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("José", "jose"),
        ("JOSE", "jose"),
        ("O'Brien", "obrien"),
        ("Jean-Luc", "jeanluc"),
        ("  Mary   Ann ", "mary ann"),
        ("Søren", "soren"),
        ("Łukasz", "lukasz"),
        ("Straße", "strasse"),
        ("Smith 2", "smith"),
        ("123", None),
    ],
)
def test_name_key(raw, key):
    got = name_key(pd.Series([raw])).iloc[0]
    assert pd.isna(got) if key is None else got == key


@pytest.mark.parametrize(
    ("raw", "first", "last"),
    [
        ("Dr. John Q. Smith Jr.", "John", "Smith"),
        ("Smith, John", "John", "Smith"),
        ("John Smith", "John", "Smith"),
        ("Mary Ann van der Berg", "Mary", "van der Berg"),
        ("Cher", "Cher", None),
        ("N/A", None, None),
    ],
)
def test_split_full_name(raw, first, last):
    out = split_full_name(pd.Series([raw], index=[3]))
    assert list(out.columns) == ["first_name", "last_name"] and out.index.tolist() == [3]
    assert [None if pd.isna(v) else v for v in out.iloc[0].tolist()] == [first, last]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("  Acme   Inc. ", "Acme Inc."), ("ACME, Inc", "ACME, Inc"), ("eBay\u00a0Inc", "eBay Inc")],
)
def test_clean_company(raw, clean):
    assert clean_company(pd.Series([raw])).iloc[0] == clean


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (
            [
                "Acme Inc.",
                "ACME, Inc",
                "Acme Incorporated",
                "acme",
                "Acme Corp",
                "Acme LLC",
                "Acme Ltd",
                "Acme Limited",
                "Acme Co.",
                "The Acme Company",
            ],
            "acme",
        ),
        (["The Coca-Cola Company", "Coca-Cola", "COCA-COLA CO"], "cocacola"),
        (["Siemens AG", "Siemens"], "siemens"),
        (["Foo GmbH", "Foo GmbH & Co. KG"], "foo"),
        (["Widgets Pty Ltd", "Widgets Pty. Ltd."], "widgets"),
        (["Tesco PLC", "Tesco plc"], "tesco"),
        (["Société Générale S.A.", "Societe Generale SA"], "societe generale"),
        (["Bar B.V.", "Bar BV"], "bar"),
        (["Procter & Gamble Co", "Procter and Gamble"], "procter gamble"),
        (["AT&T Inc.", "ATT"], "att"),
    ],
)
def test_company_key_groups(names, key):
    assert company_key(pd.Series(names)).tolist() == [key] * len(names)


def test_company_key_keeps_bare_legal_word():
    assert company_key(pd.Series(["Inc"])).iloc[0] == "inc"


def test_legal_basename_equals_cleanco():
    """The fast suffix loop gives cleanco.basename's answer on real and generated names."""
    terms = sorted(
        {t for v in terms_by_type.values() for t in v}
        | {t for v in terms_by_country.values() for t in v}
    )
    rnd = random.Random(7)
    words = ["acme", "global", "the", "and", "&", "foo", "systems", "holding", "müller"]
    names = ["Acme Inc.", "Foo S de RL S de RL", "Ltd Ltd Inc Co", "Foo GmbH & Co. KG"]
    names += [
        " ".join(rnd.choice(words + terms) for _ in range(rnd.randint(1, 5)))
        + rnd.choice(["", ",", ".", " "])
        for _ in range(5000)
    ]
    assert [n for n in names if _legal_basename(n) != basename(n)] == []


def _random_companies(n: int, seed: int) -> list[str]:
    """Names built from legal words (cleanco's), stop words, punctuation and odd spacing."""
    terms = sorted(
        {t for v in terms_by_type.values() for t in v}
        | {t for v in terms_by_country.values() for t in v}
    )
    rnd = random.Random(seed)
    words = ["acme", "The", "the", "and", "AND", "&", "Foo", "systems", "-", ".", "_x_", "O'Neil"]
    words += ["Müller", "Café", "Ａｃｍｅ"]  # the Python path
    seps = [" ", "  ", ", ", " - ", "\t"]
    out = []
    for _ in range(n):
        pool = words + terms + [t.upper() for t in terms]
        parts = [rnd.choice(pool) for _ in range(rnd.randint(1, 9))]
        name = "".join(p + rnd.choice(seps) for p in parts[:-1]) + parts[-1]
        end = rnd.choice(["", ",", ".", " ", " !", "-"])
        out.append(rnd.choice(["", " ", "The "]) + name + end)
    return out + ["Inc", "The", "the and", "And Co", "Ltd " * 9, "-", "The Inc", "A B"]


def test_company_key_columns_equal_the_one_value_definition():
    """The Arrow path (printable ASCII) and the Python path give `_company_key` of each."""
    names = _random_companies(20_000, seed=11)
    got = _company_keys(pd.Series(names, dtype="str")).astype(object).tolist()
    got = [None if pd.isna(g) else g for g in got]
    want = [_company_key(n) for n in names]
    assert [(n, g, w) for n, g, w in zip(names, got, want, strict=True) if g != w] == []
