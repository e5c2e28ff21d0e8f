"""delivery-api: result return over HTTP — at the counter, online, from a kiosk, a postal pick-up request —
and the applicant's rating.

Every command is one POST answered with the dossier's delivery view; refusals are RFC 9457 problems naming
the rule (409), the value (422), the caller (403) or the dossier (404), and record nothing. ``Delivery`` is
synchronous (eventsourcing), so commands run in the thread pool.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from contracts.enums import ActorKind, RatingChannel, SatisfactionLevel
from delivery.outbound import outbound
from delivery.result_delivery import ResultDelivery
from delivery.service import CounterReturn, Delivery, Rating
from delivery.values import Actor, Address, CommandContext, CriterionScore
from services.delivery.composition import build_delivery
from services.delivery.recipient_input import RecipientIn
from services.runtime.auth import AuthSettings, Principal, Role, install_auth, require_roles
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.problems import ProblemError, install_problem_handlers
from services.runtime.simclock import clock_router

NAME = "delivery-api"
T = TypeVar("T")

OFFICER = require_roles(Role.COUNTER_OFFICER)
APPLICANT = require_roles(Role.APPLICANT)
OFFICER_OR_APPLICANT = require_roles(Role.COUNTER_OFFICER, Role.APPLICANT)
STAFF_ROLES = (Role.COUNTER_OFFICER, Role.OPERATOR, Role.AUDITOR)
STAFF = require_roles(*STAFF_ROLES)
READERS = require_roles(
    Role.COUNTER_OFFICER,
    Role.APPLICANT,
    Role.PROCESSING_OFFICER,
    Role.AGENCY_LEAD,
    Role.AUDITOR,
    Role.OPERATOR,
)


class CounterReturnIn(BaseModel):
    model_config = {"extra": "forbid"}
    recipient: RecipientIn
    originals_returned: list[str] = Field(default_factory=list)
    fees_collected_vnd: int = Field(default=0, ge=0)


class CriterionIn(BaseModel):
    model_config = {"extra": "forbid"}
    criterion: str = Field(min_length=1, max_length=100)
    score: int = Field(ge=1, le=5)


class RatingIn(BaseModel):
    model_config = {"extra": "forbid"}
    level: SatisfactionLevel
    channel: RatingChannel = RatingChannel.ONLINE_PORTAL
    criteria: list[CriterionIn] = Field(default_factory=list)


class AddressIn(BaseModel):
    model_config = {"extra": "forbid"}
    street: str = Field(min_length=1, max_length=300)
    commune: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=200)
    district: str | None = None


class PostalPickupIn(BaseModel):
    model_config = {"extra": "forbid"}
    delivery_address: AddressIn | None = None


class KioskDepositIn(BaseModel):
    model_config = {"extra": "forbid"}
    locker_id: str = Field(min_length=1, max_length=50)
    pickup_code: str = Field(min_length=6, max_length=20)


class KioskCollectIn(BaseModel):
    """What the kiosk reads: the one-time code typed in, and the identity document of the person there."""

    model_config = {"extra": "forbid"}
    pickup_code: str = Field(min_length=1, max_length=20)
    recipient: RecipientIn


_ACTOR_KINDS = ((Role.COUNTER_OFFICER, ActorKind.OFFICER), (Role.APPLICANT, ActorKind.APPLICANT))


def command_context(request: Request, principal: Principal) -> CommandContext:
    kind = next((k for role, k in _ACTOR_KINDS if role in principal.roles), ActorKind.SYSTEM)
    unit = principal.unit_code if kind is ActorKind.OFFICER else None
    return CommandContext(Actor(kind, principal.subject, unit), UUID(request.state.correlation_id))


def check_own_dossier(service: Delivery, dossier_id: UUID, principal: Principal) -> None:
    """An applicant acts only on their own dossier: the token's subject is their ID number (or vneid.<id>)."""
    if Role.APPLICANT not in principal.roles or principal.has_any(STAFF_ROLES):
        return
    applicant = service.get(dossier_id).applicant
    if applicant is None or principal.subject not in {applicant.id_number, f"vneid.{applicant.id_number}"}:
        raise ProblemError(
            403,
            "forbidden",
            "Not your dossier",
            "An applicant acts only on their own dossier.",
            title_vi="Không phải hồ sơ của Ông/Bà",
            rule="NOT_YOUR_DOSSIER",
        )


