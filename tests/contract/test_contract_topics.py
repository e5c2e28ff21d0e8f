"""The topic plan: names, partitions, dead-letter topics, and who sends and receives every event type."""

import re

import pytest

from contracts.registry import EVENT_TYPES
from contracts.topics import DEPLOYABLES, TOPICS, all_topics, dead_letter_topic, topic

_TOPIC_NAME = re.compile(
    r"^(intake|processing|delivery|postal|payment|portal|reference)\.[a-z]+(-[a-z]+)*\.v[1-9][0-9]*$"
)


@pytest.mark.parametrize("planned", TOPICS, ids=[t.name for t in TOPICS])
def test_main_topics_follow_the_naming_and_partitioning_rules(planned: object) -> None:
    assert hasattr(planned, "name")
    main = topic(planned.name)  # type: ignore[attr-defined]
    assert _TOPIC_NAME.match(main.name)
    assert main.partitions >= 3
    assert main.dlq == f"{main.name}.dlq"
    assert main.event_types, "a topic carries at least one event type"
    assert main.producers and main.consumers
    assert set(main.producers) | set(main.consumers) <= set(DEPLOYABLES)
    assert dict(main.configs)["retention.ms"] == "-1"


def test_all_topics_lists_every_main_topic_and_its_dead_letter_topic_once() -> None:
    names = [t.name for t in all_topics()]
    assert len(names) == len(set(names)) == 2 * len(TOPICS)
    for main in TOPICS:
        dlq = topic(f"{main.name}.dlq")
        assert dlq.dead_letter_for == main.name
        assert dlq.dlq is None and dlq.event_types == ()
        assert dlq.partitions >= 3
        assert dlq.producers == main.consumers
        assert dict(dlq.configs)["retention.ms"] == "-1"


def test_a_dead_letter_topic_has_no_dead_letter_topic() -> None:
    dlq = topic("intake.dossiers.v1.dlq")
    with pytest.raises(ValueError, match="itself a dead-letter topic"):
        dead_letter_topic(dlq)
    with pytest.raises(KeyError):
        topic("intake.dossiers.v2")


def test_every_event_type_travels_on_exactly_the_topic_its_class_declares() -> None:
    placements = [(event_type, t.name) for t in TOPICS for event_type in t.event_types]
    assert sorted(event_type for event_type, _ in placements) == sorted(EVENT_TYPES)
    for event_type, name in placements:
        assert EVENT_TYPES[event_type].TOPIC == name
        assert name.split(".")[0] == event_type.split(".")[2], "an event type lives on its context's topic"


def test_dossier_topics_are_keyed_by_dossier_and_the_projector_reads_everything() -> None:
    for main in TOPICS:
        assert "projector" in main.consumers
    for name in (
        "intake.dossiers.v1",
        "processing.dossiers.v1",
        "postal.shipments.v1",
        "payment.payments.v1",
    ):
        assert topic(name).key.startswith("dossier_id")


def test_consumers_of_the_workflow_are_wired() -> None:
    assert "processing-worker" in topic("intake.dossiers.v1").consumers
    assert "delivery-worker" in topic("processing.dossiers.v1").consumers
    assert "postal-partner" in topic("delivery.dossiers.v1").consumers
    assert "delivery-worker" in topic("postal.shipments.v1").consumers
    assert "portal-sync" in topic("payment.payments.v1").consumers


def test_deployable_names_are_the_ones_services_run() -> None:
    from services.deployables import DEPLOYABLES as RUN  # the composition root; contracts may not import it

    assert sorted(DEPLOYABLES) == sorted(d.name for d in RUN)
