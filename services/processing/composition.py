"""How the processing context is put together in a process: its event store, the intake context's calendar
and catalogue behind processing's ports, the deployment's policy, the watcher's lead times and the clock.

Policy and watcher settings come from the environment (ADR 0530), read when a process starts:

- ``PROCESSING_ELECTRONIC_CHANNELS`` (comma list, default ``ONLINE``), ``PROCESSING_LATE_APOLOGY`` and
  ``PROCESSING_LATE_REJECTION`` (``FLAG``/``REFUSE``), ``PROCESSING_SUPPLEMENT_REQUEST_WORKING_DAYS`` (3),
  ``PROCESSING_PAYMENT_CLOCK`` (``PER_PROCEDURE``/``ALWAYS``/``NEVER``),
  ``PROCESSING_PARTNER_ANSWERS_BY_LEAD`` (``y``: the lead may record a partner's answer; ADR 0531);
- ``PROCESSING_WATCHER_DUE_SOON_HOURS`` (8), ``PROCESSING_WATCHER_APOLOGY_NOTICE_HOURS`` (4),
  ``PROCESSING_WATCHER_STEPS`` (``y``), ``PROCESSING_WATCHER_INTERVAL_S`` (30; how often the worker looks).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from datetime import timedelta

import psycopg
from psycopg import sql

from contracts.enums import Channel
from intake.reference import ReferenceData, load_reference_data
from processing.application import Processing
from processing.policy import LateAction, PaymentClock, ProcessingPolicy
from processing.watcher import WatcherConfig
from services.processing.adapters import CatalogueWorkflows, IntakeDeadlines
from services.processing.due_index import PostgresDueIndex
from services.runtime.bootstrap import Runtime

SCHEMA = "processing"  # under SERVICE_SCHEMA_PREFIX when one is set
_YES, _NO = frozenset({"y", "yes", "true", "1"}), frozenset({"n", "no", "false", "0"})


def schema(runtime: Runtime) -> str:
    return runtime.service.schema_name(SCHEMA)


@functools.cache
def reference() -> ReferenceData:
    return load_reference_data()


def policy_from(env: Mapping[str, str]) -> ProcessingPolicy:
    defaults = ProcessingPolicy()
    channels = env.get("PROCESSING_ELECTRONIC_CHANNELS")
    return ProcessingPolicy(
        electronic_channels=(
            frozenset(Channel(c.strip()) for c in channels.split(",") if c.strip())
            if channels is not None
            else defaults.electronic_channels
        ),
        late_apology=LateAction(env.get("PROCESSING_LATE_APOLOGY", defaults.late_apology)),
        late_rejection=LateAction(env.get("PROCESSING_LATE_REJECTION", defaults.late_rejection)),
        supplement_request_working_days=int(
            env.get("PROCESSING_SUPPLEMENT_REQUEST_WORKING_DAYS", defaults.supplement_request_working_days)
        ),
        payment_clock=PaymentClock(env.get("PROCESSING_PAYMENT_CLOCK", defaults.payment_clock)),
        partner_answers_by_lead=_flag(
            env, "PROCESSING_PARTNER_ANSWERS_BY_LEAD", defaults.partner_answers_by_lead
        ),
    )


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    if key not in env:
        return default
    value = env[key].strip().lower()
    if value not in _YES | _NO:
        raise ValueError(f"{key} is {env[key]!r}; use y or n")
    return value in _YES


def _hours(env: Mapping[str, str], key: str, default: timedelta) -> timedelta:
    return timedelta(hours=float(env[key])) if key in env else default


def watcher_from(env: Mapping[str, str]) -> WatcherConfig:
    defaults = WatcherConfig()
    return WatcherConfig(
        due_soon=_hours(env, "PROCESSING_WATCHER_DUE_SOON_HOURS", defaults.due_soon),
        apology_notice=_hours(env, "PROCESSING_WATCHER_APOLOGY_NOTICE_HOURS", defaults.apology_notice),
        steps=env.get("PROCESSING_WATCHER_STEPS", "y").lower() in ("y", "yes", "true", "1"),
    )


def watcher_interval_s(env: Mapping[str, str]) -> float:
    return float(env.get("PROCESSING_WATCHER_INTERVAL_S", "30"))


def es_env(runtime: Runtime) -> dict[str, str]:
    env = runtime.database.eventsourcing_env(schema(runtime))
    # A case is read by every command on it and by each watcher pass: cache aggregates, fast-forwarded from
    # the store before use so another process's writes are never missed (the save's version check decides).
    env.setdefault("AGGREGATE_CACHE_MAXSIZE", "5000")
    env.setdefault("AGGREGATE_CACHE_FASTFORWARD", "y")
    return env


def build_processing(runtime: Runtime) -> Processing:
    """The application on its own PostgreSQL schema (tables processing_events …, the watcher's due-index
    watch_due and watch_position), on the process clock."""
    with psycopg.connect(runtime.database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema(runtime))))
    ref = reference()
    watcher = watcher_from(os.environ)
    return Processing(
        workflows=CatalogueWorkflows(ref),
        deadlines=IntakeDeadlines(ref),
        clock=runtime.clock,
        policy=policy_from(os.environ),
        watcher=watcher,
        env=es_env(runtime),
        # Shared by processing-api (which indexes each case it saves) and the worker's watcher.
        due_index=PostgresDueIndex(runtime.database.url, schema(runtime), watcher),
    )
