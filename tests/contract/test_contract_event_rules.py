"""Rules a single event can check on its own (domain.md §2.14–2.15, §4), each reported at its field."""

from collections.abc import Callable
from typing import Any

import pytest

Change = Callable[[dict[str, Any]], None]

APOLOGY = "vn.one-stop.processing.delay-apology-issued.v1"
SUPPLEMENT = "vn.one-stop.processing.supplement-requested.v1"
SUBMITTED = "vn.one-stop.intake.dossier-submitted.v1"
RECEIVED = "vn.one-stop.intake.dossier-received.v1"
DIGITIZED = "vn.one-stop.intake.component-digitized.v1"
PAYMENT = "vn.one-stop.payment.payment-received.v1"
RETURNED = "vn.one-stop.delivery.result-returned.v1"
SYNCED = "vn.one-stop.portal.status-synced-to-national-portal.v1"


def put(path: str, value: Any) -> Change:
    """Sets a dotted path (list indices as numbers) in the example."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def both(*changes: Change) -> Change:
    def change(data: dict[str, Any]) -> None:
        for each in changes:
            each(data)

    return change


RULES: list[tuple[str, Change, tuple[str | int, ...], str]] = [
    (
        APOLOGY,
        put("new_due_at", "2026-03-31T11:40:00+07:00"),
        ("new_due_at",),
        "must be later than previous_due_at",
    ),
    (
        APOLOGY,
        put("new_due_at", "2026-03-30T11:40:00+07:00"),
        ("new_due_at",),
        "must be later than previous_due_at",
    ),
    (APOLOGY, put("extension_no", 2), ("extension_no",), "Input should be 1"),
    (SUPPLEMENT, put("request_no", 0), ("request_no",), "greater than or equal to 1"),
    (SUPPLEMENT, put("request_no", 2), ("sector_law_exception",), "needs an explicit sector-law exception"),
    (
        SUPPLEMENT,
        both(put("request_no", 2), put("sector_law_exception", True)),
        ("exception_legal_basis",),
        "cites its legal basis",
    ),
    (SUPPLEMENT, put("items", []), ("items",), "at least 1 item"),
    (DIGITIZED, put("sha256", "A" * 64), ("sha256",), "should match pattern"),
    (DIGITIZED, put("sha256", "a" * 63), ("sha256",), "should match pattern"),
    (
        DIGITIZED,
        put("source", "REUSED_FROM_PREVIOUS_RESULT"),
        ("reused_from",),
        "names the component or result",
    ),
    (DIGITIZED, put("signer", None), ("signer",), "names its signer"),
    (PAYMENT, put("amount_vnd", 30_000_000), ("amount_vnd",), "is not the sum of the paid lines (30100000)"),
    (PAYMENT, put("lines.0.amount_vnd", -1), ("lines", 0, "amount_vnd"), "greater than or equal to 0"),
    (PAYMENT, put("transaction_ref", None), ("transaction_ref",), "carries its transaction reference"),
    (SUBMITTED, put("online_mode", None), ("online_mode",), "says whether the service is FULL or PARTIAL"),
    (
        SUBMITTED,
        both(put("channel", "COUNTER")),
        ("online_mode",),
        "only for ONLINE submissions",
    ),
    (
        SUBMITTED,
        put("result_return_method", "POSTAL"),
        ("postal_return_address",),
        "needs the delivery address",
    ),
    (SUBMITTED, put("components.1.code", "TK"), ("components",), "component code 'TK' appears twice"),
    (SUBMITTED, put("components.1.source", None), ("components", 1, "source"), "say where they came from"),
    (SUBMITTED, put("applicant.phone", "12345"), ("applicant", "phone"), "should match pattern"),
    (RECEIVED, put("dossier_code", "000.35.29.H44-261345-0017"), ("dossier_code",), "is not a YYMMDD date"),
    (RECEIVED, put("dossier_code", "000.35.29.H44-270229-0017"), ("dossier_code",), "is not a YYMMDD date"),
    (RECEIVED, put("dossier_code", "H44 260305 17"), ("dossier_code",), "should match pattern"),
    (RECEIVED, put("due_at", "2026-03-06T15:00:00+07:00"), ("due_at",), "must not be before clock_start_at"),
    (
        RECEIVED,
        put("legal_receipt_at", "2026-03-06T16:00:00+07:00"),
        ("legal_receipt_at",),
        "must not be after occurred_at",
    ),
    (
        RECEIVED,
        put("receipt_slip_no", None),
        ("receipt_slip_no",),
        "gets a receipt slip unless its result is immediate",
    ),
    (RECEIVED, put("statutory_duration.value", 0.3), ("statutory_duration", "value"), "multiple of 0.5"),
    (
        RECEIVED,
        put("statutory_duration", {"value": 2, "unit": "SAME_DAY"}),
        ("statutory_duration", "unit"),
        "SAME_DAY limit has value 0",
    ),
    (RECEIVED, put("statutory_duration.value", 0), ("statutory_duration", "unit"), "limit is longer than 0"),
    (RECEIVED, put("fee_lines.0.amount_vnd", 99.5), ("fee_lines", 0, "amount_vnd"), "valid integer"),
    (
        RETURNED,
        put("recipient.authorised", True),
        ("recipient", "authorisation_ref"),
        "must show the authorisation",
    ),
    (RETURNED, put("method", "COUNTER"), ("shipment_id",), "a COUNTER return has no shipment"),
    (
        RETURNED,
        both(put("method", "COUNTER"), put("shipment_id", None), put("recipient", None)),
        ("recipient",),
        "records the identified recipient",
    ),
    (
        SYNCED,
        put("latency_ms", 60_000),
        ("latency_ms",),
        "disagrees with occurred_at − state_changed_at (64000)",
    ),
    (SYNCED, put("ack_status", "REJECTED"), ("error_code",), "carries the portal's error code"),
    (
        SYNCED,
        put("sent_at", "2026-03-06T15:19:00+07:00"),
        ("sent_at",),
        "must not be before state_changed_at",
    ),
    (SYNCED, put("status_code", 11), ("status_code",), "Input should be"),
    (
        "vn.one-stop.processing.result-issued.v1",
        both(put("documents.0.e_file_ref", None), put("documents.0.sha256", None)),
        ("e_result",),
        "at least one document with an e_file_ref",
    ),
    (
        "vn.one-stop.processing.result-issued.v1",
        put("documents.0.sha256", None),
        ("documents", 0, "sha256"),
        "needs its sha256",
    ),
    ("vn.one-stop.processing.result-issued.v1", put("outcome", "REJECTED"), ("outcome",), "Input should be"),
    (
        "vn.one-stop.processing.processing-stopped.v1",
        put("cause", "LEGAL_GROUND"),
        ("reason",),
        "gives its reason",
    ),
    (
        "vn.one-stop.processing.supplement-accepted.v1",
        put("waited", "-P1D"),
        ("waited",),
        "cannot be negative",
    ),
    (
        "vn.one-stop.processing.inter-agency-handoff.v1",
        put("to_agency_code", "H44.06.01.01"),
        ("to_agency_code",),
        "another agency",
    ),
    (
        "vn.one-stop.intake.dossier-transferred.v1",
        put("to_unit_code", "H44.100"),
        ("to_unit_code",),
        "another unit",
    ),
    (
        "vn.one-stop.intake.due-date-corrected.v1",
        put("new_due_at", "2026-03-12T09:15:00+07:00"),
        ("new_due_at",),
        "must change",
    ),
    (
        "vn.one-stop.intake.intake-supplement-requested.v1",
        put("applicant_deadline", "2026-03-05T10:00:00+07:00"),
        ("applicant_deadline",),
        "must be later than occurred_at",
    ),
    (
        "vn.one-stop.processing.consultation-requested.v1",
        put("reply_due_at", "2026-03-04T15:00:00+07:00"),
        ("reply_due_at",),
        "later than occurred_at",
    ),
    (
        "vn.one-stop.postal.returned-to-agency.v1",
        put("invitations", 1),
        ("invitations",),
        "only after 2 invitations",
    ),
    (
        "vn.one-stop.postal.dossier-handed-over-to-agency.v1",
        put("complete", False),
        ("missing_items",),
        "lists what is missing",
    ),
    (
        "vn.one-stop.postal.postal-service-requested.v1",
        put("pickup_address", None),
        ("pickup_address",),
        "collects the dossier",
    ),
    (
        "vn.one-stop.postal.postal-item-accepted.v1",
        put("postage_vnd", -27000),
        ("postage_vnd",),
        "greater than or equal to 0",
    ),
    (
        "vn.one-stop.reference.calendar-day-declared.v1",
        put("kind", "MAKE_UP_WORKING_DAY"),
        ("kind",),
        "falls on a weekend",
    ),
    (
        "vn.one-stop.reference.calendar-day-declared.v1",
        put("day", "2026-04-26"),
        ("kind",),
        "is a weekend day",
    ),
    (
        "vn.one-stop.reference.procedure-announced.v1",
        put("personal_presence_required", True),
        ("postal_allowed",),
        "not offered by post",
    ),
    (
        "vn.one-stop.reference.procedure-announced.v1",
        put("statutory_duration", None),
        ("statutory_duration",),
        "publishes its time limit",
    ),
    (
        "vn.one-stop.reference.procedure-announced.v1",
        put("legal_documents", []),
        ("legal_documents",),
        "at least 1 item",
    ),
    (
        "vn.one-stop.reference.unit-established.v1",
        put("parent_code", None),
        ("parent_code",),
        "a COMMUNE unit has a parent",
    ),
    (
        "vn.one-stop.reference.unit-reorganised.v1",
        put("new_parent_code", None),
        ("new_level",),
        "changes the name, the parent or the level",
    ),
    (
        "vn.one-stop.reference.unit-dissolved.v1",
        put("successor_codes", ["H44.41"]),
        ("successor_codes",),
        "not its own successor",
    ),
    (
        "vn.one-stop.reference.office-hours-set.v1",
        put("sessions", [{"start": "07:30:00", "end": "11:30:00"}, {"start": "11:00:00", "end": "17:00:00"}]),
        ("sessions",),
        "overlaps or precedes",
    ),
    (
        "vn.one-stop.reference.office-hours-set.v1",
        put("sessions.0.end", "07:00:00"),
        ("sessions", 0, "end"),
        "is not after its start",
    ),
    (
        "vn.one-stop.portal.petition-received.v1",
        put("source", "TRANSFERRED_FROM_UNIT"),
        ("transferred_from_unit_code",),
        "names that unit",
    ),
    (
        "vn.one-stop.portal.petition-rated.v1",
        put("dislikes", -1),
        ("dislikes",),
        "greater than or equal to 0",
    ),
    (
        "vn.one-stop.delivery.satisfaction-rated.v1",
        put("criteria.0.score", 6),
        ("criteria", 0, "score"),
        "less than or equal to 5",
    ),
]


@pytest.mark.parametrize(
    ("event_type", "change", "loc", "fragment"), RULES, ids=[f"{r[0].split('.')[3]}-{r[2]}" for r in RULES]
)
def test_rule_is_reported_at_its_field(
    example: Any, field_error: Any, event_type: str, change: Change, loc: tuple[str | int, ...], fragment: str
) -> None:
    data = example(event_type)
    change(data)
    assert fragment in field_error(event_type, data, loc)


def test_a_second_supplement_request_is_allowed_with_a_cited_exception(example: Any, validate: Any) -> None:
    data = example(SUPPLEMENT)
    data.update(request_no=2, sector_law_exception=True, exception_legal_basis="Luật Đất đai 2024, Điều 236")
    assert validate(SUPPLEMENT, data).request_no == 2


def test_derived_dvcqg_and_766_properties(validate: Any, example: Any) -> None:
    payment = validate(PAYMENT, example(PAYMENT))
    assert int(payment.online_payment_code) == 1
    rated = validate("vn.one-stop.portal.petition-rated.v1", example("vn.one-stop.portal.petition-rated.v1"))
    assert rated.dissatisfied is False
    published = example("vn.one-stop.reference.procedure-published.v1")
    assert validate("vn.one-stop.reference.procedure-published.v1", published).content_complete is True
    published["content_parts"] = published["content_parts"][:-1]
    assert validate("vn.one-stop.reference.procedure-published.v1", published).content_complete is False
    announced = validate(
        "vn.one-stop.reference.procedure-announced.v1",
        example("vn.one-stop.reference.procedure-announced.v1"),
    )
    assert str(announced.latest_legal_effective_date) == "2025-07-01"
    obligation = validate(
        "vn.one-stop.processing.financial-obligation-requested.v1",
        example("vn.one-stop.processing.financial-obligation-requested.v1"),
    )
    assert obligation.total_vnd == 30_100_000
