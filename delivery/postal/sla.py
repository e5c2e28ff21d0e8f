"""The postal quality standard ``J + n`` (Circular 17/2017 Art 6–8, domain.md §4.4) and breach detection.

J is the day written on the consignment note — the day the dossier was accepted from the applicant (P2)
or the result taken from the agency (P6) — and n counts working days after J on the working-calendar port.
A shipment is on time if its SLA clock stopped by the **end** of day J + n (ADR 0602). The clock stops at
the hand-over to the agency (P4), or at the appointment slip reaching the applicant (P5) when the slip must
come back too; for a result, at delivery (P9) or at the first invitation left for the applicant (P8 with an
invitation: "the time runs until the applicant is notified to come").

``detect_breaches`` is a pure function of the shipments' SLA clocks and "now": an open clock past its
due time, or a clock that stopped late, is a breach — unless it was already recorded, so each breach is
emitted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from uuid import UUID

from contracts.enums import PostalRouteClass
from delivery.calendar import WorkingDays
from delivery.clock import BUSINESS_TZ, business_time

# (n, n when the appointment slip must also be delivered back), Circular 17/2017.
CIRCULAR_17_TABLE: Mapping[PostalRouteClass, tuple[int, int]] = {
    PostalRouteClass.INTRA_DISTRICT: (1, 2),
    PostalRouteClass.INTER_DISTRICT: (2, 4),
    PostalRouteClass.INTER_PROVINCE_MAJOR: (3, 6),
    PostalRouteClass.INTER_PROVINCE_OTHER: (4, 8),
}


@dataclass(frozen=True)
class SlaTable:
    """n per route class. Special-geography areas are "published by VNPost" (§4.4): the deployment sets them;
    the default (5, 10) is a placeholder, UNCONFIRMED."""

    standard: Mapping[PostalRouteClass, tuple[int, int]] = field(
        default_factory=lambda: dict(CIRCULAR_17_TABLE)
    )
    special_area: tuple[int, int] = (5, 10)

    def working_days(self, route: PostalRouteClass, *, slip_required: bool) -> int:
        plain, with_slip = (
            self.special_area if route is PostalRouteClass.SPECIAL_AREA else self.standard[route]
        )
        return with_slip if slip_required else plain


def sla_due_at(
    j: datetime,
    route: PostalRouteClass,
    *,
    slip_required: bool,
    calendar: WorkingDays,
    table: SlaTable | None = None,
) -> datetime:
    """The end of working day J + n (00:00 of the next calendar day, business time)."""
    n = (table or SlaTable()).working_days(route, slip_required=slip_required)
    last_day = calendar.add_working_days(business_time(j).date(), n)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=BUSINESS_TZ)


@dataclass(frozen=True)
class SlaClock:
    """The SLA state of one shipment, as the postal file knows it."""

    dossier_id: UUID
    shipment_id: UUID
    partner_id: str
    waybill_no: str
    route_class: PostalRouteClass
    due_at: datetime
    stopped_at: datetime | None
    breach_recorded: bool


@dataclass(frozen=True)
class SlaBreach:
    """A shipment that missed J + n: still open at ``detected_at``, or completed late at ``completed_at``."""

    dossier_id: UUID
    shipment_id: UUID
    partner_id: str
    waybill_no: str
    route_class: PostalRouteClass
    due_at: datetime
    detected_at: datetime
    completed_at: datetime | None

    @property
    def late_by(self) -> timedelta:
        return (self.completed_at or self.detected_at) - self.due_at


def detect_breaches(clocks: Iterable[SlaClock], now: datetime) -> list[SlaBreach]:
    """The breaches not yet recorded among ``clocks`` at ``now``, in the order given."""
    found: list[SlaBreach] = []
    for clock in clocks:
        if clock.breach_recorded:
            continue
        if clock.stopped_at is not None:
            late = clock.stopped_at >= clock.due_at
        else:
            late = now >= clock.due_at
        if late:
            found.append(
                SlaBreach(
                    dossier_id=clock.dossier_id,
                    shipment_id=clock.shipment_id,
                    partner_id=clock.partner_id,
                    waybill_no=clock.waybill_no,
                    route_class=clock.route_class,
                    due_at=clock.due_at,
                    detected_at=now,
                    completed_at=clock.stopped_at,
                )
            )
    return found