def check_officer_unit(service: Delivery, dossier_id: UUID, principal: Principal) -> None:
    """An officer hands over only what waits at their own desk: the unit that received the dossier (ADR 0651).

    Before intake's facts arrive the place is unknown and the domain refuses the hand-over anyway
    (``APPLICANT_UNKNOWN``), so an unknown place is let through to that rule.
    """
    if Role.COUNTER_OFFICER not in principal.roles:
        return
    place = service.get(dossier_id).pickup_place
    if place is not None and principal.unit_code != place:
        raise ProblemError(
            403,
            "forbidden",
            "Not your unit",
            f"The result of this dossier waits at unit {place}; an officer of {principal.unit_code} cannot"
            " hand it over.",
            title_vi="Không thuộc đơn vị của cán bộ",
            detail_vi=f"Kết quả của hồ sơ được trả tại đơn vị {place}; cán bộ đơn vị {principal.unit_code}"
            " không được thực hiện.",
            rule="NOT_YOUR_UNIT",
        )


def delivery_view(aggregate: ResultDelivery) -> dict[str, Any]:
    applicant = aggregate.applicant
    return {
        "dossier_id": str(aggregate.id),
        "dossier_code": aggregate.dossier_code,
        "status": str(aggregate.status),
        "status_vi": aggregate.status.label_vi,
        "version": aggregate.version,
        "outcome": str(aggregate.outcome) if aggregate.outcome else None,
        "return_method": str(applicant.return_method) if applicant and applicant.return_method else None,
        "returned_method": str(aggregate.returned_method) if aggregate.returned_method else None,
        "returned_at": aggregate.returned_at.isoformat() if aggregate.returned_at else None,
        "due_at": aggregate.due_at.isoformat() if aggregate.due_at else None,
        "fees_due_vnd": aggregate.fees_due_vnd,
        "originals_to_return": list(aggregate.originals_to_return),
        "shipment_id": str(aggregate.shipment_id) if aggregate.shipment_id else None,
        "returned_by_post": aggregate.returned_by_post,
        "rated": aggregate.rated,
        "messages": [
            {
                "message_id": str(m.message_id),
                "kind": str(m.kind),
                "channel": str(m.channel),
                "to": m.to,
                "status": str(m.status),
                "attempts": m.attempts,
            }
            for m in aggregate.messages.values()
        ],
    }


