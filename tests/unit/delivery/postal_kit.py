"""Builders for the postal tests: a partner application on the real calendar, and its staff."""

from __future__ import annotations

from uuid import UUID, uuid4

from delivery_kit import APPLICANT_NAME, APPLICANT_PHONE, DESK_UNIT, working_days

from contracts.enums import PostalRequestSource, PostalRouteClass, PostalServiceForm
from delivery.clock import SettableClock
from delivery.postal.partner import Acceptance, PartnerContext, PostalPartner, ServiceRegistration
from delivery.values import Address, Contact, PostalItem

HOME = Address(street="Tổ 5, khu 3", commune="Phường Hòa Bình", province="Tỉnh Sơn Hà")


def partner_app(clock: SettableClock) -> PostalPartner:
    return PostalPartner(calendar=working_days(), clock=clock)


def staff(partner_id: str = "VNPOST", staff_id: str = "bd.sonha.017") -> PartnerContext:
    return PartnerContext(partner_id=partner_id, staff_id=staff_id, correlation_id=uuid4())


def register_send(partner: PostalPartner) -> UUID:
    return partner.register_service(
        ServiceRegistration(
            form=PostalServiceForm.BOTH,
            requested_via=PostalRequestSource.APPLICANT_AT_POST_OFFICE,
            procedure_code="1.001193",
            agency_unit_code=DESK_UNIT,
            contact=Contact(APPLICANT_NAME, APPLICANT_PHONE),
            pickup_address=HOME,
            delivery_address=HOME,
        ),
        staff(),
    )


def acceptance(
    waybill: str,
    *,
    route: PostalRouteClass = PostalRouteClass.INTRA_DISTRICT,
    slip: bool = False,
    fee: int = 0,
) -> Acceptance:
    return Acceptance(
        waybill_no=waybill,
        consignment_note_no=f"PG-{waybill[-4:]}",
        items=(PostalItem("Đơn đề nghị", original=True), PostalItem("Bản sao CCCD", original=False)),
        postage_vnd=32_000,
        post_office_code="BC-SH-01",
        route_class=route,
        slip_required=slip,
        tthc_fee_collected_vnd=fee,
    )
