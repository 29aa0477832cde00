"""Reporting periods: the month and year arguments every command takes, and a month's bounds.

One definition for the monthly report (in WIB, Asia/Jakarta) and the access log's audit and
export (in the site's time zone), so the two never disagree on where a month starts.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from lpse.errors import InputError

WIB = ZoneInfo("Asia/Jakarta")


def parse_month(text: str | None) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"--month {text!r}: expected YYYY-MM, e.g. 2026-10")
    return int(m.group(1)), int(m.group(2))


def parse_year(text: str | int | None) -> int:
    if not re.fullmatch(r"\d{4}", str(text or "")) or not 2000 <= int(text) <= 2100:
        raise InputError(f"--year {text!r}: expected a year such as 2026")
    return int(text)


def month_bounds(year: int, month: int, tz: dt.tzinfo = WIB) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month in ``tz``: midnight of its first day to midnight of the next month's."""
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def this_month(tz: dt.tzinfo = WIB) -> str:
    now = dt.datetime.now(tz)
    return f"{now.year:04d}-{now.month:02d}"
