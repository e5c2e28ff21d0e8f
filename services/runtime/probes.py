"""Wait until a dependency really answers. Used by deploy/local scripts and by the test fixtures.

python -m services.runtime.probes kafka 127.0.0.1:9092 --timeout 60 [--pid-file F]
python -m services.runtime.probes postgres postgresql://… --timeout 30
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time

from .health import KafkaCheck, PostgresCheck


async def wait_for(check: KafkaCheck | PostgresCheck, within_s: float, pid_file: str | None) -> str:
    deadline = time.monotonic() + within_s
    last = "not tried"
    delay = 0.2
    while time.monotonic() < deadline:
        if pid_file and not _alive(pid_file):
            raise SystemExit(f"process of {pid_file} exited while waiting ({last})")
        try:
            return await check()
        except Exception as exc:  # noqa: BLE001 - keep polling until the deadline, remember why
            last = f"{type(exc).__name__}: {exc}"
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 1.0)
    raise SystemExit(f"not ready after {within_s:.0f}s: {last}")


def _alive(pid_file: str) -> bool:
    try:
        with open(pid_file) as f:
            os.kill(int(f.read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["kafka", "postgres"])
    parser.add_argument("target")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--pid-file")
    args = parser.parse_args(argv)
    # aiokafka logs every refused connection while the broker boots; the probe reports the outcome itself.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    check: KafkaCheck | PostgresCheck = (
        KafkaCheck(args.target) if args.kind == "kafka" else PostgresCheck(args.target)
    )

    async def run() -> str:
        try:
            return await wait_for(check, args.timeout, args.pid_file)
        finally:
            if isinstance(check, KafkaCheck):
                await check.close()

    print(f"{args.kind} ready: {asyncio.run(run())}", file=sys.stderr)


if __name__ == "__main__":
    main()
