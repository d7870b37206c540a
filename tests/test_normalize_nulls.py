import pandas as pd
import pytest

from hygiene.normalize import NULL_LIKES, TEXT, nullify


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ann  ", "Ann"),
        ("\u00a0Ann\u00a0", "Ann"),
        ("\ufeffAnn", "Ann"),
        ("\u200bAnn\u200b", "Ann"),
        ("", None),
        ("   ", None),
        ("N/A", None),
        ("n/a", None),
        ("NULL", None),
        ("None", None),
        ("#N/A", None),
        ("-", None),
        ("(blank)", None),
        ("nan", None),
        ("unknown", "unknown"),  # a placeholder, reported by checks, not a missing value
        ("test", "test"),
        ("N/A Corp", "N/A Corp"),
    ],
)
def test_nullify(raw, expected):
    out = nullify(pd.Series([raw], index=[7]))
    assert out.index.tolist() == [7]
    assert out.dtype == TEXT
    if expected is None:
        assert pd.isna(out.iloc[0])
    else:
        assert out.iloc[0] == expected


def test_nullify_keeps_index_and_missing_and_non_text():
    s = pd.Series(["a", None, 5, float("nan")], index=["w", "x", "y", "z"], dtype=object)
    out = nullify(s)
    assert out.index.tolist() == ["w", "x", "y", "z"]
    assert out.tolist()[0] == "a" and out.tolist()[2] == "5"
    assert out.isna().tolist() == [False, True, False, True]


def test_null_likes_are_casefolded_and_exclude_placeholders():
    assert all(v == v.casefold().strip() for v in NULL_LIKES)
    assert "unknown" not in NULL_LIKES and "test" not in NULL_LIKES
