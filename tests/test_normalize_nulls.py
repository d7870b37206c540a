import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.normalize import NULL_LIKES, TEXT, nullify
from hygiene.normalize.nulls import TRIM_CHARS, nullify_arrow


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


_ALPHABET = "aZé N/A-#(n)lu\u00a0\u200b\ufeff\t"


def _by_definition(v: str | None) -> str | None:
    if v is None:
        return None
    v = v.strip(TRIM_CHARS)
    return None if v.lower() in NULL_LIKES else v


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.text(alphabet=_ALPHABET, max_size=12)), max_size=40),
    cut=st.integers(min_value=0, max_value=40),
    skip=st.integers(min_value=0, max_value=3),
)
def test_nullify_matches_its_definition_on_chunked_and_sliced_arrays(values, cut, skip):
    # pandas holds text as chunked large_string; a slice has a non-zero offset.
    arr = pa.array(values, type=pa.large_string())
    cut = min(cut, len(values))
    chunks = [c for c in (arr.slice(0, cut), arr.slice(cut)) if len(c)] or [arr]
    chunked = pa.chunked_array(chunks, type=pa.large_string())
    s = pd.Series(pd.array(chunked, dtype=TEXT)).iloc[min(skip, len(values)):]
    got = nullify(s)
    expected = [_by_definition(v) for v in values[min(skip, len(values)):]]
    assert [None if pd.isna(v) else v for v in got] == expected
    assert list(got.index) == list(s.index)
    arrow_out = nullify_arrow(pa.array(values, type=pa.string()).slice(min(skip, len(values))))
    assert arrow_out.to_pylist() == expected
