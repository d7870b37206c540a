"""The buffer-level string kernels against their one-value definitions."""

import re

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.checks.values import repeated_char
from hygiene.normalize._arrow import ascii_digits

_TEXT = st.one_of(st.none(), st.text(alphabet="09 5-()+éx٣\U0001f600", max_size=14))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_TEXT, max_size=30), skip=st.integers(min_value=0, max_value=4))
def test_ascii_digits_keeps_only_ascii_digits_on_sliced_arrays(values, skip):
    arr = pa.array(values, type=pa.string()).slice(min(skip, len(values)))
    want = [None if v is None else re.sub(r"[^0-9]", "", v) for v in values[skip:]]
    assert ascii_digits(arr).to_pylist() == want
    assert ascii_digits(arr.cast(pa.large_string())).to_pylist() == want


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            _TEXT,
            st.builds(lambda c, k: c * k, st.sampled_from("x0éア\U0001f600"), st.integers(0, 7)),
        ),
        max_size=30,
    ),
    skip=st.integers(min_value=0, max_value=4),
    min_len=st.integers(min_value=1, max_value=4),
)
def test_repeated_char_is_one_character_repeated_min_len_times(values, skip, min_len):
    arr = pa.array(values, type=pa.string()).slice(min(skip, len(values)))
    want = [v is not None and len(v) >= min_len and len(set(v)) == 1 for v in values[skip:]]
    assert repeated_char(arr, min_len).tolist() == want
