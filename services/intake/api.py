"""intake-api: the one-stop desk over HTTP.

Every command is one POST, answered with what the desk decided; refusals are RFC 9457 problems naming the
rule (409) or the field (422), and change nothing. Submissions and due-time corrections need an
``Idempotency-Key``. A correction of the due time (E30, ADR 0254) is asked by an officer and co-signed by
an agency lead or operator, whose own bearer token travels in ``Approver-Authorization``. The desk is
synchronous (eventsourcing), so commands run in the thread pool.
"""

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Body, Depends, FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from contracts.enums import ActorKind, Channel, TransferMode
from intake.desk import IntakeDesk
from intake.dossier import Dossier
from intake.dossier_commands import (
    CounterPayment,
    Digitisation,
    DueDateCorrection,
    HandoverRecord,
    Receipt,
    ReceiveDetails,
    Refusal,
    SubmitDossier,
    SupplementRequest,
)
from intake.dossier_values import Actor, CommandContext, ProvidedItem
from intake.due_correction import Approver, ApproverRole
from intake.errors import IntakeRuleViolation, invalid
from intake.outbound import outbound
from services.forms.document import to_html, to_pdf
from services.intake.composition import build_desk, schema
from services.intake.slip import receipt_slip
from services.runtime.auth import (
    AuthSettings,
    Principal,
    Role,
    TokenRejected,
    install_auth,
    require_roles,
    verify_token,
)
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.idempotency import IdempotencyStore, idempotency, install_idempotency
from services.runtime.problems import ProblemError, install_problem_handlers
from services.runtime.simclock import clock_router

NAME = "intake-api"
T = TypeVar("T")

OFFICER = require_roles(Role.COUNTER_OFFICER)
OFFICER_OR_APPLICANT = require_roles(Role.COUNTER_OFFICER, Role.APPLICANT)
# An officer asks for a due-time correction; a lead may ask too (another lead or an operator approves).
CORRECTION_ASKERS = require_roles(Role.COUNTER_OFFICER, Role.AGENCY_LEAD)
APPROVER_HEADER = "Approver-Authorization"
SUBMITTERS = require_roles(Role.COUNTER_OFFICER, Role.APPLICANT, Role.POSTAL_PARTNER)
READERS = require_roles(
    Role.COUNTER_OFFICER,
    Role.APPLICANT,
    Role.PROCESSING_OFFICER,
    Role.AGENCY_LEAD,
    Role.AUDITOR,
    Role.OPERATOR,
    Role.POSTAL_PARTNER,
)

_ACTOR_KINDS = (
    (Role.COUNTER_OFFICER, ActorKind.OFFICER),
    (Role.AGENCY_LEAD, ActorKind.OFFICER),
    (Role.POSTAL_PARTNER, ActorKind.POSTAL_STAFF),
    (Role.APPLICANT, ActorKind.APPLICANT),
)


def command_context(request: Request, principal: Principal) -> CommandContext:
    kind = next((k for role, k in _ACTOR_KINDS if role in principal.roles), ActorKind.SYSTEM)
    unit = principal.unit_code if kind is ActorKind.OFFICER else None
    return CommandContext(
        actor=Actor(kind=kind, id=principal.subject, unit_code=unit),
        correlation_id=UUID(request.state.correlation_id),
    )


class Supplement(BaseModel):
    model_config = {"extra": "forbid"}
    items: list[ProvidedItem] = Field(min_length=1)
    channel: Channel


class Withdrawal(BaseModel):
    model_config = {"extra": "forbid"}
    channel: Channel
    reason: str | None = Field(default=None, max_length=2000)


class Transfer(BaseModel):
    model_config = {"extra": "forbid"}
    mode: TransferMode
    to_unit_code: str | None = None


class Correction(BaseModel):
    model_config = {"extra": "forbid"}
    new_due_at: datetime = Field(description="The corrected promise, business time (+07:00)")
    reason: str = Field(max_length=4000, description="Why the printed promise was wrong")


def approver_of(request: Request) -> Approver:
    """The co-signing approver, from the bearer token in ``Approver-Authorization`` (ADR 0254)."""
    header = request.headers.get(APPROVER_HEADER)
    if header is None or not header.strip():
        raise invalid(
            "APPROVAL_REQUIRED",
            f"Điều chỉnh thời hạn cần lãnh đạo phê duyệt: gửi mã truy cập của người phê duyệt trong {APPROVER_HEADER}.",
            f"A correction needs an approval: send the approver's bearer token in {APPROVER_HEADER}.",
            field="approved_by",
        )
    scheme, _, token = header.strip().partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRejected("malformed", "not of the form Bearer <token>", "không có dạng Bearer <mã>")
        approver = verify_token(request.app.state.auth_settings, token.strip())
    except TokenRejected as rejected:
        raise invalid(
            "APPROVAL_INVALID",
            f"Mã truy cập của người phê duyệt không hợp lệ: {rejected.reason_vi}.",
            f"The approver's token is not valid: {rejected.reason}.",
            field="approved_by",
        ) from None
    if Role.AGENCY_LEAD in approver.roles:
        return Approver(approver.subject, ApproverRole.AGENCY_LEAD, approver.unit_code)
    if Role.OPERATOR in approver.roles:
        return Approver(approver.subject, ApproverRole.OPERATOR)
    raise IntakeRuleViolation(
        "APPROVER_ROLE",
        "Người phê duyệt phải là lãnh đạo cơ quan (agency_lead) hoặc người vận hành hệ thống (operator).",
        "The approver must be an agency lead or an operator.",
        field="approved_by",
        status=403,
    )


