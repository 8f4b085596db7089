"""The registry's one clock: Hanoi's time zone, the moment now, and today's date in Hanoi.

Planners date decisions, effective dates and report cut-offs by the day in Hanoi (UTC+7); a
server on UTC would still be on yesterday until 07:00 there. Every part of the registry asks
this module, never ``date.today()`` or ``datetime.now()``, and a test stops every reading at
one moment with ``frozen``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7, no daylight saving


def _system_now() -> datetime:
    return datetime.now(UTC)


# The one source every reading goes through, so that ``frozen`` stops them all at once.
_source: Callable[[], datetime] = _system_now


def now_utc() -> datetime:
    """The moment now, in UTC (as the store keeps times)."""
    return _source().astimezone(UTC)


def now_hanoi() -> datetime:
    """The moment now, on Hanoi's wall clock."""
    return now_utc().astimezone(HANOI)


def today() -> date:
    """Today's date in Hanoi."""
    return now_hanoi().date()


def hanoi_date(moment: datetime) -> date:
    """The day in Hanoi of a moment; a naive moment is taken as UTC, as the store keeps times."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(HANOI).date()


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Inside the block every reading of the clock gives ``moment`` (an aware datetime)."""
    global _source
    if moment.tzinfo is None:
        raise ValueError("freeze the clock at an aware moment, e.g. with tzinfo=UTC")
    previous = _source
    _source = lambda: moment  # noqa: E731 - the frozen source is this one moment
    try:
        yield
    finally:
        _source = previous
