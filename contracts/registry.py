"""Every public event type of v1, by its EVENT_TYPE; checked for consistency when first imported."""

from contracts import delivery, intake, payment, portal, postal, processing, reference, topic_names
from contracts.envelope import PublicEvent, event_type_context, event_type_major, parse_schema_version

_MODULES = (intake, processing, payment, delivery, postal, portal, reference)

_TOPICS = {
    topic_names.INTAKE_DOSSIERS,
    topic_names.PROCESSING_DOSSIERS,
    topic_names.DELIVERY_DOSSIERS,
    topic_names.POSTAL_SHIPMENTS,
    topic_names.PAYMENT_PAYMENTS,
    topic_names.PORTAL_DOSSIERS,
    topic_names.PORTAL_PETITIONS,
    topic_names.REFERENCE_PROCEDURES,
    topic_names.REFERENCE_UNITS,
    topic_names.REFERENCE_CALENDARS,
}


def event_class_problems(cls: type[PublicEvent]) -> list[str]:
    """Why a class cannot be a public event type of the catalogue (empty when it can)."""
    name, event_type = cls.__name__, cls.EVENT_TYPE
    try:
        major = event_type_major(event_type)
        context = event_type_context(event_type)
        version_major, _ = parse_schema_version(cls.SCHEMA_VERSION)
    except ValueError as error:
        return [f"{name}: {error}"]
    problems = []
    if version_major != major:
        problems.append(f"{name}: SCHEMA_VERSION {cls.SCHEMA_VERSION} is not of major {major}")
    if cls.TOPIC not in _TOPICS:
        problems.append(f"{name}: TOPIC {cls.TOPIC!r} is not a planned topic")
    elif cls.TOPIC.split(".")[0] != context or not cls.TOPIC.endswith(f".v{major}"):
        problems.append(f"{name}: {event_type} does not belong on topic {cls.TOPIC}")
    if not cls.PRODUCERS:
        problems.append(f"{name}: no producer may emit it")
    if cls.key is PublicEvent.key:
        problems.append(f"{name}: does not say what it is keyed by")
    return problems


def _index() -> dict[str, type[PublicEvent]]:
    classes = [cls for module in _MODULES for cls in module.EVENTS]
    problems = [problem for cls in classes for problem in event_class_problems(cls)]
    for attribute in ("EVENT_TYPE", "__name__"):
        values = [getattr(cls, attribute) for cls in classes]
        problems += [
            f"{attribute} {value} is used twice" for value in sorted(set(values)) if values.count(value) > 1
        ]
    if problems:
        raise TypeError("inconsistent public event catalogue:\n" + "\n".join(problems))
    return {cls.EVENT_TYPE: cls for cls in sorted(classes, key=lambda cls: cls.EVENT_TYPE)}


EVENT_TYPES: dict[str, type[PublicEvent]] = _index()