class WalkIn(BaseModel):
    model_config = {"extra": "forbid"}
    submission: SubmitDossier
    receive: ReceiveDetails = Field(default_factory=ReceiveDetails)


def _json(value: Any, status: int = 200) -> JSONResponse:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return JSONResponse(jsonable_encoder(value), status_code=status)


def dossier_view(desk: IntakeDesk, dossier: Dossier) -> dict[str, Any]:
    events = list(desk.repository.event_store.get(dossier.id))
    history = [
        {
            "event_type": p.event_type,
            "seq": p.seq,
            "occurred_at": p.occurred_at.isoformat(),
            "actor": p.actor.model_dump(mode="json"),
            "event_id": str(p.event_id),
        }
        for e in events
        for p in outbound(e)
    ]
    procedure = desk.reference.procedures.get(dossier.procedure_code)
    return {
        "dossier_id": str(dossier.id),
        "dossier_code": dossier.dossier_code,
        "status": str(dossier.status),
        "status_vi": dossier.status.label_vi,
        "version": dossier.version,
        "procedure": {"code": procedure.code, "name": procedure.name},
        "channel": str(dossier.channel),
        "receiving_unit_code": dossier.receiving_unit_code,
        "processing_unit_code": dossier.processing_unit_code,
        "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(getattr(dossier, "received_at", None)),
        "clock_start_at": _iso(getattr(dossier, "clock_start_at", None)),
        "due_at": _iso(getattr(dossier, "due_at", None)),
        "receipt_slip_no": getattr(dossier, "receipt_slip_no", None),
        "receipt_due_at": _iso(getattr(dossier, "receipt_due_at", None)),
        "due_corrections": [
            {
                "corrected_at": c.corrected_at.isoformat(),
                "old_due_at": c.old_due_at.isoformat(),
                "new_due_at": c.new_due_at.isoformat(),
                "reason": c.reason,
                "requested_by": c.requested_by,
                "approved_by": c.approved_by,
                "approver_role": str(c.approver_role),
            }
            for c in getattr(dossier, "due_corrections", ())
        ],
        "history": history,
    }


