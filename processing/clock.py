"""Where the processing context gets "now": the system clock in production, a settable clock in tests and demos.

Business time is Asia/Ho_Chi_Minh; every clock answers timezone-aware datetimes in that zone, so events and
alerts never depend on the host's time zone, and a simulated clock drives the deadline watcher.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in business time."""
        ...


class SystemClock:
    """The host's clock, rendered in business time."""

    def now(self) -> datetime:
        return datetime.now(BUSINESS_TZ)


class SettableClock:
    """A clock that stands still until told otherwise: for tests, simulations and historical imports."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._at = business_time(at)

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = business_time(at)

    def advance(self, by: timedelta) -> datetime:
        """Move forward by ``by`` (never backwards) and return the new time."""
        if by < timedelta(0):
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._at = self._at + by
            return self._at


def business_time(at: datetime) -> datetime:
    """``at`` in Asia/Ho_Chi_Minh; naive datetimes are refused rather than guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; business times must be timezone-aware")
    return at.astimezone(BUSINESS_TZ)
