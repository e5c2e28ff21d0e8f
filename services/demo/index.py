"""Whether projections-api shows the month: the province's index tree, and what "non-empty" means."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from .client import Client


def scored_groups(row: dict[str, Any]) -> list[str]:
    """The groups of one unit's index with at least one indicator computed from data (not EMPTY)."""
    return [
        str(g["code"])
        for g in row.get("groups", [])
        if any(
            i.get("status") == "SCORED" and (i.get("denominator") or 0) > 0 for i in g.get("indicators", [])
        )
    ]


def index_has_data(tree: list[dict[str, Any]]) -> bool:
    """The province has dossiers in its index and so has at least one of its units."""
    if not tree:
        return False
    province, units = tree[0], tree[1:]
    return bool(scored_groups(province)) and any(scored_groups(u) for u in units)


async def index_tree(client: Client, unit: str, period: str) -> list[dict[str, Any]]:
    headers = client.headers("auditor", "kiemtoan.demo")
    answer = await client.call("GET", "projections-api", f"/index/tree?unit={unit}&period={period}", headers)
    return list(answer.body) if answer.ok and isinstance(answer.body, list) else []


async def wait_for_index(
    client: Client, unit: str, period: str, within: float, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """The tree once it has data (the projector catches up with Kafka after the driver), or the last one."""
    deadline = time.monotonic() + within
    tree: list[dict[str, Any]] = []
    while True:
        tree = await index_tree(client, unit, period)
        if index_has_data(tree) or time.monotonic() > deadline:
            return tree
        log(f"[demo] chờ projections-api có chỉ số {unit} {period}…")
        await asyncio.sleep(2)
