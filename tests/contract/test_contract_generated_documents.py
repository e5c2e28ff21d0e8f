"""Committed JSON Schemas and the AsyncAPI document match the models; the generator's check/release modes."""

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from contracts import documents, generate
from contracts.codec import decode
from contracts.compatibility import build_lock
from contracts.golden import example_event
from contracts.registry import EVENT_TYPES
from contracts.topics import TOPICS, all_topics

PACKAGE = generate.PACKAGE_DIR


def _committed(relative: str) -> Any:
    return orjson.loads((PACKAGE / relative).read_bytes())


def _pointer(document: Any, ref: str) -> Any:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_committed_documents_match_the_models() -> None:
    assert generate.drift(PACKAGE, documents.expected_documents()) == []


def test_generation_is_deterministic() -> None:
    assert documents.expected_documents() == documents.expected_documents()


def test_check_passes_on_the_committed_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert generate.main(["--check"]) == 0
    assert "in order" in capsys.readouterr().out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the generated files and the release baseline to tamper with."""
    shutil.copytree(PACKAGE / "schemas", tmp_path / "schemas")
    shutil.copytree(PACKAGE / "released", tmp_path / "released")
    shutil.copy(PACKAGE / "asyncapi.json", tmp_path / "asyncapi.json")
    return tmp_path


def test_check_names_drift_and_tells_to_regenerate(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tree / documents.schema_path("vn.one-stop.intake.dossier-received.v1")
    schema.write_bytes(schema.read_bytes().replace(b'"minimum": 1', b'"minimum": 0'))
    (tree / documents.schema_path("vn.one-stop.intake.withdrawal-requested.v1")).unlink()
    (tree / "schemas" / "vn.one-stop.intake.dossier-lost.v1.json").write_text("{}")

    assert generate.main(["--check"], root=tree) == 1

    err = capsys.readouterr().err
    assert "dossier-received.v1.json differs from what the models produce" in err
    assert "withdrawal-requested.v1.json is missing" in err
    assert "dossier-lost.v1.json belongs to no event type" in err
    assert "run `make contracts`" in err


def test_generate_repairs_drift_and_check_then_passes(tree: Path) -> None:
    (tree / "asyncapi.json").write_text("{}")
    (tree / "schemas" / "vn.one-stop.intake.dossier-lost.v1.json").write_text("{}")

    assert generate.main([], root=tree) == 0

    assert generate.drift(tree, documents.expected_documents()) == []
    assert generate.main(["--check"], root=tree) == 0


def test_check_refuses_an_incompatible_catalogue(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock_path = tree / generate.LOCK_FILE
    lock = orjson.loads(lock_path.read_bytes())
    lock["types"]["vn.one-stop.intake.dossier-vanished.v1"] = lock["types"][
        "vn.one-stop.intake.dossier-received.v1"
    ]
    lock_path.write_bytes(orjson.dumps(lock))

    assert generate.main(["--check"], root=tree) == 1
    err = capsys.readouterr().err
    assert "dossier-vanished.v1: a released event type was removed [removed-type]" in err
    assert "new major version" in err
    assert generate.main(["--release"], root=tree) == 1


def test_check_without_baseline_fails_and_release_creates_it(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(tree / "released")
    assert generate.main(["--check"], root=tree) == 1
    assert "no release baseline" in capsys.readouterr().err

    assert generate.main(["--release"], root=tree) == 0
    assert orjson.loads((tree / generate.LOCK_FILE).read_bytes()) == orjson.loads(
        documents.render(build_lock())
    )
    assert generate.main(["--check"], root=tree) == 0


def test_committed_baseline_is_the_current_catalogue() -> None:
    baseline = _committed(generate.LOCK_FILE)
    assert sorted(baseline["types"]) == sorted(EVENT_TYPES)
    assert {name for name in baseline["topics"]} == {t.name for t in all_topics()}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_event_schema_describes_the_structured_event(event_type: str) -> None:
    cls = EVENT_TYPES[event_type]
    schema = _committed(documents.schema_path(event_type))

    assert schema["$id"] == documents.schema_id(event_type)
    assert schema["additionalProperties"] is False
    assert schema["properties"]["event_type"]["const"] == event_type
    assert schema["properties"]["producer"]["enum"] == sorted(p.value for p in cls.PRODUCERS)
    assert schema["x-topic"] == cls.TOPIC
    assert set(schema["properties"]) == set(cls.model_fields)
    for ref in _refs(schema):
        _pointer(schema, ref)


def test_personal_data_is_marked_in_the_schema() -> None:
    schema = _committed(documents.schema_path("vn.one-stop.intake.dossier-submitted.v1"))
    applicant = schema["$defs"]["Applicant"]["properties"]
    assert applicant["id_number"]["x-personal-data"] is True
    assert applicant["name"]["x-personal-data"] is True


def test_asyncapi_lists_every_topic_message_and_operation() -> None:
    asyncapi = _committed(documents.ASYNCAPI_FILE)

    assert asyncapi["asyncapi"] == "3.0.0"
    assert set(asyncapi["channels"]) == {t.name for t in all_topics()}
    assert set(asyncapi["components"]["messages"]) == set(EVENT_TYPES)
    for main in TOPICS:
        channel = asyncapi["channels"][main.name]
        assert channel["address"] == main.name
        assert channel["bindings"]["kafka"]["partitions"] == main.partitions
        assert sorted(channel["messages"]) == sorted(main.event_types)
        for deployable in main.producers:
            assert asyncapi["operations"][f"{deployable}.send.{main.name}"]["action"] == "send"
        for deployable in main.consumers:
            operation = asyncapi["operations"][f"{deployable}.receive.{main.name}"]
            assert operation["action"] == "receive"
            assert operation["bindings"]["kafka"]["groupId"]["enum"] == [deployable]
            assert asyncapi["operations"][f"{deployable}.send.{main.name}.dlq"]["action"] == "send"
    for ref in _refs(asyncapi):
        _pointer(asyncapi, ref)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_asyncapi_message_payload_excludes_the_envelope_and_its_example_decodes(event_type: str) -> None:
    asyncapi = _committed(documents.ASYNCAPI_FILE)
    cls = EVENT_TYPES[event_type]
    message = asyncapi["components"]["messages"][event_type]
    payload = _pointer(asyncapi, message["payload"]["$ref"])

    assert set(payload["properties"]) == set(cls.payload_fields())
    assert set(payload.get("required", [])) <= set(cls.payload_fields())
    specific = message["headers"]["allOf"][1]
    assert specific["properties"]["ce_type"]["const"] == event_type
    golden = message["examples"][0]
    headers = [(name, value.encode()) for name, value in golden["headers"].items()]
    assert decode(headers, orjson.dumps(golden["payload"])) == example_event(event_type)
