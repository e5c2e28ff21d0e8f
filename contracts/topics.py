"""The topic plan (ADR 0101): every topic, its key, its event types, who sends and who receives it.

Producers and consumers are deployable names (architecture.md §3); a consumer group is named after its
deployable. Every topic has a dead-letter topic `<topic>.dlq` written by that topic's consumers.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from contracts import topic_names as names
from contracts.registry import EVENT_TYPES

# The same names as services/deployables.py (contracts may not import it; a contract test compares them).
DEPLOYABLES = (
    "intake-api",
    "intake-relay",
    "intake-worker",
    "processing-worker",
    "processing-api",
    "processing-relay",
    "delivery-worker",
    "delivery-api",
    "delivery-relay",
    "postal-partner",
    "portal-sync",
    "projector",
    "projections-api",
    "fake-national-portal",
)

# Replays rebuild projections from the topics (architecture.md §2), so nothing may age out of them,
# and a dead letter must never vanish silently.
KEEP_FOREVER: tuple[tuple[str, str], ...] = (("cleanup.policy", "delete"), ("retention.ms", "-1"))

DLQ_PARTITIONS = 3


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    key: str
    event_types: tuple[str, ...]
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    dlq: str | None
    dead_letter_for: str | None = None
    description: str = ""
    configs: tuple[tuple[str, str], ...] = KEEP_FOREVER


@dataclass(frozen=True)
class _Plan:
    name: str
    partitions: int
    key: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    description: str


_DOSSIER_KEY = "dossier_id (UUID text): one dossier's events stay in one partition, in order"

_PLANS = (
    _Plan(
        names.INTAKE_DOSSIERS,
        12,
        _DOSSIER_KEY,
        ("intake-relay",),
        ("processing-worker", "delivery-worker", "postal-partner", "portal-sync", "projector"),
        "One-stop desk: submission, intake supplements, refusal, receipt, digitisation, transfer, withdrawal",
    ),
    _Plan(
        names.PROCESSING_DOSSIERS,
        12,
        _DOSSIER_KEY,
        ("processing-relay",),
        ("intake-worker", "delivery-worker", "portal-sync", "projector"),
        "Competent agency: steps, supplements, obligations, apologies, clock pauses, stop, outcome",
    ),
    _Plan(
        names.DELIVERY_DOSSIERS,
        6,
        _DOSSIER_KEY,
        ("delivery-relay",),
        ("postal-partner", "portal-sync", "projector"),
        "Result return: notices, postal pick-up requests, hand-over, satisfaction ratings",
    ),
    _Plan(
        names.POSTAL_SHIPMENTS,
        6,
        _DOSSIER_KEY + "; shipment_id names the shipment",
        ("postal-partner",),
        ("delivery-worker", "projector"),
        "Public postal partner: registrations, collection, transit, hand-over, delivery, returns, complaints",
    ),
    _Plan(
        names.PAYMENT_PAYMENTS,
        6,
        _DOSSIER_KEY,
        ("intake-relay", "postal-partner"),
        ("processing-worker", "delivery-worker", "portal-sync", "projector"),
        "Payments of fees and obligations, whichever context took the money",
    ),
    _Plan(
        names.PORTAL_DOSSIERS,
        6,
        _DOSSIER_KEY,
        ("portal-sync",),
        ("projector",),
        "National portal about dossiers: sync acknowledgements, ratings, linked petitions",
    ),
    _Plan(
        names.PORTAL_PETITIONS,
        3,
        "petition_id (portal code): one petition's steps stay in order",
        ("portal-sync",),
        ("projector",),
        "Petition (PAKN) lifecycle relayed from the national portal",
    ),
    _Plan(
        names.REFERENCE_PROCEDURES,
        3,
        "procedure_code (mã TTHC): one procedure's changes stay in order",
        ("intake-relay",),
        ("portal-sync", "projector"),
        "Procedure catalogue: announcements, publication on CSDLQG, online services",
    ),
    _Plan(
        names.REFERENCE_UNITS,
        3,
        "unit_code: one unit's changes stay in order",
        ("intake-relay",),
        ("portal-sync", "projector"),
        "Unit hierarchy with validity dates",
    ),
    _Plan(
        names.REFERENCE_CALENDARS,
        3,
        "calendar_code (VN or a unit code): one calendar's changes stay in order",
        ("intake-relay",),
        ("processing-worker", "projector"),
        "Working calendar: holidays, swapped and make-up days, office hours",
    ),
)


def _event_types_by_topic() -> Mapping[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for event_type, cls in EVENT_TYPES.items():
        grouped.setdefault(cls.TOPIC, []).append(event_type)
    return {topic: tuple(sorted(types)) for topic, types in grouped.items()}


def _build() -> tuple[Topic, ...]:
    by_topic = _event_types_by_topic()
    topics = tuple(
        Topic(
            name=plan.name,
            partitions=plan.partitions,
            key=plan.key,
            event_types=by_topic.get(plan.name, ()),
            producers=plan.producers,
            consumers=plan.consumers,
            dlq=names.dlq_of(plan.name),
            description=plan.description,
        )
        for plan in _PLANS
    )
    unknown = sorted({d for t in topics for d in (*t.producers, *t.consumers)} - set(DEPLOYABLES))
    orphans = sorted(set(by_topic) - {t.name for t in topics})
    if unknown or orphans:
        raise TypeError(f"topic plan names unknown deployables {unknown} or misses topics {orphans}")
    return topics


TOPICS: tuple[Topic, ...] = _build()


def dead_letter_topic(topic: Topic) -> Topic:
    """The DLQ keeps the original key and headers, plus the reason; its consumers are operators."""
    if topic.dlq is None:
        raise ValueError(f"{topic.name} is itself a dead-letter topic")
    return Topic(
        name=topic.dlq,
        partitions=DLQ_PARTITIONS,
        key=topic.key,
        event_types=(),
        producers=topic.consumers,
        consumers=(),
        dlq=None,
        dead_letter_for=topic.name,
        description=f"Messages of {topic.name} that could not be decoded or broke the contract",
    )


def all_topics() -> tuple[Topic, ...]:
    """Every topic to create, main topics first then their DLQs, with partition counts and configs."""
    return TOPICS + tuple(dead_letter_topic(topic) for topic in TOPICS)


def topic(name: str) -> Topic:
    for candidate in all_topics():
        if candidate.name == name:
            return candidate
    raise KeyError(f"no topic {name!r} in the plan")
