import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.normalize import parse_dates
from hygiene.normalize.dates import date_order

JAN5 = pd.Timestamp("2024-01-05", tz="UTC")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-05", JAN5),
        ("2024-01-05 10:11", pd.Timestamp("2024-01-05 10:11", tz="UTC")),
        ("2024-01-05T10:11:12Z", pd.Timestamp("2024-01-05 10:11:12", tz="UTC")),
        ("2024-01-05T10:11:12.000+0000", pd.Timestamp("2024-01-05 10:11:12", tz="UTC")),
        ("2024-01-05T10:11:12+02:00", pd.Timestamp("2024-01-05 08:11:12", tz="UTC")),
        ("01/05/2024", JAN5),
        ("1/5/2024", JAN5),
        ("1/5/24", JAN5),
        ("1/5/2024, 10:11 AM", pd.Timestamp("2024-01-05 10:11", tz="UTC")),
        ("1/5/2024 10:11 PM", pd.Timestamp("2024-01-05 22:11", tz="UTC")),
        ("05.01.2024", JAN5),
        ("2024/01/05", JAN5),
        ("Jan 5, 2024", JAN5),
        ("January 5, 2024", JAN5),
        ("5 Jan 2024", JAN5),
        ("05-Jan-2024", JAN5),
        ("45296", JAN5),  # Excel serial day
        ("45296.5", pd.Timestamp("2024-01-05 12:00", tz="UTC")),
        ("1704449471", pd.Timestamp("2024-01-05 10:11:11", tz="UTC")),  # epoch seconds
        ("1704449471000", pd.Timestamp("2024-01-05 10:11:11", tz="UTC")),  # epoch ms
        ("20240105", JAN5),
        ("not a date", None),
        ("2024-13-45", None),
        ("12", None),
        ("N/A", None),
    ],
)
def test_parse_dates(raw, expected):
    out = parse_dates(pd.Series([raw], index=[8]))
    assert str(out.dtype) == "datetime64[ns, UTC]" and out.index.tolist() == [8]
    assert pd.isna(out.iloc[0]) if expected is None else out.iloc[0] == expected


@pytest.mark.parametrize(
    ("column", "first"),
    [
        (["01/05/2024", "02/06/2024"], pd.Timestamp("2024-01-05", tz="UTC")),  # default m/d
        (["01/05/2024", "25/12/2023"], pd.Timestamp("2024-05-01", tz="UTC")),  # day > 12 seen
        (["01/05/2024", "12/25/2023"], pd.Timestamp("2024-01-05", tz="UTC")),  # month first
        (["01-05-2024", "31-01-2024"], pd.Timestamp("2024-05-01", tz="UTC")),
    ],
)
def test_day_first_is_inferred_per_column(column, first):
    out = parse_dates(pd.Series(column))
    assert out.iloc[0] == first and out.notna().all()


def test_mixed_formats_and_missing():
    s = pd.Series(["2024-01-05", None, "Jan 5, 2024", "", "45296"], index=list("abcde"))
    out = parse_dates(s)
    assert out.index.tolist() == list("abcde")
    assert out.isna().tolist() == [False, True, False, True, False]
    assert set(out.dropna()) == {JAN5}


# --- date order per column -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "order"),
    [
        (["05/01/2024", "25/12/2023"], "dmy"),
        (["05/01/2024", "12/25/2023"], "mdy"),
        (["05/01/2024", "02/03/2024"], "ambiguous"),  # no day above 12: cannot tell
        (["05/01/2024", "25/12/2023", "12/25/2023"], "ambiguous"),  # both ways
        (["2024-01-05", "2023-12-25"], None),  # ISO: no order to decide
        (["05.01.2024", "02.03.2024"], None),  # dd.mm.yyyy is European by convention
        ([None, "", "N/A"], None),
    ],
)
def test_date_order_is_decided_from_the_whole_column(column, order):
    assert date_order(pd.Series(column, dtype="str")) == order


def test_a_deciding_value_far_down_the_column_counts():
    column = ["01/02/2024"] * 30_000 + ["31/01/2024"]
    assert date_order(pd.Series(column, dtype="str")) == "dmy"
    out = parse_dates(pd.Series(column, dtype="str"))
    assert out.iloc[0] == pd.Timestamp("2024-02-01", tz="UTC")


