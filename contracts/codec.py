"""Public events on Kafka in CloudEvents 1.0 binary mode (ADR 0100).

The envelope travels in `ce_*` headers, the payload fields as a JSON object in the value, and the key is
the event's key (the dossier id for dossier events). `decode` raises nothing but `DecodeError`.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from contracts.envelope import DossierEvent, PublicEvent, parse_schema_version
from contracts.registry import EVENT_TYPES

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
SOURCE_PREFIX = "/motcua/"

H_SPECVERSION = "ce_specversion"
H_ID = "ce_id"
H_SOURCE = "ce_source"
H_TYPE = "ce_type"
H_SUBJECT = "ce_subject"
H_TIME = "ce_time"
H_SCHEMAVERSION = "ce_schemaversion"
H_SEQ = "ce_seq"
H_RECORDEDAT = "ce_recordedat"
H_ACTORKIND = "ce_actorkind"
H_ACTORID = "ce_actorid"
H_ACTORUNITCODE = "ce_actorunitcode"
H_CORRELATIONID = "ce_correlationid"
H_CAUSATIONID = "ce_causationid"
H_DOSSIERID = "ce_dossierid"
H_CONTENT_TYPE = "content-type"

# Envelope field → the header that carries it, for error messages that name what is on the wire.
FIELD_HEADERS: dict[str, str] = {
    "event_id": H_ID,
    "event_type": H_TYPE,
    "schema_version": H_SCHEMAVERSION,
    "seq": H_SEQ,
    "occurred_at": H_TIME,
    "recorded_at": H_RECORDEDAT,
    "producer": H_SOURCE,
    "actor": "ce_actor*",
    "correlation_id": H_CORRELATIONID,
    "causation_id": H_CAUSATIONID,
    "dossier_id": H_DOSSIERID,
}

DecodeReason = Literal["undecodable", "unknown-type", "contract-invalid"]

_DIGITS = re.compile(r"^[0-9]{1,18}$")
_MAX_ERRORS = 8
_HEADERS = (
    H_ID,
    H_SOURCE,
    H_SUBJECT,
    H_TIME,
    H_SCHEMAVERSION,
    H_SEQ,
    H_RECORDEDAT,
    H_ACTORKIND,
    H_ACTORID,
    H_CORRELATIONID,
)
_DOSSIER_HEADERS = (*_HEADERS, H_DOSSIERID)


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class DecodeError(Exception):
    """A message that is not a valid public event; `reason` says which DLQ bucket it belongs to."""

    def __init__(self, reason: DecodeReason, detail: str, event_type: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: DecodeReason = reason
        self.detail = detail
        self.event_type = event_type


def encode(event: PublicEvent) -> KafkaRecord:
    data = event.model_dump(mode="json")
    key = event.key()
    actor = data["actor"]
    headers: list[tuple[str, str]] = [
        (H_SPECVERSION, SPEC_VERSION),
        (H_ID, data["event_id"]),
        (H_SOURCE, SOURCE_PREFIX + data["producer"]),
        (H_TYPE, data["event_type"]),
        (H_SUBJECT, key),
        (H_TIME, data["occurred_at"]),
        (H_SCHEMAVERSION, data["schema_version"]),
        (H_SEQ, str(data["seq"])),
        (H_RECORDEDAT, data["recorded_at"]),
        (H_ACTORKIND, actor["kind"]),
        (H_ACTORID, actor["id"]),
    ]
    if actor["unit_code"] is not None:
        headers.append((H_ACTORUNITCODE, actor["unit_code"]))
    headers.append((H_CORRELATIONID, data["correlation_id"]))
    if data["causation_id"] is not None:
        headers.append((H_CAUSATIONID, data["causation_id"]))
    if isinstance(event, DossierEvent):
        headers.append((H_DOSSIERID, data["dossier_id"]))
    headers.append((H_CONTENT_TYPE, CONTENT_TYPE))
    payload = {name: data[name] for name in event.payload_fields()}
    return KafkaRecord(
        topic=event.TOPIC,
        key=key.encode(),
        value=orjson.dumps(payload),
        headers=[(name, text.encode()) for name, text in headers],
    )


def decode(headers: Sequence[tuple[str, bytes]], value: bytes) -> PublicEvent:
    try:
        return _decode(headers, value)
    except DecodeError:
        raise
    except Exception as error:  # a validator bug must park the message in the DLQ, not kill the consumer
        raise DecodeError(
            "contract-invalid", f"decoding failed with {type(error).__name__}: {error}"
        ) from error


def _decode(headers: Sequence[tuple[str, bytes]], value: bytes) -> PublicEvent:
    attributes = _attributes(headers)
    if attributes.get(H_SPECVERSION) != SPEC_VERSION:
        found = attributes.get(H_SPECVERSION)
        raise DecodeError(
            "undecodable", f"not a CloudEvents {SPEC_VERSION} binary-mode message ({H_SPECVERSION}={found!r})"
        )
    media_type = attributes.get(H_CONTENT_TYPE, "").split(";")[0].strip().lower()
    if media_type != CONTENT_TYPE:
        raise DecodeError(
            "undecodable", f"{H_CONTENT_TYPE} must be {CONTENT_TYPE}, got {media_type or 'nothing'}"
        )
    event_type = attributes.get(H_TYPE)
    if not event_type:
        raise DecodeError("undecodable", f"{H_TYPE} header is missing")
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        raise DecodeError("unknown-type", f"{event_type!r} is not a known public event type", event_type)
    payload = _payload(value, event_type)
    smuggled = sorted(set(payload) & set(cls.ENVELOPE_FIELDS))
    if smuggled:
        raise DecodeError("contract-invalid", f"envelope fields {smuggled} belong in headers", event_type)
    merged = {**payload, **_envelope(cls, attributes, event_type)}
    try:
        event = cls.model_validate_json(
            orjson.dumps(merged), strict=True, extra=_extra_policy(cls, attributes)
        )
    except ValidationError as error:
        raise DecodeError("contract-invalid", _explain(event_type, error), event_type) from None
    if event.key() != attributes[H_SUBJECT]:
        detail = f"{H_SUBJECT} {attributes[H_SUBJECT]!r} is not the event's key {event.key()!r}"
        raise DecodeError("contract-invalid", detail, event_type)
    return event


def _attributes(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    # Hot loop of every consumer: headers as the relays write them (lower-case names, bytes values) take one
    # pass; anything else goes to the general reader below, which gives the same answer the slow way.
    attributes: dict[str, str] = {}
    ours = 0
    try:
        for name, raw in headers:
            if type(name) is not str or type(raw) is not bytes:
                return _attributes_general(headers)
            if name.startswith("ce_") or name == H_CONTENT_TYPE:
                attributes[name] = raw.decode("utf-8")
                ours += 1
            elif name[:3].lower() == "ce_" or name.lower() == H_CONTENT_TYPE:
                return _attributes_general(headers)
    except (TypeError, ValueError, UnicodeDecodeError):
        return _attributes_general(headers)
    if len(attributes) == ours:
        return attributes
    return _attributes_checked(headers)


def _attributes_general(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    # Any doubt goes to the careful reader, which names exactly what is wrong.
    try:
        ours = [
            (name.lower(), raw)
            for name, raw in headers
            if name[:3].lower() == "ce_" or name.lower() == H_CONTENT_TYPE
        ]
        attributes = {name: raw.decode("utf-8") for name, raw in ours if type(raw) is bytes}
        if len(attributes) == len(ours):
            return attributes
    except (AttributeError, TypeError, UnicodeDecodeError):
        pass
    return _attributes_checked(headers)


def _attributes_checked(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for name, raw in headers:
        if not isinstance(name, str):
            raise DecodeError("undecodable", f"header name {name!r} is not text")
        lowered = name.lower()
        if not (lowered.startswith("ce_") or lowered == H_CONTENT_TYPE):
            continue  # tracing and broker headers are not ours to judge
        if lowered in attributes:
            raise DecodeError("undecodable", f"header {lowered} appears twice")
        if not isinstance(raw, bytes | bytearray):
            raise DecodeError("undecodable", f"header {lowered} has no bytes value")
        try:
            attributes[lowered] = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("undecodable", f"header {lowered} is not UTF-8") from None
    return attributes


def _payload(value: bytes, event_type: str) -> dict[str, Any]:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise DecodeError("undecodable", "the message has no value", event_type)
    try:
        payload = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise DecodeError("undecodable", f"value is not JSON: {error}", event_type) from None
    if not isinstance(payload, dict):
        raise DecodeError(
            "contract-invalid", f"value is JSON {type(payload).__name__}, not an object", event_type
        )
    return payload


def _envelope(cls: type[PublicEvent], attributes: dict[str, str], event_type: str) -> dict[str, Any]:
    dossier = issubclass(cls, DossierEvent)
    missing = [name for name in (_DOSSIER_HEADERS if dossier else _HEADERS) if name not in attributes]
    if missing:
        raise DecodeError("contract-invalid", f"missing headers {', '.join(missing)}", event_type)
    source = attributes[H_SOURCE]
    if not source.startswith(SOURCE_PREFIX):
        raise DecodeError(
            "contract-invalid", f"{H_SOURCE} {source!r} is not {SOURCE_PREFIX}<producer>", event_type
        )
    seq = attributes[H_SEQ]
    envelope: dict[str, Any] = {
        "event_id": attributes[H_ID],
        "event_type": event_type,
        "schema_version": attributes[H_SCHEMAVERSION],
        "seq": int(seq) if _DIGITS.match(seq) else seq,
        "occurred_at": attributes[H_TIME],
        "recorded_at": attributes[H_RECORDEDAT],
        "producer": source.removeprefix(SOURCE_PREFIX),
        "actor": {
            "kind": attributes[H_ACTORKIND],
            "id": attributes[H_ACTORID],
            "unit_code": attributes.get(H_ACTORUNITCODE),
        },
        "correlation_id": attributes[H_CORRELATIONID],
        "causation_id": attributes.get(H_CAUSATIONID),
    }
    if dossier:
        envelope["dossier_id"] = attributes[H_DOSSIERID]
    return envelope


def _extra_policy(cls: type[PublicEvent], attributes: dict[str, str]) -> Literal["ignore"] | None:
    """A newer minor version may only have added optional fields, which this reader may skip (ADR 0102)."""
    return _extra_policy_for(cls.SCHEMA_VERSION, attributes[H_SCHEMAVERSION])


@lru_cache(maxsize=1024)
def _extra_policy_for(known: str, found: str) -> Literal["ignore"] | None:
    # Cached: a handful of (reader, writer) version pairs recur for every message.
    try:
        major, minor = parse_schema_version(found)
        known_major, known_minor = parse_schema_version(known)
    except ValueError:
        return None  # the schema_version validator reports it
    return "ignore" if major == known_major and minor > known_minor else None


def _explain(event_type: str, error: ValidationError) -> str:
    lines = []
    for detail in error.errors(include_url=False)[:_MAX_ERRORS]:
        location = ".".join(str(part) for part in detail["loc"]) or "(event)"
        first = detail["loc"][0] if detail["loc"] else None
        if isinstance(first, str) and first in FIELD_HEADERS:
            location = f"{FIELD_HEADERS[first]} ({location})"
        lines.append(f"{location}: {detail['msg']}")
    more = error.error_count() - _MAX_ERRORS
    if more > 0:
        lines.append(f"… and {more} more")
    return f"{event_type} failed its contract: " + "; ".join(lines)
