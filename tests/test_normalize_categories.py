import pandas as pd
import pytest
import yaml

from hygiene.normalize import category_key, parse_bool
from hygiene.resources import rules_dir


@pytest.mark.parametrize(
    ("field", "raw", "key"),
    [
        ("lifecycle_stage", "MQL", "marketingqualifiedlead"),
        ("lifecycle_stage", "Marketing Qualified Lead", "marketingqualifiedlead"),
        ("lifecycle_stage", "marketing-qualified", "marketingqualifiedlead"),
        ("lifecycle_stage", "marketingqualifiedlead", "marketingqualifiedlead"),
        ("lifecycle_stage", "SQL", "salesqualifiedlead"),
        ("lifecycle_stage", " Customer ", "customer"),
        ("lifecycle_stage", "Closed Won", "customer"),
        ("lead_status", "Open - Not Contacted", "new"),
        ("lead_status", "IN_PROGRESS", "inprogress"),
        ("lead_status", "Working - Contacted", "inprogress"),
        ("email_status", "Subscribed", "subscribed"),
        ("email_status", "UNSUBSCRIBED", "unsubscribed"),
        ("email_status", "NEVER_SUBSCRIBED", "transactional"),
        ("email_status", "Cleaned", "cleaned"),
        ("email_status", "Hard Bounce", "bounced"),
        ("consent", "Opted In", "granted"),
        ("consent", "No", "denied"),
        ("consent", "Legitimate interest", "legitimateinterest"),
        ("gender", "F", "female"),
        ("gender", "Männlich", "male"),
        ("language", "en-US", "en"),
        ("language", "Deutsch", "de"),
        ("language", "NO", "nb"),
        ("lifecycle_stage", "Some New Stage", "somenewstage"),  # unknown keeps its own key
        ("no_such_field", "Foo-Bar", "foobar"),
    ],
)
def test_category_key(field, raw, key):
    assert category_key(pd.Series([raw]), field).iloc[0] == key


def test_category_key_missing():
    out = category_key(pd.Series(["N/A", None, "--"], index=[5, 6, 7]), "lifecycle_stage")
    assert out.index.tolist() == [5, 6, 7]
    assert out.isna().all()


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("y", True),
        ("1", True),
        ("1.0", True),
        ("t", True),
        ("on", True),
        ("Opted In", True),
        ("opt-in", True),
        ("subscribed", True),
        ("x", True),
        ("false", False),
        ("No", False),
        ("N", False),
        ("0", False),
        ("f", False),
        ("off", False),
        ("Opted Out", False),
        ("opted-out", False),
        ("Unsubscribed", False),
        ("maybe", None),
        ("unknown", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_bool(raw, value):
    out = parse_bool(pd.Series([raw], dtype=object))
    assert str(out.dtype) == "boolean"
    assert pd.isna(out.iloc[0]) if value is None else out.iloc[0] == value


# Excel shows a TRUE/FALSE cell in the language of its install and writes that word into
# the CSV it saves: a Salesforce "Email Opt Out" column opened and re-saved by a German Excel
# holds WAHR / FALSCH. The words are Excel's localized TRUE() / FALSE() function names
# (Microsoft's function translations; the same pairs are in a public true/false translation
# table: de Wahr/Falsch, es Verdadero/Falso, fr Vrai/Faux, it Vero/Falso, nl Waar/Onwaar,
# pl Prawda/Falsz, pt Verdadeiro/Falso, sv Sant/Falskt, hu Igaz/Hamis, tr Dogru/Yanlis).
EXCEL_LOCALIZED_BOOLEANS = [
    ("WAHR", "FALSCH"),  # de
    ("VRAI", "FAUX"),  # fr
    ("VERDADERO", "FALSO"),  # es
    ("VERO", "FALSO"),  # it
    ("WAAR", "ONWAAR"),  # nl
    ("VERDADEIRO", "FALSO"),  # pt
    ("SANT", "FALSKT"),  # sv
    ("SAND", "FALSK"),  # da
    ("SANN", "USANN"),  # nb
    ("TOSI", "EPÄTOSI"),  # fi
    ("PRAWDA", "FAŁSZ"),  # pl
    ("PRAVDA", "NEPRAVDA"),  # cs
    ("IGAZ", "HAMIS"),  # hu
    ("DOĞRU", "YANLIŞ"),  # tr
    ("ИСТИНА", "ЛОЖЬ"),  # ru
]


@pytest.mark.parametrize("true_word,false_word", EXCEL_LOCALIZED_BOOLEANS)
def test_parse_bool_reads_excels_localized_true_false(true_word, false_word):
    out = parse_bool(pd.Series([true_word, false_word, true_word.title(), false_word.lower()],
                               dtype=object))
    assert [None if pd.isna(v) else bool(v) for v in out] == [True, False, True, False]


@pytest.mark.parametrize(
    "name", ["categories.yaml", "booleans.yaml", "countries.yaml", "states.yaml"]
)
def test_alias_tables_hold_only_strings(name):
    """YAML reads bare yes/no/on/off/NO as booleans; every spelling must stay text."""
    data = yaml.safe_load((rules_dir() / "aliases" / name).read_text(encoding="utf-8"))
    bad = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if not isinstance(k, str):
                    bad.append((*path, k))
                walk(v, (*path, k))
        elif isinstance(node, list):
            bad.extend((*path, v) for v in node if not isinstance(v, str))

    walk(data, ())
    assert bad == []
