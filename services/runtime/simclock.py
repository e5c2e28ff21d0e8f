"""Simulated time for a running deployable: tests and demos set "now" over HTTP instead of waiting for it.

With ``SERVICE_CLOCK=simulated`` a process's clock starts at ``SERVICE_CLOCK_START`` (default: the real
now) and runs at ``SERVICE_CLOCK_RATE`` times real speed (0 = frozen until set); an operator moves it
with ``PUT /ops/clock``. Refused in production: there, "now" is the system clock and nothing else.
"""

import threading
import time
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI
from pydantic import AwareDatetime, BaseModel, Field

from .auth import AuthSettings, Principal, Role, install_auth, require_roles
from .problems import install_problem_handlers

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class SimulatedClock:
    def __init__(self, start: datetime | None = None, rate: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._anchor = (start or datetime.now(VN)).astimezone(VN)
        self._anchor_mono = time.monotonic()
        self._rate = rate

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._anchor_mono) * self._rate
            return self._anchor + timedelta(seconds=elapsed)

    def set(self, at: datetime, rate: float | None = None) -> None:
        with self._lock:
            self._anchor = at.astimezone(VN)
            self._anchor_mono = time.monotonic()
            if rate is not None:
                self._rate = rate

    @property
    def rate(self) -> float:
        return self._rate


class ClockSetting(BaseModel):
    model_config = {"extra": "forbid"}
    now: AwareDatetime
    rate: float | None = Field(
        default=None, ge=0, le=100_000, description="simulated seconds per real second"
    )


def clock_router(clock: SimulatedClock) -> APIRouter:
    router = APIRouter(prefix="/ops/clock", tags=["operations"])
    operator = require_roles(Role.OPERATOR)

    @router.get("", summary="The simulated now of this process")
    async def read() -> dict[str, object]:
        return {"now": clock.now().isoformat(), "rate": clock.rate, "simulated": True}

    @router.put("", summary="Move the simulated clock (operator; never in production)")
    async def move(
        body: ClockSetting, principal: Annotated[Principal, Depends(operator)]
    ) -> dict[str, object]:
        clock.set(body.now, body.rate)
        return {"now": clock.now().isoformat(), "rate": clock.rate, "simulated": True}

    return router


def serve_clock_on_worker(app: FastAPI, clock: SimulatedClock | None) -> None:
    """A worker's own timers and stamps follow its clock, so an operator moves it like the APIs' clocks.
    Workers have no other routes, so they get the token check and problem documents only with this one."""
    if clock is None:
        return
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    app.include_router(clock_router(clock))
