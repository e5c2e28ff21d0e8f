"""The postal partner's HTTP API: P1–P12 as its staff record them, the SLA scan, and reads.

Every staff command acts for the partner named in the caller's token (``partner_id``); a shipment of
another partner is refused with 403 and nothing is recorded (ADR 0603). Unknown waybills are 404.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from contracts.enums import (
    ComplaintScope,
    DeliveryFailureReason,
    Liability,
    LossKind,
    NotificationChannel,
    PostalMovement,
    PostalRequestSource,
    PostalRouteClass,
    PostalServiceForm,
)
from delivery.postal.partner import (
    Acceptance,
    HandoverLine,
    HandoverRecord,
    PartnerContext,
    Pickup,
    PostalPartner,
    ServiceRegistration,
)
from delivery.postal.postal_file import PostalFile
from delivery.postal.sla import SlaClock
from delivery.values import Address, Contact, PostalItem
from services.delivery.recipient_input import RecipientIn
from services.runtime.auth import Principal, Role, require_roles
from services.runtime.problems import ProblemError

T = TypeVar("T")
STAFF = require_roles(Role.POSTAL_PARTNER)
READERS = require_roles(Role.POSTAL_PARTNER, Role.OPERATOR, Role.AUDITOR, Role.COUNTER_OFFICER)
OPERATOR = require_roles(Role.OPERATOR)


class _In(BaseModel):
    model_config = {"extra": "forbid"}


class AddressIn(_In):
    street: str = Field(min_length=1, max_length=300)
    commune: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=200)
    district: str | None = None

    def value(self) -> Address:
        return Address(self.street, self.commune, self.province, self.district)


class ContactIn(_In):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, pattern=r"^0\d{9,10}$")
    email: str | None = Field(default=None, max_length=200)


class RegistrationIn(_In):
    form: PostalServiceForm
    requested_via: PostalRequestSource
    procedure_code: str = Field(min_length=1, max_length=30)
    agency_unit_code: str = Field(min_length=1, max_length=30)
    contact: ContactIn
    pickup_address: AddressIn | None = None
    delivery_address: AddressIn | None = None
    dossier_id: UUID | None = None


class ItemIn(_In):
    name: str = Field(min_length=1, max_length=300)
    original: bool
    copies: int = Field(default=1, ge=1, le=100)


class AcceptanceIn(_In):
    waybill_no: str = Field(min_length=4, max_length=40)
    consignment_note_no: str = Field(min_length=1, max_length=40)
    items: list[ItemIn] = Field(min_length=1)
    postage_vnd: int = Field(ge=0)
    post_office_code: str = Field(min_length=1, max_length=30)
    route_class: PostalRouteClass
    slip_required: bool = True
    tthc_fee_collected_vnd: int = Field(default=0, ge=0)
    fee_receipt_no: str | None = None


class TransitIn(_In):
    movement: PostalMovement
    office_code: str = Field(min_length=1, max_length=30)
    next_office_code: str | None = None


class HandoverLineIn(_In):
    waybill_no: str = Field(min_length=4, max_length=40)
    complete: bool = True
    missing_items: list[str] = Field(default_factory=list)
    fees_remitted_vnd: int | None = Field(default=None, ge=0)


class HandoverIn(_In):
    record_no: str = Field(min_length=1, max_length=60)
    agency_unit_code: str = Field(min_length=1, max_length=30)
    agency_officer_id: str = Field(min_length=1, max_length=100)
    lines: list[HandoverLineIn] = Field(min_length=1)


class AppointmentIn(_In):
    channel: NotificationChannel


class PickupIn(_In):
    waybill_no: str = Field(min_length=4, max_length=40)
    consignment_note_no: str = Field(min_length=1, max_length=40)
    agency_officer_id: str = Field(min_length=1, max_length=100)
    route_class: PostalRouteClass
    originals_returned: list[str] = Field(default_factory=list)
    bulk_sealed_by_agency: bool = False


class OutForDeliveryIn(_In):
    courier_id: str = Field(min_length=1, max_length=100)


class FailedIn(_In):
    reason: DeliveryFailureReason
    invitation_issued: bool
    next_attempt_at: AwareDatetime | None = None


class DeliveredIn(_In):
    recipient: RecipientIn
    signature_ref: str = Field(min_length=1, max_length=200)
    fees_collected_vnd: int = Field(default=0, ge=0)
    recovered_documents: list[str] = Field(default_factory=list)


class ReturnIn(_In):
    reason: DeliveryFailureReason


class LossIn(_In):
    kind: LossKind
    description: str = Field(min_length=1, max_length=2000)
    liability: Liability
    damage_record_no: str | None = None


class ComplaintIn(_In):
    complaint_id: str = Field(min_length=1, max_length=60)
    scope: ComplaintScope
    content: str = Field(min_length=1, max_length=4000)


class ResolutionIn(_In):
    complaint_id: str = Field(min_length=1, max_length=60)
    resolution: str = Field(min_length=1, max_length=4000)
    compensation_vnd: int = Field(default=0, ge=0)


def context(request: Request, principal: Principal) -> PartnerContext:
    if not principal.partner_id:  # the auth layer refuses such a token; kept so the type is narrowed
        raise ProblemError(403, "forbidden", "A postal staff token names its partner")
    return PartnerContext(principal.partner_id, principal.subject, UUID(request.state.correlation_id))


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def file_view(postal_file: PostalFile) -> dict[str, Any]:
    registration = postal_file.registration
    return {
        "dossier_id": str(postal_file.id),
        "version": postal_file.version,
        "dossier_code": postal_file.dossier_code,
        "partner_id": registration.partner_id if registration else None,
        "shipments": [
            {
                "shipment_id": str(s.shipment_id),
                "direction": str(s.direction),
                "partner_id": s.partner_id,
                "status": str(s.status),
                "waybill_no": s.waybill_no,
                "sla_due_at": _iso(s.sla_due_at),
                "sla_stopped_at": _iso(s.sla_stopped_at),
                "sla_breach_recorded": s.sla_breach_recorded,
            }
            for s in postal_file.shipments.values()
        ],
    }


def _visible_to(postal_file: PostalFile, principal: Principal) -> bool:
    if Role.POSTAL_PARTNER not in principal.roles:
        return True
    partners = {s.partner_id for s in postal_file.shipments.values()}
    if postal_file.registration is not None:
        partners.add(postal_file.registration.partner_id)
    return principal.partner_id in partners


def clock_view(c: SlaClock) -> dict[str, Any]:
    return {
        "dossier_id": str(c.dossier_id),
        "shipment_id": str(c.shipment_id),
        "partner_id": c.partner_id,
        "waybill_no": c.waybill_no,
        "route_class": str(c.route_class),
        "due_at": c.due_at.isoformat(),
        "stopped_at": _iso(c.stopped_at),
        "breach_recorded": c.breach_recorded,
    }


def router(partner: Callable[[], PostalPartner]) -> APIRouter:
    api = APIRouter()
    Partner = Annotated[PostalPartner, Depends(partner)]
    Staff = Annotated[Principal, Depends(STAFF)]

    async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def by_waybill(app: PostalPartner, waybill_no: str) -> JSONResponse:
        entry = await run(app.waybill, waybill_no)
        return JSONResponse(jsonable_encoder(file_view(await run(app.get, entry.dossier_id))))

    @api.post(
        "/registrations", status_code=201, tags=["postal"], summary="P1 — đăng ký dịch vụ bưu chính công ích"
    )
    async def register(
        request: Request, body: RegistrationIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        registration = ServiceRegistration(
            form=body.form,
            requested_via=body.requested_via,
            procedure_code=body.procedure_code,
            agency_unit_code=body.agency_unit_code,
            contact=Contact(body.contact.name, body.contact.phone, body.contact.email),
            pickup_address=body.pickup_address.value() if body.pickup_address else None,
            delivery_address=body.delivery_address.value() if body.delivery_address else None,
        )
        dossier_id = await run(
            app.register_service, registration, context(request, principal), dossier_id=body.dossier_id
        )
        return JSONResponse(jsonable_encoder(file_view(await run(app.get, dossier_id))), status_code=201)

    @api.post("/files/{dossier_id}/acceptance", tags=["postal"], summary="P2 — nhận gửi hồ sơ")
    async def accept(
        request: Request, dossier_id: UUID, body: AcceptanceIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        acceptance = Acceptance(
            waybill_no=body.waybill_no,
            consignment_note_no=body.consignment_note_no,
            items=tuple(PostalItem(i.name, i.original, i.copies) for i in body.items),
            postage_vnd=body.postage_vnd,
            post_office_code=body.post_office_code,
            route_class=body.route_class,
            slip_required=body.slip_required,
            tthc_fee_collected_vnd=body.tthc_fee_collected_vnd,
            fee_receipt_no=body.fee_receipt_no,
        )
        await _own_file(app, dossier_id, principal)
        await run(app.accept_item, dossier_id, acceptance, context(request, principal))
        return JSONResponse(jsonable_encoder(file_view(await run(app.get, dossier_id))))

    @api.post("/waybills/{waybill_no}/transit", tags=["postal"], summary="P3 — đến/đi bưu cục")
    async def transit(
        request: Request, waybill_no: str, body: TransitIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(
            app.report_transit,
            waybill_no,
            context(request, principal),
            movement=body.movement,
            office_code=body.office_code,
            next_office_code=body.next_office_code,
        )
        return await by_waybill(app, waybill_no)

    @api.post("/handovers", tags=["postal"], summary="P4 — bàn giao hồ sơ cho cơ quan (biên bản)")
    async def handover(request: Request, body: HandoverIn, app: Partner, principal: Staff) -> JSONResponse:
        record = HandoverRecord(
            record_no=body.record_no,
            agency_unit_code=body.agency_unit_code,
            agency_officer_id=body.agency_officer_id,
            lines=tuple(
                HandoverLine(
                    line.waybill_no, line.complete, tuple(line.missing_items), line.fees_remitted_vnd
                )
                for line in body.lines
            ),
        )
        dossiers = await run(app.hand_over, record, context(request, principal))
        return JSONResponse({"dossier_ids": [str(d) for d in dossiers]})

    @api.post("/waybills/{waybill_no}/appointment", tags=["postal"], summary="P5 — phát giấy hẹn trả kết quả")
    async def appointment(
        request: Request, waybill_no: str, body: AppointmentIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(app.deliver_appointment_info, waybill_no, context(request, principal), channel=body.channel)
        return await by_waybill(app, waybill_no)

    @api.post("/files/{dossier_id}/result-pickup", tags=["postal"], summary="P6 — nhận kết quả tại cơ quan")
    async def pickup(
        request: Request, dossier_id: UUID, body: PickupIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await _own_file(app, dossier_id, principal)
        await run(
            app.pick_up_result,
            dossier_id,
            Pickup(
                waybill_no=body.waybill_no,
                consignment_note_no=body.consignment_note_no,
                agency_officer_id=body.agency_officer_id,
                route_class=body.route_class,
                originals_returned=tuple(body.originals_returned),
                bulk_sealed_by_agency=body.bulk_sealed_by_agency,
            ),
            context(request, principal),
        )
        return JSONResponse(jsonable_encoder(file_view(await run(app.get, dossier_id))))

    @api.post("/waybills/{waybill_no}/out-for-delivery", tags=["postal"], summary="P7 — đang phát")
    async def out(
        request: Request, waybill_no: str, body: OutForDeliveryIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(app.out_for_delivery, waybill_no, context(request, principal), courier_id=body.courier_id)
        return await by_waybill(app, waybill_no)

    @api.post(
        "/waybills/{waybill_no}/delivery-failure", tags=["postal"], summary="P8 — phát không thành công"
    )
    async def failed(
        request: Request, waybill_no: str, body: FailedIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(
            app.delivery_failed,
            waybill_no,
            context(request, principal),
            reason=body.reason,
            invitation_issued=body.invitation_issued,
            next_attempt_at=body.next_attempt_at,
        )
        return await by_waybill(app, waybill_no)

    @api.post("/waybills/{waybill_no}/delivery", tags=["postal"], summary="P9 — phát thành công")
    async def delivered(
        request: Request, waybill_no: str, body: DeliveredIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        r = body.recipient
        await run(
            app.deliver,
            waybill_no,
            context(request, principal),
            recipient=r.value(),
            signature_ref=body.signature_ref,
            fees_collected_vnd=body.fees_collected_vnd,
            recovered_documents=tuple(body.recovered_documents),
        )
        return await by_waybill(app, waybill_no)

    @api.post(
        "/waybills/{waybill_no}/return-to-agency", tags=["postal"], summary="P10 — chuyển hoàn về cơ quan"
    )
    async def returned(
        request: Request, waybill_no: str, body: ReturnIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(app.return_to_agency, waybill_no, context(request, principal), reason=body.reason)
        return await by_waybill(app, waybill_no)

    @api.post("/waybills/{waybill_no}/loss", tags=["postal"], summary="P11 — thất lạc, hư hỏng")
    async def loss(
        request: Request, waybill_no: str, body: LossIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(
            app.report_loss,
            waybill_no,
            context(request, principal),
            kind=body.kind,
            description=body.description,
            liability=body.liability,
            damage_record_no=body.damage_record_no,
        )
        return await by_waybill(app, waybill_no)

    @api.post("/waybills/{waybill_no}/complaints", tags=["postal"], summary="P12 — khiếu nại")
    async def complaint(
        request: Request, waybill_no: str, body: ComplaintIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(
            app.file_complaint,
            waybill_no,
            context(request, principal),
            complaint_id=body.complaint_id,
            scope=body.scope,
            content=body.content,
        )
        return await by_waybill(app, waybill_no)

    @api.post(
        "/waybills/{waybill_no}/complaint-resolution", tags=["postal"], summary="P12 — giải quyết khiếu nại"
    )
    async def resolution(
        request: Request, waybill_no: str, body: ResolutionIn, app: Partner, principal: Staff
    ) -> JSONResponse:
        await run(
            app.resolve_complaint,
            waybill_no,
            context(request, principal),
            complaint_id=body.complaint_id,
            resolution=body.resolution,
            compensation_vnd=body.compensation_vnd,
        )
        return await by_waybill(app, waybill_no)

    @api.get("/files/{dossier_id}", tags=["postal"], summary="Hồ sơ bưu chính của một hồ sơ TTHC")
    async def get_file(
        dossier_id: UUID, app: Partner, principal: Annotated[Principal, Depends(READERS)]
    ) -> JSONResponse:
        postal_file = await _own_file(app, dossier_id, principal)
        return JSONResponse(jsonable_encoder(file_view(postal_file)))

    @api.get("/waybills/{waybill_no}", tags=["postal"], summary="Bưu gửi theo số hiệu")
    async def get_waybill(
        waybill_no: str, app: Partner, principal: Annotated[Principal, Depends(READERS)]
    ) -> JSONResponse:
        entry = await run(app.waybill, waybill_no)
        postal_file = await _own_file(app, entry.dossier_id, principal)
        return JSONResponse(jsonable_encoder(file_view(postal_file)))

    @api.get("/sla-clocks", tags=["sla"], summary="Đồng hồ chỉ tiêu thời gian J + n của mọi bưu gửi")
    async def sla_clocks(app: Partner, principal: Annotated[Principal, Depends(READERS)]) -> JSONResponse:
        clocks = await run(app.sla_clocks)
        if Role.POSTAL_PARTNER in principal.roles:
            clocks = [c for c in clocks if c.partner_id == principal.partner_id]
        return JSONResponse([clock_view(c) for c in clocks])

    @api.post("/ops/sla-scan", tags=["sla"], summary="Record every SLA breach at this process's now")
    async def sla_scan(app: Partner, principal: Annotated[Principal, Depends(OPERATOR)]) -> JSONResponse:
        breaches = await run(app.detect_sla_breaches)
        return JSONResponse(
            [
                {"waybill_no": b.waybill_no, "due_at": b.due_at.isoformat(), "dossier_id": str(b.dossier_id)}
                for b in breaches
            ]
        )

    return api


async def _own_file(app: PostalPartner, dossier_id: UUID, principal: Principal) -> PostalFile:
    postal_file = await asyncio.to_thread(app.get, dossier_id)
    if not _visible_to(postal_file, principal):
        raise ProblemError(
            403,
            "forbidden",
            "Not your shipment",
            "This dossier's postal file belongs to another postal partner.",
            title_vi="Không phải bưu gửi của đơn vị",
            rule="NOT_YOUR_SHIPMENT",
        )
    return postal_file