def build(runtime: Runtime, make_delivery: Callable[[Runtime], Delivery] = build_delivery) -> FastAPI:
    """The app; ``make_delivery`` builds the context at start (PostgreSQL here, an in-memory store in tests)."""
    holder: dict[str, Delivery] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder["delivery"] = await asyncio.to_thread(make_delivery, runtime)
        try:
            yield
        finally:
            holder["delivery"].close()

    app = create_app(
        NAME,
        VERSION,
        runtime.readiness,
        lifespan=lifespan,
        title="motcua — delivery-api (Trả kết quả)",
        description="Result return at the counter, online, by kiosk or post; satisfaction ratings.",
    )
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    if (simulated := runtime.simulated_clock) is not None:
        app.include_router(clock_router(simulated))

    def delivery() -> Delivery:
        return holder["delivery"]

    Service = Annotated[Delivery, Depends(delivery)]

    async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def answer(service: Delivery, dossier_id: UUID) -> JSONResponse:
        return JSONResponse(jsonable_encoder(delivery_view(await run(service.get, dossier_id))))

    @app.post("/dossiers/{dossier_id}/counter-return", tags=["return"], summary="E25 — trả kết quả tại quầy")
    async def counter_return(
        request: Request,
        dossier_id: UUID,
        body: CounterReturnIn,
        service: Service,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> JSONResponse:
        command = CounterReturn(
            body.recipient.value(), tuple(body.originals_returned), body.fees_collected_vnd
        )
        await run(check_officer_unit, service, dossier_id, principal)
        await run(service.return_at_counter, dossier_id, command, command_context(request, principal))
        return await answer(service, dossier_id)

    @app.post(
        "/dossiers/{dossier_id}/online-return",
        tags=["return"],
        summary="E25 — công dân tải kết quả điện tử (trả trực tuyến)",
    )
    async def online_return(
        request: Request,
        dossier_id: UUID,
        service: Service,
        principal: Annotated[Principal, Depends(APPLICANT)],
    ) -> JSONResponse:
        await run(check_own_dossier, service, dossier_id, principal)
        await run(service.return_online, dossier_id, command_context(request, principal))
        return await answer(service, dossier_id)

    @app.post(
        "/dossiers/{dossier_id}/postal-pickup-request",
        tags=["return"],
        summary="Yêu cầu bưu chính đến lấy kết quả",
    )
    async def postal_pickup(
        request: Request,
        dossier_id: UUID,
        body: PostalPickupIn,
        service: Service,
        principal: Annotated[Principal, Depends(OFFICER_OR_APPLICANT)],
    ) -> JSONResponse:
        await run(check_own_dossier, service, dossier_id, principal)
        await run(check_officer_unit, service, dossier_id, principal)
        a = body.delivery_address
        address = Address(a.street, a.commune, a.province, a.district) if a else None
        await run(
            service.request_postal_pickup,
            dossier_id,
            command_context(request, principal),
            delivery_address=address,
        )
        return await answer(service, dossier_id)

    @app.post(
        "/dossiers/{dossier_id}/kiosk-deposit", tags=["return"], summary="Đặt kết quả vào tủ trả kết quả"
    )
    async def kiosk_deposit(
        request: Request,
        dossier_id: UUID,
        body: KioskDepositIn,
        service: Service,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> JSONResponse:
        await run(check_officer_unit, service, dossier_id, principal)
        await run(
            service.deposit_in_kiosk,
            dossier_id,
            command_context(request, principal),
            locker_id=body.locker_id,
            pickup_code=body.pickup_code,
        )
        return await answer(service, dossier_id)

    @app.post("/dossiers/{dossier_id}/kiosk-collection", tags=["return"], summary="E25 — nhận kết quả tại tủ")
    async def kiosk_collect(
        request: Request,
        dossier_id: UUID,
        body: KioskCollectIn,
        service: Service,
        principal: Annotated[Principal, Depends(OFFICER_OR_APPLICANT)],
    ) -> JSONResponse:
        await run(check_own_dossier, service, dossier_id, principal)
        await run(check_officer_unit, service, dossier_id, principal)
        await run(
            service.collect_from_kiosk,
            dossier_id,
            command_context(request, principal),
            pickup_code=body.pickup_code,
            recipient=body.recipient.value(),
        )
        return await answer(service, dossier_id)

    @app.post("/dossiers/{dossier_id}/rating", tags=["rating"], summary="E26 — đánh giá mức độ hài lòng")
    async def rate(
        request: Request,
        dossier_id: UUID,
        body: RatingIn,
        service: Service,
        principal: Annotated[Principal, Depends(OFFICER_OR_APPLICANT)],
    ) -> JSONResponse:
        rating = Rating(
            body.level, body.channel, tuple(CriterionScore(c.criterion, c.score) for c in body.criteria)
        )
        await run(check_own_dossier, service, dossier_id, principal)
        await run(check_officer_unit, service, dossier_id, principal)
        await run(service.rate, dossier_id, rating, command_context(request, principal))
        return await answer(service, dossier_id)

    @app.get("/dossiers/{dossier_id}", tags=["return"], summary="Trả kết quả: trạng thái và thông báo")
    async def get_dossier(
        dossier_id: UUID, service: Service, principal: Annotated[Principal, Depends(READERS)]
    ) -> JSONResponse:
        await run(check_own_dossier, service, dossier_id, principal)
        return await answer(service, dossier_id)

    @app.get(
        "/dossiers/{dossier_id}/events", tags=["return"], summary="Public delivery events (contracts v1)"
    )
    async def dossier_events(
        dossier_id: UUID, service: Service, principal: Annotated[Principal, Depends(READERS)]
    ) -> JSONResponse:
        await run(service.get, dossier_id)
        await run(check_own_dossier, service, dossier_id, principal)
        events = await run(lambda: list(service.repository.event_store.get(dossier_id)))
        return JSONResponse(
            jsonable_encoder([p.model_dump(mode="json") for e in events for p in outbound(e)])
        )

    @app.get("/ops/outbox", tags=["operations"], summary="Messages not yet sent (the notification outbox)")
    async def outbox(service: Service, principal: Annotated[Principal, Depends(STAFF)]) -> JSONResponse:
        pending = await run(service.pending_messages)
        return JSONResponse(
            [
                {"message_id": str(m.message_id), "dossier_id": str(m.dossier_id), "kind": str(m.kind)}
                for m in pending
            ]
        )

    return app


if __name__ == "__main__":
    serve(NAME, build)
