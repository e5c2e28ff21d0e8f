"""The compatibility checker against a released baseline: only new optional fields pass (ADR 0102)."""

import copy
from pathlib import Path
from typing import Any, ClassVar

import pytest

from contracts import processing
from contracts.compatibility import build_lock, check_compatibility
from contracts.documents import event_schema
from contracts.generate import load_lock

APOLOGY = "vn.one-stop.processing.delay-apology-issued.v1"
RETURNED = "vn.one-stop.delivery.result-returned.v1"
PAYMENT = "vn.one-stop.payment.payment-received.v1"

BASELINE = build_lock()


@pytest.fixture
def current() -> dict[str, Any]:
    return copy.deepcopy(BASELINE)


def _kinds(current: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(p.subject, p.path, p.kind) for p in check_compatibility(BASELINE, current)}


def _schema(current: dict[str, Any], event_type: str) -> dict[str, Any]:
    schema: dict[str, Any] = current["types"][event_type]["schema"]
    return schema


def _bump(current: dict[str, Any], event_type: str, version: str = "1.1") -> None:
    current["types"][event_type]["schema_version"] = version


def test_unchanged_catalogue_is_compatible(current: dict[str, Any]) -> None:
    assert check_compatibility(BASELINE, current) == []


def test_committed_release_accepts_the_current_models() -> None:
    released = load_lock(Path(__file__).parents[2] / "contracts")
    assert released is not None
    assert [str(p) for p in check_compatibility(released, BASELINE)] == []


def test_removed_field_is_refused(current: dict[str, Any]) -> None:
    schema = _schema(current, APOLOGY)
    del schema["properties"]["reason"]
    schema["required"].remove("reason")
    _bump(current, APOLOGY)
    assert _kinds(current) == {(APOLOGY, "reason", "removed-field")}


def test_changed_type_is_refused(current: dict[str, Any]) -> None:
    _schema(current, PAYMENT)["properties"]["amount_vnd"]["type"] = "string"
    _bump(current, PAYMENT)
    assert (PAYMENT, "amount_vnd", "type-changed") in _kinds(current)


def test_field_becoming_nullable_is_a_type_change(current: dict[str, Any]) -> None:
    schema = _schema(current, APOLOGY)
    schema["properties"]["reason"] = {
        "anyOf": [schema["properties"]["reason"], {"type": "null"}],
        "default": None,
    }
    schema["required"].remove("reason")
    _bump(current, APOLOGY)
    kinds = {kind for _, _, kind in _kinds(current)}
    assert {"type-changed", "field-became-optional"} <= kinds


def test_new_required_field_is_refused(current: dict[str, Any]) -> None:
    schema = _schema(current, APOLOGY)
    schema["properties"]["approver_id"] = {"type": "string"}
    schema["required"].append("approver_id")
    _bump(current, APOLOGY)
    assert _kinds(current) == {(APOLOGY, "approver_id", "new-required-field")}


def test_removed_enum_value_is_refused(current: dict[str, Any]) -> None:
    _schema(current, RETURNED)["$defs"]["ReturnMethod"]["enum"].remove("KIOSK")
    _bump(current, RETURNED)
    assert _kinds(current) == {(RETURNED, "method", "removed-enum-value")}


def test_added_enum_value_is_refused_because_old_readers_reject_it(current: dict[str, Any]) -> None:
    _schema(current, RETURNED)["$defs"]["ReturnMethod"]["enum"].append("DRONE")
    _bump(current, RETURNED)
    assert _kinds(current) == {(RETURNED, "method", "added-enum-value")}


@pytest.mark.parametrize(
    ("keyword", "value", "kind"),
    [
        ("maxLength", 1000, "constraint-tightened"),
        ("minLength", 10, "constraint-tightened"),
        ("pattern", "^[A-Z].*$", "constraint-tightened"),
        ("maxLength", 8000, "constraint-loosened"),
    ],
)
def test_constraint_changes_are_refused(current: dict[str, Any], keyword: str, value: Any, kind: str) -> None:
    _schema(current, APOLOGY)["properties"]["reason"][keyword] = value
    _bump(current, APOLOGY)
    assert _kinds(current) == {(APOLOGY, "reason", kind)}


def test_tightened_constraint_inside_a_nested_model_is_found(current: dict[str, Any]) -> None:
    _schema(current, PAYMENT)["$defs"]["FeeLine"]["properties"]["amount_vnd"]["minimum"] = 1000
    _bump(current, PAYMENT)
    assert (PAYMENT, "lines[].amount_vnd", "constraint-tightened") in _kinds(current)


def test_new_optional_field_is_accepted_with_a_minor_bump(current: dict[str, Any]) -> None:
    class DelayApologyIssuedV11(processing.DelayApologyIssued):
        SCHEMA_VERSION: ClassVar[str] = "1.1"
        approver_id: str | None = None

    current["types"][APOLOGY] = {
        "schema_version": "1.1",
        "topic": processing.DelayApologyIssued.TOPIC,
        "schema": event_schema(DelayApologyIssuedV11),
    }
    assert check_compatibility(BASELINE, current) == []


def test_new_required_field_in_a_model_is_refused() -> None:
    class DelayApologyIssuedV11(processing.DelayApologyIssued):
        SCHEMA_VERSION: ClassVar[str] = "1.1"
        approver_id: str

    current = copy.deepcopy(BASELINE)
    current["types"][APOLOGY]["schema"] = event_schema(DelayApologyIssuedV11)
    current["types"][APOLOGY]["schema_version"] = "1.1"
    assert _kinds(current) == {(APOLOGY, "approver_id", "new-required-field")}


def test_schema_change_without_version_bump_is_refused(current: dict[str, Any]) -> None:
    _schema(current, APOLOGY)["properties"]["approver_id"] = {"type": "string", "default": ""}
    assert _kinds(current) == {(APOLOGY, "", "version-not-bumped")}


def test_description_changes_need_no_version_bump(current: dict[str, Any]) -> None:
    _schema(current, APOLOGY)["properties"]["reason"]["description"] = "Lý do chậm trả kết quả"
    _schema(current, APOLOGY)["title"] = "Renamed"
    assert check_compatibility(BASELINE, current) == []


def test_version_may_not_go_back(current: dict[str, Any]) -> None:
    baseline = copy.deepcopy(BASELINE)
    baseline["types"][APOLOGY]["schema_version"] = "1.2"
    assert {p.kind for p in check_compatibility(baseline, current)} == {"version-went-back"}


def test_removed_or_moved_types_and_repartitioned_topics_are_refused(current: dict[str, Any]) -> None:
    del current["types"][APOLOGY]
    current["types"][RETURNED]["topic"] = "processing.dossiers.v1"
    current["topics"]["intake.dossiers.v1"]["partitions"] = 24
    del current["topics"]["portal.petitions.v1.dlq"]

    assert _kinds(current) == {
        (APOLOGY, "", "removed-type"),
        (RETURNED, "", "topic-changed"),
        ("intake.dossiers.v1", "", "partitions-changed"),
        ("portal.petitions.v1.dlq", "", "removed-topic"),
    }


def test_new_types_and_topics_are_accepted(current: dict[str, Any]) -> None:
    current["types"]["vn.one-stop.intake.dossier-archived.v1"] = copy.deepcopy(current["types"][APOLOGY])
    current["topics"]["archive.dossiers.v1"] = {"partitions": 3}
    assert check_compatibility(BASELINE, current) == []