def act_and_view(
    desk: IntakeDesk, command: Callable[..., object], dossier_id: UUID, *args: Any, **kwargs: Any
) -> dict[str, Any]:
    """Run a desk command, then read the dossier back, in one trip to the thread pool."""
    command(dossier_id, *args, **kwargs)
    return dossier_view(desk, desk.get(dossier_id))


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def build(runtime: Runtime) -> FastAPI:
    desk_holder: dict[str, IntakeDesk] = {}
    pool = AsyncConnectionPool(runtime.database.url, min_size=1, max_size=10, open=False)
    store = IdempotencyStore(pool, schema(runtime))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        desk_holder["desk"] = await asyncio.to_thread(build_desk, runtime)
        await pool.open()
        await store.create_table()
        try:
            yield
        finally:
            await pool.close()
            desk_holder["desk"].close()

    app = create_app(
        NAME,
        VERSION,
        runtime.readiness,
        lifespan=lifespan,
        title="motcua — intake-api (Bộ phận Một cửa)",
        description="Submission, intake checks, receipt with dossier code and due date, refusal, "
        "withdrawal, payment at the desk, digitisation, postal hand-over.",
    )
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    install_idempotency(app, store)
    if (simulated := runtime.simulated_clock) is not None:
        app.include_router(clock_router(simulated))

    def desk() -> IntakeDesk:
        return desk_holder["desk"]

    Desk = Annotated[IntakeDesk, Depends(desk)]
    Store = Annotated[IdempotencyStore, Depends(idempotency)]

    async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    @app.post(
        "/dossiers", status_code=201, tags=["dossiers"], summary="E1 — nộp hồ sơ (counter, online, postal)"
    )
    async def submit(
        request: Request,
        body: SubmitDossier,
        desk: Desk,
        store: Store,
        principal: Annotated[Principal, Depends(SUBMITTERS)],
    ) -> Response:
        async def command() -> Response:
            dossier_id = await run(desk.submit, body, command_context(request, principal))
            return _json(dossier_view(desk, await run(desk.get, dossier_id)), 201)

        return await store.execute(request, principal, jsonable_encoder(body), command)

    @app.post(
        "/dossiers/walk-in",
        status_code=201,
        tags=["dossiers"],
        summary="E1 + E5 — nộp và tiếp nhận ngay tại quầy (hồ sơ đầy đủ)",
    )
    async def walk_in(
        request: Request,
        body: WalkIn,
        desk: Desk,
        store: Store,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> Response:
        async def command() -> Response:
            receipt = await run(
                desk.submit_and_receive, body.submission, command_context(request, principal), body.receive
            )
            return _json(receipt, 201)

        return await store.execute(request, principal, jsonable_encoder(body), command)

    @app.post(
        "/dossiers/{dossier_id}/intake-supplement-request",
        tags=["dossiers"],
        summary="E2 — yêu cầu bổ sung trước tiếp nhận (mẫu 02), một lần",
    )
    async def request_supplement(
        request: Request,
        dossier_id: UUID,
        body: SupplementRequest,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> Response:
        return _json(
            await run(
                act_and_view,
                desk,
                desk.request_intake_supplement,
                dossier_id,
                command_context(request, principal),
                body,
            )
        )

    @app.post(
        "/dossiers/{dossier_id}/intake-supplement", tags=["dossiers"], summary="E3 — công dân bổ sung hồ sơ"
    )
    async def provide_supplement(
        request: Request,
        dossier_id: UUID,
        body: Supplement,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER_OR_APPLICANT)],
    ) -> Response:
        return _json(
            await run(
                act_and_view,
                desk,
                desk.provide_intake_supplement,
                dossier_id,
                command_context(request, principal),
                items=tuple(body.items),
                channel=body.channel,
            )
        )

    @app.post(
        "/dossiers/{dossier_id}/supplement",
        tags=["dossiers"],
        summary="E14 — công dân nộp bổ sung theo yêu cầu của cơ quan giải quyết (sau tiếp nhận)",
    )
    async def submit_supplement(
        request: Request,
        dossier_id: UUID,
        body: Supplement,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER_OR_APPLICANT)],
    ) -> Response:
        return _json(
            await run(
                act_and_view,
                desk,
                desk.submit_supplement,
                dossier_id,
                command_context(request, principal),
                items=tuple(body.items),
                channel=body.channel,
            )
        )

    @app.post("/dossiers/{dossier_id}/refusal", tags=["dossiers"], summary="E4 — từ chối tiếp nhận (mẫu 03)")
    async def refuse(
        request: Request,
        dossier_id: UUID,
        body: Refusal,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> Response:
        return _json(
            await run(act_and_view, desk, desk.refuse, dossier_id, command_context(request, principal), body)
        )

    @app.post(
        "/dossiers/{dossier_id}/receipt",
        tags=["dossiers"],
        summary="E5 — tiếp nhận: mã hồ sơ, giấy tiếp nhận, thời hạn",
    )
    async def receive(
        request: Request,
        dossier_id: UUID,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER)],
        body: Annotated[ReceiveDetails | None, Body()] = None,
    ) -> Response:
        receipt: Receipt = await run(desk.receive, dossier_id, command_context(request, principal), body)
        return _json(receipt)

    @app.post(
        "/dossiers/{dossier_id}/digitisation", tags=["dossiers"], summary="E6 — số hóa thành phần hồ sơ"
    )
    async def digitise(
        request: Request,
        dossier_id: UUID,
        body: Digitisation,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER_OR_APPLICANT)],
    ) -> Response:
        return _json(
            await run(
                act_and_view,
                desk,
                desk.digitise_component,
                dossier_id,
                command_context(request, principal),
                body,
            )
        )

    @app.post("/dossiers/{dossier_id}/transfer", tags=["dossiers"], summary="E7 — chuyển xử lý")
    async def transfer(
        request: Request,
        dossier_id: UUID,
        body: Transfer,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> Response:
        return _json(
            await run(
                act_and_view,
                desk,
                desk.transfer,
                dossier_id,
                command_context(request, principal),
                mode=body.mode,
                to_unit_code=body.to_unit_code,
            )
        )

    @app.post("/dossiers/{dossier_id}/payments", tags=["dossiers"], summary="E17 — thu phí, lệ phí tại quầy")
    async def pay(
        request: Request,
        dossier_id: UUID,
        body: CounterPayment,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> Response:
        return _json(
            await run(
                act_and_view,
                desk,
                desk.record_counter_payment,
                dossier_id,
                command_context(request, principal),
                body,
            )
        )

    @app.post("/dossiers/{dossier_id}/withdrawal", tags=["dossiers"], summary="E19 — rút hồ sơ")
    async def withdraw(
        request: Request,
        dossier_id: UUID,
        body: Withdrawal,
        desk: Desk,
        principal: Annotated[Principal, Depends(OFFICER_OR_APPLICANT)],
    ) -> Response:
        return _json(
            await run(
                act_and_view,
                desk,
                desk.withdraw,
                dossier_id,
                command_context(request, principal),
                channel=body.channel,
                reason=body.reason,
            )
        )

    @app.post(
        "/dossiers/{dossier_id}/due-date-corrections",
        status_code=201,
        tags=["dossiers"],
        summary="E30 — điều chỉnh thời hạn trả kết quả (có lãnh đạo phê duyệt, Approver-Authorization)",
    )
    async def correct_due_date(
        request: Request,
        dossier_id: UUID,
        body: Correction,
        desk: Desk,
        store: Store,
        principal: Annotated[Principal, Depends(CORRECTION_ASKERS)],
    ) -> Response:
        async def command() -> Response:
            correction = DueDateCorrection(body.new_due_at, body.reason, approver_of(request))
            view = await run(
                act_and_view,
                desk,
                desk.correct_due_date,
                dossier_id,
                command_context(request, principal),
                correction,
            )
            return _json(view, 201)

        return await store.execute(request, principal, jsonable_encoder(body), command)

    @app.post(
        "/postal-handovers",
        tags=["postal"],
        summary="P4 — biên bản giao nhận hồ sơ với bưu chính (tất cả hoặc không)",
    )
    async def handover(
        request: Request,
        body: HandoverRecord,
        desk: Desk,
        store: Store,
        principal: Annotated[Principal, Depends(OFFICER)],
    ) -> Response:
        async def command() -> Response:
            outcomes = await run(desk.record_postal_handover, body, command_context(request, principal))
            return _json([dataclasses.asdict(o) for o in outcomes], 201)

        return await store.execute(request, principal, jsonable_encoder(body), command)

    @app.get("/dossiers/{dossier_id}", tags=["dossiers"], summary="Hồ sơ: trạng thái, thời hạn, lịch sử")
    async def get_dossier(
        dossier_id: UUID, desk: Desk, principal: Annotated[Principal, Depends(READERS)]
    ) -> Response:
        dossier = await run(desk.get, dossier_id)
        return _json(await run(dossier_view, desk, dossier))

    @app.get(
        "/dossiers/{dossier_id}/events",
        tags=["dossiers"],
        summary="The dossier's public events as published (contracts v1)",
    )
    async def dossier_events(
        dossier_id: UUID, desk: Desk, principal: Annotated[Principal, Depends(READERS)]
    ) -> Response:
        await run(desk.get, dossier_id)
        events = await run(lambda: list(desk.repository.event_store.get(dossier_id)))
        return _json([p.model_dump(mode="json") for e in events for p in outbound(e)])

    @app.get(
        "/dossiers/{dossier_id}/receipt-slip",
        tags=["forms"],
        summary="Mẫu 01 — giấy tiếp nhận hồ sơ và hẹn trả kết quả (?format=html|pdf)",
    )
    async def slip(
        dossier_id: UUID, desk: Desk, principal: Annotated[Principal, Depends(READERS)], format: str = "html"
    ) -> Response:
        dossier = await run(desk.get, dossier_id)
        if getattr(dossier, "dossier_code", None) is None or getattr(dossier, "received_at", None) is None:
            raise ProblemError(
                409,
                "not-received",
                "Not received yet",
                detail="The dossier has no receipt slip before it is received.",
                title_vi="Chưa tiếp nhận",
                detail_vi="Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận.",
            )
        document = receipt_slip(dossier, desk.reference, principal.subject)
        if format == "pdf":
            pdf = await run(to_pdf, document)
            return Response(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": f'inline; filename="{dossier.dossier_code}.pdf"'},
            )
        return HTMLResponse(to_html(document))

    @app.get("/procedures", tags=["reference"], summary="Danh mục thủ tục hành chính")
    async def procedures(desk: Desk) -> Response:
        return _json(
            [
                {
                    "code": p.code,
                    "name": p.name,
                    "field": p.field,
                    "duration": str(p.statutory_duration()),
                    "online_mode": str(p.online_mode),
                    "postal_allowed": p.postal_allowed,
                    "personal_presence_required": p.personal_presence_required,
                }
                for p in desk.reference.procedures
            ]
        )

    @app.get("/units", tags=["reference"], summary="Cây đơn vị hành chính")
    async def units(desk: Desk) -> Response:
        return _json(
            [
                {"code": u.code, "name": u.name, "kind": str(u.kind), "parent": u.parent}
                for u in desk.reference.units
            ]
        )

    return app


if __name__ == "__main__":
    serve(NAME, build)
