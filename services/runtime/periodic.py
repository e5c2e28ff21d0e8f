"""Periodic work inside a deployable (the notification dispatcher, the SLA scan, the portal pusher), and
several background loops under one app lifespan.

A periodic task is a ``BackgroundLoop`` whose run step calls a synchronous function in a worker thread
every ``interval_s``; an exception is reported on ``/ready`` and the loop restarts with backoff.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from .background import BackgroundLoop
from .http import Lifespan


def periodic(name: str, step: Callable[[], object], interval_s: float) -> BackgroundLoop:
    stopping = asyncio.Event()

    async def start() -> None:
        stopping.clear()

    async def run() -> None:
        while not stopping.is_set():
            await asyncio.to_thread(step)
            try:
                await asyncio.wait_for(stopping.wait(), interval_s)
            except TimeoutError:
                pass

    async def stop() -> None:
        stopping.set()

    return BackgroundLoop(name, start, run, stop)


def combined(*lifespans: Lifespan) -> Lifespan:
    """One lifespan entering each of ``lifespans`` in order and leaving them in reverse."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for each in lifespans:
                await stack.enter_async_context(each(app))
            yield

    return lifespan
