"""Every golden example round-trips model ⇄ JSON ⇄ Kafka record, and the set of examples is complete."""

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from contracts import golden
from contracts.codec import decode, encode
from contracts.envelope import DossierEvent
from contracts.registry import EVENT_TYPES

ALL_TYPES = sorted(EVENT_TYPES)
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _instants(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [found for value in node.values() for found in _instants(value)]
    if isinstance(node, list):
        return [found for value in node for found in _instants(value)]
    return [node] if isinstance(node, str) and _ISO_INSTANT.match(node) else []


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_round_trips_between_model_json_and_kafka(event_type: str) -> None:
    raw = golden.example_path(event_type).read_bytes()
    event = EVENT_TYPES[event_type].model_validate_json(raw, strict=True)

    assert event.model_dump(mode="json") == orjson.loads(raw)
    record = encode(event)
    decoded = decode(record.headers, record.value)
    assert type(decoded) is type(event)
    assert decoded == event
    assert encode(decoded) == record
    assert record.topic == EVENT_TYPES[event_type].TOPIC
    assert record.key == event.key().encode()


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_times_are_rendered_in_business_time(event_type: str) -> None:
    instants = _instants(golden.load_example(event_type))
    assert instants, "every example has at least occurred_at and recorded_at"
    for instant in instants:
        assert instant.endswith("+07:00"), instant
        assert datetime.fromisoformat(instant).utcoffset() is not None


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_names_its_own_type_and_key(event_type: str) -> None:
    data = golden.load_example(event_type)
    assert data["event_type"] == event_type
    event = golden.example_event(event_type)
    if isinstance(event, DossierEvent):
        assert event.key() == data["dossier_id"]
    else:
        assert event.key() in data.values()


def test_every_event_type_has_exactly_one_example() -> None:
    files = sorted(path.name for path in golden.EXAMPLES_DIR.glob("*.json"))
    assert files == sorted(f"{event_type}.json" for event_type in EVENT_TYPES)
    assert golden.example_problems() == []


def test_example_problems_names_missing_unknown_and_non_canonical_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(golden.EXAMPLES_DIR, tmp_path, dirs_exist_ok=True)
    missing, reformatted = ALL_TYPES[0], ALL_TYPES[1]
    (tmp_path / f"{missing}.json").unlink()
    (tmp_path / "vn.one-stop.intake.nothing-happened.v1.json").write_text("{}")
    data = golden.load_example(reformatted)
    # The same instant in UTC is valid input, but not the rendering a golden example must have.
    data["recorded_at"] = datetime.fromisoformat(data["recorded_at"]).astimezone(UTC).isoformat()
    (tmp_path / f"{reformatted}.json").write_bytes(orjson.dumps(data))
    monkeypatch.setattr(golden, "EXAMPLES_DIR", tmp_path)

    problems = "\n".join(golden.example_problems())

    assert f"no golden example for {missing}" in problems
    assert "nothing-happened" in problems
    assert f"{reformatted}.json is not in canonical form" in problems
