"""CloudEvents binary mode on Kafka: header layout, key choice, and DecodeError for every kind of bad input."""

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import golden
from contracts.codec import DecodeError, KafkaRecord, decode, encode
from contracts.registry import EVENT_TYPES

RECEIVED = "vn.one-stop.intake.dossier-received.v1"
PAYMENT = "vn.one-stop.payment.payment-received.v1"
PROCEDURE = "vn.one-stop.reference.procedure-announced.v1"
PETITION = "vn.one-stop.portal.petition-received.v1"


def _record(event_type: str) -> KafkaRecord:
    return encode(golden.example_event(event_type))


def _headers(record: KafkaRecord) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


def _with_header(record: KafkaRecord, name: str, value: bytes | None) -> list[tuple[str, bytes]]:
    """The record's headers with `name` replaced (or removed when value is None)."""
    headers = [(n, v) for n, v in record.headers if n != name]
    return headers if value is None else [*headers, (name, value)]


def _with_payload(record: KafkaRecord, change: Callable[[dict[str, Any]], None]) -> bytes:
    payload = orjson.loads(record.value)
    change(payload)
    return orjson.dumps(payload)


def _decode_error(headers: Any, value: Any) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode(headers, value)
    return caught.value


def test_dossier_event_headers_follow_cloudevents_binary_mode() -> None:
    event = golden.example_event(RECEIVED)
    record = encode(event)
    headers = _headers(record)

    assert [name for name, _ in record.headers].count("ce_type") == 1
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == RECEIVED
    assert headers["ce_id"] == str(event.event_id)
    assert headers["ce_source"] == "/motcua/intake"
    assert headers["ce_subject"] == headers["ce_dossierid"] == str(event.dossier_id)  # type: ignore[attr-defined]
    assert headers["ce_time"] == "2026-03-06T15:20:00+07:00"
    assert headers["ce_recordedat"].endswith("+07:00")
    assert headers["ce_seq"] == str(event.seq)
    assert headers["ce_schemaversion"] == "1.0"
    assert headers["ce_actorkind"] == "officer"
    assert headers["ce_actorunitcode"] == "H44.100"
    assert headers["content-type"] == "application/json"
    assert record.key == str(event.dossier_id).encode()  # type: ignore[attr-defined]
    assert record.topic == "intake.dossiers.v1"


def test_value_holds_only_payload_fields() -> None:
    event = golden.example_event(RECEIVED)
    payload = orjson.loads(encode(event).value)

    assert list(payload) == list(type(event).payload_fields())
    assert not set(payload) & set(type(event).ENVELOPE_FIELDS)
    assert payload["due_at"] == "2026-03-11T15:20:00+07:00"
    assert payload["fee_lines"][0]["amount_vnd"] == 100_000


@pytest.mark.parametrize(
    ("event_type", "key_field"),
    [
        (PROCEDURE, "procedure_code"),
        (PETITION, "petition_id"),
        ("vn.one-stop.reference.unit-established.v1", "unit_code"),
    ],
)
def test_events_without_a_dossier_are_keyed_by_what_they_describe(event_type: str, key_field: str) -> None:
    data = golden.load_example(event_type)
    record = _record(event_type)

    assert record.key == data[key_field].encode()
    assert _headers(record)["ce_subject"] == data[key_field]
    assert "ce_dossierid" not in _headers(record)


def test_optional_envelope_headers_are_omitted_when_empty() -> None:
    headers = _headers(_record(PROCEDURE))  # a system actor without unit, no causation
    assert "ce_actorunitcode" not in headers
    assert "ce_causationid" not in headers
    assert "ce_causationid" in _headers(_record("vn.one-stop.intake.intake-supplement-provided.v1"))


def test_foreign_headers_are_ignored() -> None:
    record = _record(RECEIVED)
    headers = [("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), *record.headers]
    assert decode(headers, record.value) == golden.example_event(RECEIVED)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r: (r.headers, b'{"dossier_code": '), "value is not JSON"),
        (lambda r: (r.headers, b"\xff\xfe"), "value is not JSON"),
        (lambda r: (r.headers, None), "no value"),
        (lambda r: ([], r.value), "ce_specversion"),
        (lambda r: (_with_header(r, "ce_specversion", b"0.3"), r.value), "ce_specversion='0.3'"),
        (lambda r: (_with_header(r, "content-type", b"application/avro"), r.value), "application/json"),
        (lambda r: (_with_header(r, "ce_type", None), r.value), "ce_type header is missing"),
        (lambda r: (_with_header(r, "ce_id", b"\xc3\x28"), r.value), "not UTF-8"),
        (lambda r: ([*r.headers, ("ce_type", b"x")], r.value), "appears twice"),
    ],
)
def test_unreadable_messages_are_undecodable(mutate: Callable[[KafkaRecord], Any], fragment: str) -> None:
    error = _decode_error(*mutate(_record(RECEIVED)))
    assert error.reason == "undecodable"
    assert fragment in str(error)


def test_unknown_event_type_is_reported_with_its_name() -> None:
    record = _record(RECEIVED)
    error = _decode_error(
        _with_header(record, "ce_type", b"vn.one-stop.intake.dossier-teleported.v1"), record.value
    )
    assert error.reason == "unknown-type"
    assert error.event_type == "vn.one-stop.intake.dossier-teleported.v1"
    assert "dossier-teleported" in str(error)


def _drop(field: str) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.pop(field)


