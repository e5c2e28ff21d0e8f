"""Waiting on conditions with a deadline: the only way tests wait (never a fixed sleep for an effect)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


async def wait_until_async(
    predicate: Callable[[], Awaitable[bool]], within_s: float, what: str, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {within_s}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
