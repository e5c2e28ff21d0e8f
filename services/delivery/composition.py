"""How the delivery and postal contexts are put together in a process: event stores, calendar, policy.

The delivery context may not import intake (ADR 0002); its working-calendar port is served here by the
intake context's real calendar (ADR 0602), so postal SLA and invitation rules use the same calendar data
as intake deadlines.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from contracts.enums import NotificationChannel
from delivery.calendar import WorkingDays
from delivery.policy import DeliveryPolicy
from delivery.postal.partner import PostalPartner
from delivery.service import Delivery
from intake.calendar import WorkingCalendar
from intake.reference import load_reference_data
from services.runtime.bootstrap import Runtime

DELIVERY_SCHEMA = "delivery"
POSTAL_SCHEMA = "postal"


class IntakeWorkingDays:
    """The delivery ``WorkingDays`` port answered by the intake context's working calendar."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar

    def is_working_day(self, day: date) -> bool:
        return self._calendar.is_working_day(day)

    def add_working_days(self, day: date, n: int) -> date:
        return self._calendar.add_working_days(day, n)

    def working_days_between(self, start: date, end: date) -> int:
        return self._calendar.working_days_between(start, end)


@functools.cache
def working_days() -> WorkingDays:
    return IntakeWorkingDays(load_reference_data().calendars.for_unit(None))


def ensure_schema(runtime: Runtime, schema: str) -> None:
    with psycopg.connect(runtime.database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def delivery_schema(runtime: Runtime) -> str:
    return runtime.service.schema_name(DELIVERY_SCHEMA)


def postal_schema(runtime: Runtime) -> str:
    return runtime.service.schema_name(POSTAL_SCHEMA)


_SWITCH = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def delivery_policy(environ: Mapping[str, str] | None = None) -> DeliveryPolicy:
    """The deployment's delivery switches from the environment; a misspelt value stops the process at start.

    - ``DELIVERY_NOTIFICATION_CHANNELS`` (e.g. ``EMAIL,SMS``): the channels messages are sent on;
    - ``DELIVERY_KIOSK_AUTHORISED_PICKUP`` (``1``/``0``): a result locker may serve an authorised person
      (ADR 0650).
    """
    env = os.environ if environ is None else environ
    changes: dict[str, Any] = {}
    if channels := env.get("DELIVERY_NOTIFICATION_CHANNELS"):
        changes["notification_channels"] = tuple(
            NotificationChannel(c.strip()) for c in channels.split(",") if c.strip()
        )
    if (kiosk := env.get("DELIVERY_KIOSK_AUTHORISED_PICKUP")) is not None:
        if kiosk.strip().lower() not in _SWITCH:
            raise ValueError(f"DELIVERY_KIOSK_AUTHORISED_PICKUP={kiosk!r}: expected 1 or 0")
        changes["kiosk_authorised_pickup"] = _SWITCH[kiosk.strip().lower()]
    return DeliveryPolicy(**changes)


def build_delivery(runtime: Runtime) -> Delivery:
    """Delivery on its own schema (tables delivery_events, delivery_snapshots), on the process clock."""
    ensure_schema(runtime, delivery_schema(runtime))
    env = _bounded(runtime.database.eventsourcing_env(delivery_schema(runtime)))
    return Delivery(clock=runtime.clock, policy=delivery_policy(), env=env)


def build_partner(runtime: Runtime) -> PostalPartner:
    """The postal partner's own store, on the process clock and the province-wide calendar."""
    ensure_schema(runtime, postal_schema(runtime))
    env = _bounded(runtime.database.eventsourcing_env(postal_schema(runtime)))
    partner_id = os.environ.get("POSTAL_DEFAULT_PARTNER_ID", "VNPOST")
    return PostalPartner(calendar=working_days(), clock=runtime.clock, default_partner_id=partner_id, env=env)


def _bounded(env: dict[str, str]) -> dict[str, str]:
    """A process holds at most pool + overflow connections per application (PostgreSQL's slots are shared
    by every deployable on the server); ``POSTGRES_MAX_OVERFLOW`` overrides."""
    env.setdefault("POSTGRES_MAX_OVERFLOW", os.environ.get("POSTGRES_MAX_OVERFLOW", "5"))
    return env
