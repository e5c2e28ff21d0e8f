"""The demo driver end to end (issue 7): a small month (40 dossiers) played through every deployable's API
on simulated time ends with projections-api showing the province's index with data in each of its six
groups, and units under it with data of their own."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from e2e_stack import Stack
from test_delivery_support import start_with_env

from services.demo.catalogue import load_province
from services.demo.client import Client
from services.demo.driver import Dossier, Driver
from services.demo.index import index_has_data, scored_groups, wait_for_index
from services.demo.payments import PaymentPlatform
from services.demo.stories import Mix, sample_month
from services.demo.timing import arrival, month_bounds, working_days
from services.deployables import DEPLOYABLES

MONTH = "2026-10"
GROUPS = {"CKMB", "TDGQ", "DVCTT", "TTTT", "MDSH", "MDHL"}


@pytest.fixture(scope="module")
def demo(stack: Stack) -> Iterator[Stack]:
    start_with_env(stack, "fake-national-portal")
    for d in DEPLOYABLES:
        if d.name == "fake-national-portal":
            continue
        extra = (
            {"PORTAL_SYNC_PORTAL_URL": stack.urls["fake-national-portal"]} if d.name == "portal-sync" else {}
        )
        start_with_env(stack, d.name, extra)
    yield stack


async def play(stack: Stack, count: int, seed: int) -> tuple[dict[str, int], list[dict[str, object]]]:
    start, end = month_bounds(MONTH)
    province = load_province(date(2026, 10, 1))
    calendar = province.reference.calendar_for(province.code)
    stories = sample_month(
        seed,
        count,
        Mix(),
        province.commune_procedures,
        province.provincial_procedures,
        province.communes,
        province.service_centre,
    )
    rng = random.Random(seed)
    days = working_days(calendar, start, end)
    arrivals = [arrival(rng, calendar, days, s.channel) for s in stories]
    client = Client(dict(stack.urls))
    payments = PaymentPlatform(stack.kafka_bootstrap, stack.namespace)
    await payments.start()
    try:
        driver = Driver(client, province, payments, end=end, slot=timedelta(minutes=10), log=lambda _: None)
        report = await driver.run(
            [Dossier(n, s, random.Random(f"{seed}/{n}")) for n, s in enumerate(stories)], arrivals
        )
        tree = await wait_for_index(client, province.code, MONTH, 180, lambda _: None)
        return dict(report.done), tree
    finally:
        await payments.stop()
        await client.close()


def test_a_small_demo_month_fills_the_index_of_the_province_and_its_units(demo: Stack) -> None:
    done, tree = asyncio.run(play(demo, 40, seed=11))
    assert done["submit"] == 40 and done["decide"] > 20, done
    assert done.get("pay", 0) > 0 and done.get("rate", 0) > 0, done
    assert index_has_data(tree)
    province, units = tree[0], tree[1:]
    assert province["unit_code"] == "H44" and float(province["total"]) > 0
    assert set(scored_groups(province)) == GROUPS, scored_groups(province)
    # Units with dossiers of their own in the month (catalogue-only indicators score for every unit).
    assert sum("TDGQ" in scored_groups(u) for u in units) >= 3
