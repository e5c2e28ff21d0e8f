"""Prometheus metrics shared by the deployables. One registry per process; names carry the ``motcua_`` prefix."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

SERVICE_INFO = Gauge(
    "motcua_service_info", "Static facts about this process", ["service", "version"], registry=REGISTRY
)
READY = Gauge("motcua_ready", "1 when every dependency of this process answers, else 0", registry=REGISTRY)
DEPENDENCY_UP = Gauge(
    "motcua_dependency_up", "1 when the dependency answered its last check", ["dependency"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "motcua_http_request_seconds", "HTTP request latency", ["method", "route", "status"], registry=REGISTRY
)
EVENTS_PUBLISHED = Counter(
    "motcua_relay_events_published_total",
    "Events the relay sent and Kafka acked",
    ["application", "topic"],
    registry=REGISTRY,
)
RELAY_LAG = Gauge(
    "motcua_relay_lag_events",
    "Notifications recorded but not yet acked by Kafka",
    ["application"],
    registry=REGISTRY,
)
EVENTS_CONSUMED = Counter(
    "motcua_consumer_events_total",
    "Messages consumed, by outcome",
    ["consumer", "topic", "outcome"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "motcua_consumer_lag_messages",
    "High watermark minus committed position",
    ["consumer", "topic", "partition"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "motcua_dead_letters_total",
    "Messages sent to a dead-letter topic, by reason",
    ["consumer", "topic", "reason"],
    registry=REGISTRY,
)
BATCH_SECONDS = Histogram(
    "motcua_batch_seconds", "Time to apply one batch durably", ["component"], registry=REGISTRY
)


def render() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
