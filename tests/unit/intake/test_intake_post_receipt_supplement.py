"""E14 at the desk: the applicant answers processing's post-receipt supplement request (E13) once."""

from __future__ import annotations

from uuid import uuid4

import pytest
from test_intake_desk_kit import CONTEXT, business_registration, head, make_desk

from contracts.enums import Channel
from intake.dossier_values import ProvidedItem
from intake.errors import IntakeRuleViolation
from intake.reference import ReferenceData

ITEMS = (ProvidedItem("Danh sách thành viên hộ gia đình góp vốn", "DS"),)


def test_supplement_answers_the_open_request_and_only_once(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    dossier = desk.submit_and_receive(business_registration(), CONTEXT).dossier_id
    request = uuid4()
    desk.note_supplement_requested(dossier, CONTEXT, request_no=1, source_event_id=request)
    desk.note_supplement_requested(dossier, CONTEXT, request_no=1, source_event_id=request)  # redelivered
    desk.submit_supplement(dossier, CONTEXT, items=ITEMS, channel=Channel.COUNTER)
    assert desk.get(dossier).open_supplement_request is None
    before = head(desk)
    with pytest.raises(IntakeRuleViolation) as refused:
        desk.submit_supplement(dossier, CONTEXT, items=ITEMS, channel=Channel.COUNTER)
    assert refused.value.rule == "NO_SUPPLEMENT_REQUESTED"
    assert head(desk) == before


def test_no_supplement_without_a_request_or_before_receipt(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    received = desk.submit_and_receive(business_registration(), CONTEXT).dossier_id
    submitted = desk.submit(business_registration(), CONTEXT)
    before = head(desk)
    with pytest.raises(IntakeRuleViolation) as no_request:
        desk.submit_supplement(received, CONTEXT, items=ITEMS, channel=Channel.ONLINE)
    assert no_request.value.rule == "NO_SUPPLEMENT_REQUESTED"
    with pytest.raises(IntakeRuleViolation) as not_received:
        desk.note_supplement_requested(submitted, CONTEXT, request_no=1, source_event_id=uuid4())
    assert not_received.value.rule == "SUPPLEMENT_BEFORE_RECEIPT"
    assert head(desk) == before