@pytest.mark.parametrize(("order", "first"), [("dmy", "2024-02-05"), ("mdy", "2024-05-02")])
def test_a_given_order_settles_an_undecided_column(order, first):
    out = parse_dates(pd.Series(["05/02/2024", "03/04/2024"], dtype="str"), order)
    assert out.iloc[0] == pd.Timestamp(first, tz="UTC")


_DAY = st.integers(1, 28)
_MONTH = st.integers(1, 12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_DAY, _MONTH), min_size=1, max_size=30), st.randoms())
def test_date_order_does_not_depend_on_row_order(pairs, rnd):
    """Invariant: the answer is a property of the column's values, not of their order; and a
    day-first column with some day above 12 is read day first."""
    column = [f"{d:02d}/{m:02d}/2024" for d, m in pairs]
    shuffled = column[:]
    rnd.shuffle(shuffled)
    got = date_order(pd.Series(column, dtype="str"))
    assert got == date_order(pd.Series(shuffled, dtype="str"))
    assert got == ("dmy" if any(d > 12 for d, _ in pairs) else "ambiguous")


def test_dates_outside_nanosecond_range_are_unparsed_not_a_crash():
    """Splink's historical_50k person set holds birth dates such as 1630-08-01: bad data
    for a CRM, never a reason for the audit to stop (pandas parses them at a coarser unit
    that does not fit datetime64[ns])."""
    s = pd.Series(["1630-08-01", "1980-01-02", "01/02/1600", "2300-01-01", None])
    out = parse_dates(s)
    assert str(out.dtype) == "datetime64[ns, UTC]"
    assert out.isna().tolist() == [True, False, True, True, True]


# -- a format no value could be read with is not parsed (hygiene.normalize.dates._readable) --

#: One real-world value per kind of format, and near misses (separators swapped, a literal
#: missing or doubled) that only a full parse can tell apart.
_DATE_PIECES = [
    "2024-03-05", "2024-03-05T14:30:00Z", "2024-03-05 14:30:00+02:00", "03/05/2024",
    "03/05/2024 14:30", "03/05/2024 2:30 PM", "03/05/2024, 2:30 PM", "3/5/24", "03-05-2024",
    "05.03.2024", "05.03.2024 14:30:00", "5.3.24", "2024/03/05", "2024/03/05 14:30",
    "Mar 5, 2024", "March 5 2024", "5 Mar 2024", "05-Mar-24", "Tue, 05 Mar 2024 14:30:00 +0000",
    "Tue Mar 05 14:30:00 2024", "Mar 5, 2024 2:30 PM", "2024.03.05", "05/03/2024:", "05:03:2024",
    "2024-03-05,", "03/05-2024", "31/12/1999", "12/31/1999 23:59:59", "1999-12-31 23:59", "--",
    "n/a", "5/3", "2024", "05,03,2024",
]


def _parse_every_format(values: pd.Series, order):
    """parse_dates with every format tried (a fixture cannot be used under @given)."""
    from hygiene.normalize import dates

    with pytest.MonkeyPatch.context() as m:
        m.setattr(dates, "_readable", lambda values, formats: set(formats))
        return parse_dates(values, order)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(_DATE_PIECES)
        | st.text(alphabet=st.sampled_from("0123456789/-.:, APMTZar+"), max_size=22),
        min_size=1, max_size=25,
    ),
    st.sampled_from([None, "dmy", "mdy"]),
)
def test_skipping_unreadable_formats_reads_every_value_the_same(values, order):
    """Leaving out the formats whose literal characters no value holds gives the same dates
    as trying every format, whatever the values."""
    s = pd.Series(values, dtype="str")
    want = _parse_every_format(s, order)
    got = parse_dates(s, order)
    pd.testing.assert_series_equal(got, want)


@pytest.mark.parametrize(
    ("fmt", "literals"),
    [("ISO8601", set()), ("%m/%d/%Y %H:%M", {"/", ":"}), ("%b %d, %Y", {","}),
     ("%d.%m.%y", {"."}), ("%Y%m%d", set()), ("%a, %d %b %Y %H:%M:%S %z", {",", ":"})],
)
def test_format_literals(fmt, literals):
    from hygiene.normalize.dates import format_literals

    assert format_literals(fmt) == literals
