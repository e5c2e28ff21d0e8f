"""How the processing event store writes values the eventsourcing JSON transcoder does not know."""

from __future__ import annotations

from datetime import timedelta

from eventsourcing.persistence import Transcoding


class TimedeltaAsMicroseconds(Transcoding):
    """Waiting and paused times, exact to the microsecond (a float of seconds would drift)."""

    type = timedelta
    name = "timedelta_us"

    def encode(self, obj: timedelta) -> int:
        return obj // timedelta(microseconds=1)

    def decode(self, data: int) -> timedelta:
        return timedelta(microseconds=data)
