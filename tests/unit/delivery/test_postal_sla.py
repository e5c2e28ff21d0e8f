"""Postal SLA J + n on the real working calendar, breaches detected on simulated time and recorded once."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from delivery_kit import DESK_UNIT, at, working_days
from postal_kit import acceptance, partner_app, register_send, staff

from contracts.enums import PostalRouteClass
from delivery.clock import SettableClock
from delivery.postal.partner import HandoverLine, HandoverRecord
from delivery.postal.sla import SlaClock, SlaTable, detect_breaches, sla_due_at


@pytest.mark.parametrize(
    ("j", "route", "slip", "due"),
    [
        (at(2026, 3, 13, 10), PostalRouteClass.INTRA_DISTRICT, False, at(2026, 3, 17, 0)),  # Fri → end of Mon
        (at(2026, 3, 13, 10), PostalRouteClass.INTRA_DISTRICT, True, at(2026, 3, 18, 0)),
        (
            at(2026, 3, 16, 8),
            PostalRouteClass.INTER_PROVINCE_OTHER,
            False,
            at(2026, 3, 21, 0),
        ),  # Mon → end of Fri
        (at(2026, 3, 16, 8), PostalRouteClass.INTER_PROVINCE_OTHER, True, at(2026, 3, 27, 0)),  # J+8
        # Tết 2026: Mon 16 – Fri 20 Feb are holidays, so J+2 from Fri 13 Feb is Tue 24 Feb.
        (at(2026, 2, 13, 10), PostalRouteClass.INTER_DISTRICT, False, at(2026, 2, 25, 0)),
        # Accepted on a Saturday: J+1 is Monday.
        (at(2026, 3, 14, 9), PostalRouteClass.INTRA_DISTRICT, False, at(2026, 3, 17, 0)),
    ],
)
def test_j_plus_n_counts_working_days_after_j(
    j: datetime, route: PostalRouteClass, slip: bool, due: datetime
) -> None:
    assert sla_due_at(j, route, slip_required=slip, calendar=working_days()) == due


def test_special_areas_use_the_deployment_s_numbers() -> None:
    table = SlaTable(special_area=(3, 6))
    due = sla_due_at(
        at(2026, 3, 16),
        PostalRouteClass.SPECIAL_AREA,
        slip_required=False,
        calendar=working_days(),
        table=table,
    )
    assert due == at(2026, 3, 20, 0)


def _clock(due: datetime, stopped: datetime | None = None, recorded: bool = False) -> SlaClock:
    return SlaClock(
        uuid4(), uuid4(), "VNPOST", "EA1VN", PostalRouteClass.INTRA_DISTRICT, due, stopped, recorded
    )


def test_detect_breaches_is_a_pure_function_of_the_clocks_and_now() -> None:
    due = at(2026, 3, 17, 0)
    open_clock, late, on_time, known = (
        _clock(due),
        _clock(due, stopped=at(2026, 3, 17, 9)),
        _clock(due, stopped=at(2026, 3, 16, 16)),
        _clock(due, recorded=True),
    )
    before = detect_breaches([open_clock, late, on_time, known], at(2026, 3, 16, 23, 59))
    assert [b.shipment_id for b in before] == [late.shipment_id]  # stopped late is late whatever "now" is
    breaches = detect_breaches([open_clock, late, on_time, known], due)
    assert [b.shipment_id for b in breaches] == [open_clock.shipment_id, late.shipment_id]
    assert breaches[0].completed_at is None and breaches[0].late_by == timedelta(0)
    assert breaches[1].late_by == timedelta(hours=9)


def test_a_breach_is_detected_across_a_weekend_on_simulated_time_and_recorded_once() -> None:
    clock = SettableClock(at(2026, 3, 13, 10))  # Friday
    partner = partner_app(clock)
    dossier_id = register_send(partner)
    partner.accept_item(dossier_id, acceptance("EA123456785VN"), staff())  # J+1 → end of Monday 16 March
    for moment in (
        at(2026, 3, 14, 12),
        at(2026, 3, 15, 23, 59),
        at(
            2026,
            3,
            16,
            23,
            59,
        ),
    ):
        clock.set(moment)
        assert partner.detect_sla_breaches() == []  # Saturday and Sunday do not count
    clock.set(at(2026, 3, 17, 0, 1))
    [breach] = partner.detect_sla_breaches()
    assert (breach.dossier_id, breach.waybill_no, breach.due_at) == (
        dossier_id,
        "EA123456785VN",
        at(2026, 3, 17, 0),
    )
    assert breach.completed_at is None
    version = partner.get(dossier_id).version
    clock.set(at(2026, 3, 18, 9))
    assert partner.detect_sla_breaches() == []  # emitted once
    assert partner.get(dossier_id).version == version
    [shipment] = partner.get(dossier_id).shipments.values()
    assert shipment.sla_breach_recorded
    breach_events = [e for e in partner.events.get(dossier_id) if type(e).__name__ == "SlaBreached"]
    assert len(breach_events) == 1


def test_a_late_hand_over_is_a_breach_and_an_early_one_is_not() -> None:
    clock = SettableClock(at(2026, 3, 13, 10))
    partner = partner_app(clock)
    late, early = register_send(partner), register_send(partner)
    partner.accept_item(late, acceptance("EA000000011VN"), staff())
    partner.accept_item(early, acceptance("EA000000022VN"), staff())
    clock.set(at(2026, 3, 16, 9))
    partner.hand_over(HandoverRecord("BB-1", DESK_UNIT, "cb.1", (HandoverLine("EA000000022VN"),)), staff())
    clock.set(at(2026, 3, 17, 9))
    partner.hand_over(HandoverRecord("BB-2", DESK_UNIT, "cb.1", (HandoverLine("EA000000011VN"),)), staff())
    [breach] = partner.detect_sla_breaches()
    assert breach.dossier_id == late and breach.completed_at == at(2026, 3, 17, 9)
