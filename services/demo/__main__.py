"""``python -m services.demo``: drive a month of a province's traffic through the running deployables.

    python -m services.demo --dossiers 300 --seed 766 --month 2026-10
    python -m services.demo --print-clocked          # the deployables whose clock the demo moves

Options: ``--base-urls name=url,…`` (defaults: the ports of services/deployables.py), ``--kafka`` and
``--namespace`` for the payment platform's stand-in (defaults: KAFKA_BOOTSTRAP_SERVERS and
KAFKA_TOPIC_NAMESPACE), ``--wait-index S`` (how long to wait for projections-api to show the month).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from .catalogue import load_province
from .client import Client, parse_urls
from .driver import CLOCKED, Dossier, Driver
from .index import index_has_data, wait_for_index
from .payments import PaymentPlatform
from .stories import Mix, sample_month
from .timing import VN, arrival, first_opening, month_bounds, previous_month, working_days


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=300, help="dossiers submitted in the month")
    parser.add_argument("--seed", type=int, default=766, help="random seed: the same seed, the same month")
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the month before today)")
    parser.add_argument("--base-urls", default=os.environ.get("DEMO_BASE_URLS"), help="name=url,…")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    parser.add_argument("--namespace", default=os.environ.get("KAFKA_TOPIC_NAMESPACE", ""))
    parser.add_argument(
        "--slot-minutes", type=int, default=10, help="actions this close share one clock move"
    )
    parser.add_argument("--wait-index", type=float, default=300, help="seconds to wait for the index")
    parser.add_argument("--print-clocked", action="store_true", help="print the clock-bearing deployables")
    parser.add_argument("--print-start", action="store_true", help="print where the clocks start, and exit")
    parser.add_argument("--print-month", action="store_true", help="print the month played, and exit")
    return parser.parse_args(argv)


def log(text: str) -> None:
    print(text, flush=True)


async def check_services(client: Client, names: list[str]) -> None:
    """Every deployable answers /health, and the clock-bearing ones run on a simulated clock."""
    for name in names:
        answer = await client.call("GET", name, "/health")
        if not answer.ok:
            raise SystemExit(f"[demo] {name} does not answer at {client.urls[name]}: {answer.status}")
    for name in CLOCKED:
        answer = await client.call("GET", name, "/ops/clock")
        if not answer.ok:
            raise SystemExit(
                f"[demo] {name} has no simulated clock (GET /ops/clock → {answer.status}); start the "
                "deployables with SERVICE_CLOCK=simulated (make run does)"
            )


async def main(args: argparse.Namespace) -> int:
    month = args.month or previous_month(datetime.now(VN).date())
    start, end = month_bounds(month)
    province = load_province(start.date())
    calendar = province.reference.calendar_for(province.code)
    if args.print_start or args.print_month:
        print(first_opening(calendar, month).isoformat() if args.print_start else month)
        return 0
    client = Client(parse_urls(args.base_urls))
    began = time.monotonic()
    try:
        needed = [*CLOCKED, "intake-api", "fake-national-portal"]
        await check_services(client, list(dict.fromkeys(needed)))
        mix = Mix()
        stories = sample_month(
            args.seed,
            args.dossiers,
            mix,
            province.commune_procedures,
            province.provincial_procedures,
            province.communes,
            province.service_centre,
        )
        rng = random.Random(args.seed + 1)
        days = working_days(calendar, start, end)
        arrivals = [arrival(rng, calendar, days, s.channel) for s in stories]
        dossiers = [Dossier(n, s, random.Random(f"{args.seed}/{n}")) for n, s in enumerate(stories)]
        channels: dict[str, int] = {}
        for s in stories:
            channels[s.channel] = channels.get(s.channel, 0) + 1
        log(
            f"[demo] tháng {month}: {len(stories)} hồ sơ (seed {args.seed}) · kênh {channels} · "
            f"đồng hồ từ {first_opening(calendar, month):%d/%m/%Y %H:%M}"
        )
        payments = PaymentPlatform(args.kafka, args.namespace)
        await payments.start()
        try:
            driver = Driver(
                client, province, payments, end=end, slot=timedelta(minutes=args.slot_minutes), log=log
            )
            report = await driver.run(dossiers, arrivals)
        finally:
            await payments.stop()
        # The month is over: every clock goes on from the real now, as the system clock would.
        await driver.move_clocks(datetime.now(VN), rate=1.0)
        log(
            f"[demo] xong tháng {month} sau {time.monotonic() - began:.0f}s: {dict(report.done)}; "
            f"thanh toán trực tuyến {payments.published}; bỏ dở {dict(report.gave_up)}; "
            f"{client.requests} yêu cầu HTTP"
        )
        tree: list[dict[str, Any]] = await wait_for_index(client, province.code, month, args.wait_index, log)
        if not index_has_data(tree):
            log(
                f"[demo] projections-api has no index for {province.code} {month} after {args.wait_index:.0f}s"
            )
            return 1
        log(
            f"[demo] chỉ số {province.code} {month}: {tree[0]['total']} điểm; {len(tree) - 1} đơn vị trực thuộc"
        )
        return 0
    finally:
        await client.close()


if __name__ == "__main__":
    parsed = arguments(sys.argv[1:])
    if parsed.print_clocked:
        print(" ".join(CLOCKED))
        raise SystemExit(0)
    raise SystemExit(asyncio.run(main(parsed)))
