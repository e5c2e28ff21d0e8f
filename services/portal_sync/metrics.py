"""portal-sync's own metrics (ADR 0643): pushes held behind a missing event, gaps released after the bounded
wait, transitions the portal could no longer get in order, and how often unsent pushes were re-planned."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from services.runtime.metrics import REGISTRY

HELD_DOSSIERS = Gauge(
    "motcua_portal_sync_held_dossiers",
    "Dossiers whose pushes wait for an earlier event that has not arrived",
    registry=REGISTRY,
)
GAPS_RELEASED = Counter(
    "motcua_portal_sync_gaps_released_total",
    "Events folded past a missing predecessor because it did not arrive within the bounded wait",
    registry=REGISTRY,
)
MISSED = Counter(
    "motcua_portal_sync_missed_transitions_total",
    "Canonical transitions not sent because a newer status had already reached the portal",
    ["status"],
    registry=REGISTRY,
)
REPLANS = Counter(
    "motcua_portal_sync_replans_total",
    "Times a late event replaced a dossier's unsent pushes",
    registry=REGISTRY,
)