def _set(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.__setitem__(field, value)


@pytest.mark.parametrize(
    ("event_type", "change", "fragment"),
    [
        (RECEIVED, _drop("due_at"), "due_at: Field required"),
        (RECEIVED, _set("due_at", "2026-03-11T15:20:00"), "due_at: Input should have timezone info"),
        (RECEIVED, _set("due_at", "2026-03-06T08:00:00+07:00"), "due_at: Value error, must not be before"),
        (RECEIVED, _set("channel", "FAX"), "channel: Input should be 'COUNTER', 'ONLINE' or 'POSTAL'"),
        (RECEIVED, _set("surprise", 1), "surprise: Extra inputs are not permitted"),
        (RECEIVED, _set("seq", 5), "envelope fields ['seq'] belong in headers"),
        (PAYMENT, _set("amount_vnd", -5), "amount_vnd: Input should be greater than 0"),
        (PAYMENT, _set("amount_vnd", 30_100_000.0), "amount_vnd: Input should be a valid integer"),
        (PAYMENT, _set("amount_vnd", "30100000"), "amount_vnd: Input should be a valid integer"),
    ],
)
def test_payload_breaking_the_contract_is_contract_invalid(
    event_type: str, change: Callable[[dict[str, Any]], None], fragment: str
) -> None:
    record = _record(event_type)
    error = _decode_error(record.headers, _with_payload(record, change))
    assert error.reason == "contract-invalid"
    assert error.event_type == event_type
    assert fragment in str(error)


@pytest.mark.parametrize(
    ("header", "value", "fragment"),
    [
        ("ce_seq", b"0", "ce_seq (seq): Input should be greater than or equal to 1"),
        ("ce_seq", b"three", "ce_seq (seq): Input should be a valid integer"),
        (
            "ce_id",
            b"6f1c0a52-8a39-4c1e-9b0e-5d2a4f1b7c3e",
            "ce_id (event_id): Value error, event_id must be a UUIDv7",
        ),
        ("ce_time", b"2026-03-06T15:20:00", "ce_time (occurred_at): Input should have timezone info"),
        (
            "ce_source",
            b"/motcua/postal",
            "ce_source (producer): Value error, DossierReceived is produced by intake",
        ),
        ("ce_source", b"intake", "ce_source 'intake' is not /motcua/<producer>"),
        ("ce_schemaversion", b"2.0", "ce_schemaversion (schema_version)"),
        ("ce_actorkind", b"robot", "ce_actor* (actor.kind)"),
        ("ce_correlationid", None, "missing headers ce_correlationid"),
        ("ce_dossierid", None, "missing headers ce_dossierid"),
        ("ce_subject", b"someone-else", "ce_subject 'someone-else' is not the event's key"),
    ],
)
def test_envelope_headers_breaking_the_contract_are_contract_invalid(
    header: str, value: bytes | None, fragment: str
) -> None:
    record = _record(RECEIVED)
    error = _decode_error(_with_header(record, header, value), record.value)
    assert error.reason == "contract-invalid"
    assert fragment in str(error)


def test_json_that_is_not_an_object_is_contract_invalid() -> None:
    record = _record(RECEIVED)
    error = _decode_error(record.headers, b"[1, 2, 3]")
    assert error.reason == "contract-invalid"
    assert "not an object" in str(error)


def test_newer_minor_version_may_carry_optional_fields_this_reader_does_not_know() -> None:
    record = _record(RECEIVED)

    def add_fields(payload: dict[str, Any]) -> None:
        payload["kiosk_ticket_no"] = "A-017"
        payload["fee_lines"][0]["vat_invoice_no"] = "HD-00123"

    value = _with_payload(record, add_fields)
    decoded = decode(_with_header(record, "ce_schemaversion", b"1.4"), value)

    assert decoded.schema_version == "1.4"
    assert decoded.model_dump(exclude={"schema_version"}) == golden.example_event(RECEIVED).model_dump(
        exclude={"schema_version"}
    )
    same_version = _decode_error(record.headers, value)
    assert same_version.reason == "contract-invalid"


_header_names = st.sampled_from(
    [
        "ce_specversion",
        "ce_type",
        "ce_id",
        "ce_source",
        "ce_subject",
        "ce_seq",
        "content-type",
        "ce_time",
        "x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    headers=st.lists(st.tuples(_header_names, st.binary(max_size=40)), max_size=12),
    value=st.one_of(st.binary(max_size=200), st.none()),
)
def test_decode_of_arbitrary_bytes_raises_only_decode_error(
    headers: list[tuple[str, bytes]], value: Any
) -> None:
    try:
        decode(headers, value)
    except DecodeError as error:
        assert error.reason in {"undecodable", "unknown-type", "contract-invalid"}


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    event_type=st.sampled_from(sorted(EVENT_TYPES)),
    field_index=st.integers(min_value=0, max_value=30),
    replacement=_json_values,
    header_index=st.integers(min_value=0, max_value=20),
    header_value=st.one_of(st.none(), st.binary(max_size=30)),
)
def test_decode_of_damaged_real_events_raises_only_decode_error(
    event_type: str, field_index: int, replacement: Any, header_index: int, header_value: bytes | None
) -> None:
    record = _record(event_type)
    payload = orjson.loads(record.value)
    if payload:
        payload[sorted(payload)[field_index % len(payload)]] = replacement
    name = record.headers[header_index % len(record.headers)][0]
    try:
        event = decode(_with_header(record, name, header_value), orjson.dumps(payload))
    except DecodeError as error:
        assert error.reason in {"undecodable", "unknown-type", "contract-invalid"}
    else:
        assert event.EVENT_TYPE in EVENT_TYPES
