"""Documents generated from the models: one JSON Schema per event type and one AsyncAPI 3.0 document.

Everything here is a pure function of the models, the topic plan and the golden examples, rendered with
sorted keys so that regenerating an unchanged catalogue gives identical bytes.
"""

from typing import Any

import orjson
from pydantic.json_schema import models_json_schema

from contracts import codec, golden
from contracts.enums import ActorKind
from contracts.envelope import UUID7_PATTERN, DossierEvent, PublicEvent
from contracts.registry import EVENT_TYPES
from contracts.topics import TOPICS, Topic, all_topics

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
SCHEMAS_DIR = "schemas"
ASYNCAPI_FILE = "asyncapi.json"

_UUID = {"type": "string", "format": "uuid"}
_TIME = {"type": "string", "format": "date-time"}


def render(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def schema_id(event_type: str) -> str:
    return f"urn:vn:one-stop:schema:{event_type}"


def event_schema(cls: type[PublicEvent]) -> dict[str, Any]:
    """JSON Schema of the structured (flat) event: envelope and payload fields together."""
    schema = cls.model_json_schema(mode="validation")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = schema_id(cls.EVENT_TYPE)
    schema["x-topic"] = cls.TOPIC
    schema["x-schema-version"] = cls.SCHEMA_VERSION
    schema["x-envelope-fields"] = list(cls.ENVELOPE_FIELDS)
    return schema


def schema_path(event_type: str) -> str:
    return f"{SCHEMAS_DIR}/{event_type}.json"


HEADERS_COMPONENT = "CloudEventHeaders"


def common_headers_schema() -> dict[str, Any]:
    """The `ce_*` headers every public event carries in CloudEvents binary mode (see codec)."""
    properties: dict[str, Any] = {
        codec.H_SPECVERSION: {"type": "string", "const": codec.SPEC_VERSION},
        codec.H_ID: {**_UUID, "pattern": UUID7_PATTERN, "description": "event_id, a UUIDv7"},
        codec.H_SUBJECT: {"type": "string", "description": "The event's key (also the Kafka key)"},
        codec.H_TIME: {**_TIME, "description": "occurred_at, business time in +07:00"},
        codec.H_SCHEMAVERSION: {"type": "string", "pattern": r"^[1-9][0-9]*\.(0|[1-9][0-9]*)$"},
        codec.H_SEQ: {"type": "string", "pattern": "^[1-9][0-9]*$", "description": "Aggregate version"},
        codec.H_RECORDEDAT: {**_TIME, "description": "recorded_at"},
        codec.H_ACTORKIND: {"type": "string", "enum": [kind.value for kind in ActorKind]},
        codec.H_ACTORID: {"type": "string"},
        codec.H_ACTORUNITCODE: {"type": "string"},
        codec.H_CORRELATIONID: _UUID,
        codec.H_CAUSATIONID: _UUID,
        codec.H_CONTENT_TYPE: {"type": "string", "const": codec.CONTENT_TYPE},
    }
    optional = {codec.H_ACTORUNITCODE, codec.H_CAUSATIONID}
    return {
        "type": "object",
        "description": "CloudEvents 1.0 Kafka binary-mode attributes of a public event",
        "properties": properties,
        "required": sorted(name for name in properties if name not in optional),
    }


def headers_schema(cls: type[PublicEvent]) -> dict[str, Any]:
    """Headers of one event type: the common ones plus its type, sources and, for dossiers, the id."""
    properties: dict[str, Any] = {
        codec.H_TYPE: {"type": "string", "const": cls.EVENT_TYPE},
        codec.H_SOURCE: {"type": "string", "enum": sorted(codec.SOURCE_PREFIX + p for p in cls.PRODUCERS)},
    }
    if issubclass(cls, DossierEvent):
        properties[codec.H_DOSSIERID] = {**_UUID, "description": "dossier_id"}
    specific = {"type": "object", "properties": properties, "required": sorted(properties)}
    return {"allOf": [{"$ref": f"#/components/schemas/{HEADERS_COMPONENT}"}, specific]}


def _channel_id(topic: Topic) -> str:
    return topic.name


def _payload_schemas() -> dict[str, Any]:
    """Component schemas: each event's payload (envelope fields removed) and the models it nests."""
    classes = list(EVENT_TYPES.values())
    refs, definitions = models_json_schema(
        [(cls, "validation") for cls in classes], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    for cls in classes:
        name = refs[(cls, "validation")]["$ref"].rsplit("/", 1)[-1]
        payload = dict(schemas[name])
        payload["properties"] = {
            field: schema
            for field, schema in payload["properties"].items()
            if field not in cls.ENVELOPE_FIELDS
        }
        payload["required"] = [
            field for field in payload.get("required", []) if field not in cls.ENVELOPE_FIELDS
        ]
        schemas[name] = payload
    reachable = _reachable({refs[(cls, "validation")]["$ref"].rsplit("/", 1)[-1] for cls in classes}, schemas)
    return {name: schema for name, schema in schemas.items() if name in reachable}


def _reachable(roots: set[str], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(_refs(schemas[name]))
    return seen


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[-1]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _message(cls: type[PublicEvent], topic: Topic) -> dict[str, Any]:
    record = codec.encode(golden.example_event(cls.EVENT_TYPE))
    summary = (cls.__doc__ or cls.__name__).strip().splitlines()[0]
    return {
        "name": cls.__name__,
        "title": cls.EVENT_TYPE,
        "summary": summary,
        "contentType": codec.CONTENT_TYPE,
        "headers": headers_schema(cls),
        "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
        "correlationId": {"location": f"$message.header#/{codec.H_CORRELATIONID}"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": topic.key},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [
            {
                "name": "golden",
                "summary": f"contracts/examples/{cls.EVENT_TYPE}.json",
                "headers": {name: value.decode() for name, value in record.headers},
                "payload": orjson.loads(record.value),
            }
        ],
    }


def _channel(topic: Topic) -> dict[str, Any]:
    configs = dict(topic.configs)
    description = topic.description + f". Key: {topic.key}."
    if topic.dead_letter_for is not None:
        description += (
            " Each record keeps the original key, value and ce_* headers, plus dlq_reason "
            "(undecodable | unknown-type | contract-invalid | rejected-by-handler), dlq_error and the original position."
        )
    return {
        "address": topic.name,
        "title": topic.name,
        "description": description,
        "messages": {t: {"$ref": f"#/components/messages/{t}"} for t in topic.event_types},
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": topic.partitions,
                "topicConfiguration": {
                    "cleanup.policy": [configs["cleanup.policy"]],
                    "retention.ms": int(configs["retention.ms"]),
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operations(topic: Topic) -> dict[str, Any]:
    channel = {"$ref": f"#/channels/{_channel_id(topic)}"}
    messages = [{"$ref": f"#/channels/{_channel_id(topic)}/messages/{t}"} for t in topic.event_types]
    operations: dict[str, Any] = {}
    for deployable in topic.producers:
        operation: dict[str, Any] = {
            "action": "send",
            "channel": channel,
            "summary": f"{deployable} publishes",
        }
        if messages:
            operation["messages"] = messages
        operations[f"{deployable}.send.{topic.name}"] = operation
    for deployable in topic.consumers:
        operations[f"{deployable}.receive.{topic.name}"] = {
            "action": "receive",
            "channel": channel,
            "messages": messages,
            "summary": f"{deployable} consumes in group {deployable}",
            "bindings": {
                "kafka": {
                    "groupId": {"type": "string", "enum": [deployable]},
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
    return operations


def asyncapi_document() -> dict[str, Any]:
    topics_by_name = {topic.name: topic for topic in TOPICS}
    operations: dict[str, Any] = {}
    for topic in all_topics():
        operations.update(_operations(topic))
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:vn:one-stop:motcua:public-events",
        "info": {
            "title": "motcua public events",
            "version": "1.0.0",
            "description": (
                "Immutable public events of the one-stop-shop platform on Apache Kafka, CloudEvents 1.0 "
                "binary mode: envelope in ce_* headers, payload JSON in the value, key = the aggregate key. "
                "Generated by `python -m contracts.generate`; do not edit."
            ),
        },
        "defaultContentType": codec.CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "Single-node KRaft broker of deploy/local",
            }
        },
        "channels": {_channel_id(topic): _channel(topic) for topic in all_topics()},
        "operations": operations,
        "components": {
            "schemas": {**_payload_schemas(), HEADERS_COMPONENT: common_headers_schema()},
            "messages": {
                event_type: _message(cls, topics_by_name[cls.TOPIC])
                for event_type, cls in EVENT_TYPES.items()
            },
        },
    }


def expected_documents() -> dict[str, bytes]:
    """Every generated file, by path relative to the contracts package."""
    documents = {schema_path(t): render(event_schema(cls)) for t, cls in EVENT_TYPES.items()}
    documents[ASYNCAPI_FILE] = render(asyncapi_document())
    return documents
