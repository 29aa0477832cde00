import datetime as dt

import pytest

from lpse.errors import InputError
from lpse.period import WIB, month_bounds, parse_month, parse_year


def test_a_month_runs_from_midnight_of_its_first_day_to_the_next_months():
    start, end = month_bounds(2026, 2)
    assert (start, end) == (dt.datetime(2026, 2, 1, tzinfo=WIB), dt.datetime(2026, 3, 1, tzinfo=WIB))
    assert month_bounds(2026, 12)[1] == dt.datetime(2027, 1, 1, tzinfo=WIB)


def test_the_bounds_are_in_the_zone_asked_for():
    start, _ = month_bounds(2026, 11, dt.UTC)
    assert start.astimezone(WIB).hour == 7
    assert month_bounds(2026, 11)[0].astimezone(dt.UTC) == dt.datetime(2026, 10, 31, 17, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "okt", "", None, "2026-1"])
def test_a_bad_month_is_named(text):
    with pytest.raises(InputError, match="expected YYYY-MM"):
        parse_month(text)


@pytest.mark.parametrize("text", ["26", "1999", "2101", "tahun", None])
def test_a_bad_year_is_named(text):
    with pytest.raises(InputError, match="expected a year"):
        parse_year(text)
