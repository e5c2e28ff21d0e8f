"""Run a long-lived loop (relay, consumer) inside a deployable's HTTP process.

The loop is started by the app's lifespan and stopped on shutdown. When it fails (broker or database away
at start, an unexpected error) it is stopped, reported on ``/ready`` (check "loop") and started again with
backoff, so the process recovers by itself once its dependencies are back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .logging import get_logger

log = get_logger(__name__)


class BackgroundLoop:
    def __init__(
        self,
        name: str,
        start: Callable[[], Awaitable[None]],
        run: Callable[[], Awaitable[None]],
        stop: Callable[[], Awaitable[None]],
    ) -> None:
        self.name = name
        self._start, self._run, self._stop = start, run, stop
        self.task: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None

    async def check(self) -> str:
        if self.task is None:
            raise RuntimeError("not started")
        if self.task.done() or self.failure is not None:
            raise RuntimeError(f"not running: {self.failure!r}")
        return "running"

    async def _supervise(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._start()
                self.failure = None
                backoff = 0.5
                await self._run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: report, clean up, start again
                self.failure = exc
                log.warning(
                    "background loop failed; restarting",
                    loop=self.name,
                    error=f"{type(exc).__name__}: {exc}",
                    retry_in_s=backoff,
                )
                try:
                    await asyncio.wait_for(self._stop(), 15)
                except Exception:  # noqa: BLE001 - the loop is already broken; the restart is what matters
                    pass
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        self.task = asyncio.create_task(self._supervise(), name=self.name)
        try:
            yield
        finally:
            try:
                await asyncio.wait_for(self._stop(), 15)
            except Exception:
                log.exception("error while stopping background loop", loop=self.name)
            self.task.cancel()
            try:
                await self.task
            except BaseException:  # noqa: BLE001 - cancelled or already reported
                pass
