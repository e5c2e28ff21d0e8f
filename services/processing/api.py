"""processing-api: officers' and agency leads' commands on a case, its timeline, and forms 06 and 04.

Every command is one POST answered with the case as it now stands; refusals are RFC 9457 problems naming
the rule (409) or the field (422) and record nothing. A command may carry ``Idempotency-Key`` (its answer is
stored and replayed) and ``If-Match: <version>`` (refused with 409 ``VERSION_MISMATCH`` if the case moved
on since the caller read it). The application is synchronous (eventsourcing): commands run in the thread
pool. Decisions (assignment, apology, stop, rejection, result, the signing step) are the agency lead's.

Units (ADR 0531): the case itself refuses a command from an officer whose unit may not give it (403
``NOT_YOUR_UNIT``: the lead unit, a partner on its own task, a consulted body on its own answer, the
receiving desk for the result's digitisation); reads are scoped here, in ``services.processing.scope``.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse
from psycopg_pool import AsyncConnectionPool
from pydantic import AwareDatetime, BaseModel, Field

from contracts.enums import ActorKind, ClockPauseReason, PaymentMethod, StepKind, StepOutcome, StopCause
from contracts.envelope import Actor
from contracts.values import FeeLine, RequestedItem, ResultDocument
from processing.application import Processing, Recorded
from processing.case import Case, DataStorePush, Digitisation
from processing.case_events import ApologyIssued
from processing.outbound import to_public
from services.forms.document import Document, to_html, to_pdf
from services.processing.composition import build_processing, reference, schema
from services.processing.forms import apology, control_sheet
from services.processing.scope import check_reader
from services.runtime.auth import AuthSettings, Principal, Role, install_auth, require_roles
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.idempotency import IdempotencyStore, idempotency, install_idempotency
from services.runtime.problems import ProblemError, install_problem_handlers
from services.runtime.simclock import clock_router

NAME = "processing-api"
T = TypeVar("T")

LEAD = require_roles(Role.AGENCY_LEAD)
OFFICERS = require_roles(Role.PROCESSING_OFFICER, Role.AGENCY_LEAD)
READERS = require_roles(
    Role.PROCESSING_OFFICER, Role.AGENCY_LEAD, Role.COUNTER_OFFICER, Role.AUDITOR, Role.OPERATOR
)
# The result's digitisation and its push to the data store are done by the agency or by the one-stop desk.
RESULT_FILERS = require_roles(Role.PROCESSING_OFFICER, Role.AGENCY_LEAD, Role.COUNTER_OFFICER)
LEAD_STEPS = frozenset({StepKind.SIGNING})


class Body(BaseModel):
    model_config = {"extra": "forbid"}


class Assignment(Body):
    handler_id: str
    department: str
    unit_code: str | None = None


class StepDone(Body):
    step: StepKind
    outcome: StepOutcome
    note: str | None = Field(default=None, max_length=2000)
    unit_code: str | None = None


class VerificationPlan(Body):
    scheduled_for: AwareDatetime
    place: str
    participants: list[str]
    content: str
    applicant_presence_required: bool = False


class ConsultationRequest(Body):
    consultation_id: str
    consulted_unit_code: str
    question: str
    reply_due_at: AwareDatetime


class ConsultationAnswer(Body):
    answer_ref: str
    summary: str | None = None


class Handoff(Body):
    transfer_slip_no: str | None = None


class PartnerTaskDone(Body):
    agency_code: str
    outcome: StepOutcome
    note: str | None = None
    partial_result_refs: list[str] = Field(default_factory=list)
    transfer_slip_no: str | None = None


class SupplementDemand(Body):
    reasons: str
    items: list[RequestedItem]
    one_stop_unit_code: str | None = None
    sector_law_exception: bool = False
    exception_legal_basis: str | None = None


class ObligationDemand(Body):
    obligation_id: str
    lines: list[FeeLine]
    allowed_methods: list[PaymentMethod]
    pay_by: AwareDatetime | None = None
    payment_before_result: bool = True


class Pause(Body):
    pause_id: str
    reason: ClockPauseReason
    legal_basis: str


class Apology(Body):
    reason: str
    new_due_at: AwareDatetime
    letter_no: str | None = None


class Stop(Body):
    cause: StopCause
    notice_no: str
    reason: str | None = None
    legal_basis: str | None = None


class Rejection(Body):
    reasons: str
    legal_basis: str
    notice_no: str


class Scan(Body):
    document_code: str
    file_ref: str
    sha256: str
    digitally_signed: bool
    signer: str | None = None

    def value(self) -> Digitisation:
        return Digitisation(
            self.document_code, self.file_ref, self.sha256, self.digitally_signed, self.signer
        )


class Push(Body):
    document_code: str
    file_ref: str
    data_store_ref: str
    vneid_pushed: bool

    def value(self) -> DataStorePush:
        return DataStorePush(self.document_code, self.file_ref, self.data_store_ref, self.vneid_pushed)


class Result(Body):
    documents: list[ResultDocument] = Field(min_length=1)
    e_result: bool
    digitised: list[Scan] = Field(default_factory=list)
    pushed: list[Push] = Field(default_factory=list)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def case_view(app: Processing, case: Case, recorded: Recorded | None = None) -> dict[str, Any]:
    now = app.clock.now()
    timeliness = case.timeliness(now)
    view: dict[str, Any] = {
        "dossier_id": str(case.id),
        "dossier_code": case.dossier_code,
        "procedure_code": case.procedure_code,
        "state": str(case.state),
        "dvcqg_status": str(case.state.dvcqg_status),
        "version": case.version,
        "processing_unit_code": case.processing_unit_code,
        "receiving_unit_code": case.receiving_unit_code,
        "legal_receipt_at": _iso(case.legal_receipt_at),
        "original_due_at": _iso(case.original_due_at),
        "effective_due_at": _iso(case.effective_due_at),
        "clock_running": case.clock.running,
        "paused": case.paused,
        "extension_count": case.extension_count,
        "supplement_count": case.supplement_count,
        "late_for_766": case.late_for_766,
        "timeliness": str(timeliness) if timeliness is not None else None,
        "current_step": str(case.current_stage.kind) if case.current_stage is not None else None,
        "current_step_due_at": _iso(case.current.due_at),
        "partner_tasks": [
            {
                "agency_code": t.agency_code,
                "status": str(t.status),
                "due_at": _iso(t.due_at),
                "completed_at": _iso(t.completed_at),
            }
            for t in case.partner_tasks.values()
        ],
        "alerts": [alert_view(a) for a in case.raised_alerts.values()],
    }
    if recorded is not None:
        view["recorded"] = list(recorded.events)
        view["notices"] = [
            {"code": n.code, "message_vi": n.message_vi, "message_en": n.message_en} for n in recorded.notices
        ]
    return view


def alert_view(alert: Any) -> dict[str, Any]:
    return {
        "kind": str(alert.kind),
        "label_vi": alert.kind.label_vi,
        "key": alert.key,
        "at": _iso(alert.at),
        "due_at": _iso(alert.due_at),
        "step": str(alert.step) if alert.step else None,
        "agency_code": alert.agency_code,
    }


def timeline(app: Processing, dossier_id: UUID) -> dict[str, Any]:
    """The case's processing timeline: its published events and every change of the due time."""
    case = app.case(dossier_id)
    events = list(app.repository.event_store.get(dossier_id))
    return {
        "dossier_id": str(dossier_id),
        "dossier_code": case.dossier_code,
        "events": [
            {
                "seq": p.seq,
                "event_type": p.event_type,
                "occurred_at": p.occurred_at.isoformat(),
                "actor": p.actor.model_dump(mode="json"),
                "event_id": str(p.event_id),
            }
            for e in events
            for p in to_public(e)
        ],
        "due_time": [
            {
                "rule": str(entry.rule),
                "label_vi": entry.rule.label_vi,
                "at": _iso(entry.at),
                "previous_due_at": _iso(entry.previous_due_at),
                "new_due_at": _iso(entry.new_due_at),
                "legal_basis": entry.legal_basis,
            }
            for entry in case.clock.entries
        ],
        "control_sheet": [
            {
                "step": str(row.step),
                "name": row.name,
                "from_unit_code": row.from_unit_code,
                "to_unit_code": row.to_unit_code,
                "handler_id": row.handler_id,
                "started_at": _iso(row.started_at),
                "due_at": _iso(row.due_at),
                "completed_at": _iso(row.completed_at),
                "outcome": str(row.outcome) if row.outcome else None,
                "on_time": row.on_time,
            }
            for row in case.control_sheet
        ],
    }


def _version_mismatch(expected: str, actual: int) -> ProblemError:
    return ProblemError(
        409,
        "rule-violation",
        "The request breaks a business rule",
        f"The case is at version {actual}, not {expected}; reload it and retry.",
        title_vi="Hồ sơ vừa được thay đổi",
        detail_vi=f"Hồ sơ đã thay đổi (phiên bản {actual}, không phải {expected}); hãy tải lại và thử lại.",
        rule="VERSION_MISMATCH",
    )


def _render(document: Document, format: str, filename: str) -> Response:
    if format == "pdf":
        return Response(
            to_pdf(document),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
        )
    return HTMLResponse(to_html(document))


def build(runtime: Runtime) -> FastAPI:
    holder: dict[str, Processing] = {}
    pool = AsyncConnectionPool(runtime.database.url, min_size=1, max_size=10, open=False)
    store = IdempotencyStore(pool, schema(runtime))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder["app"] = await asyncio.to_thread(build_processing, runtime)
        await pool.open()
        await store.create_table()
        try:
            yield
        finally:
            await pool.close()
            holder["app"].close()

    app = create_app(
        NAME,
        VERSION,
        runtime.readiness,
        lifespan=lifespan,
        title="motcua — processing-api (cơ quan giải quyết)",
        description="Assignment, steps, verification, consultation, inter-agency hand-offs, supplement, "
        "financial obligation, clock pauses, apology (form 04), stop, rejection, result; the timeline and "
        "the control sheet (form 06).",
    )
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    install_idempotency(app, store)
    if (simulated := runtime.simulated_clock) is not None:
        app.include_router(clock_router(simulated))

    def processing() -> Processing:
        return holder["app"]

    App = Annotated[Processing, Depends(processing)]
    Store = Annotated[IdempotencyStore, Depends(idempotency)]
    Officer = Annotated[Principal, Depends(OFFICERS)]
    Lead = Annotated[Principal, Depends(LEAD)]
    Reader = Annotated[Principal, Depends(READERS)]
    Filer = Annotated[Principal, Depends(RESULT_FILERS)]

    async def readable(app: Processing, dossier_id: UUID, principal: Principal) -> Case:
        case = await run(app.case, dossier_id)
        check_reader(principal, case, reference().units)
        return case

    async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def command(
        request: Request,
        principal: Principal,
        app: Processing,
        store: IdempotencyStore,
        dossier_id: UUID,
        body: BaseModel | None,
        act: Callable[..., Recorded],
        **arguments: Any,
    ) -> Response:
        """Run one command as ``principal``: idempotent by key, guarded by ``If-Match``."""

        async def execute() -> Response:
            expected = request.headers.get("If-Match")
            if expected is not None:
                current = await readable(app, dossier_id, principal)  # a stranger learns no version
                if expected.strip('"') != str(current.version):
                    raise _version_mismatch(expected, current.version)
            actor = Actor(kind=ActorKind.OFFICER, id=principal.subject, unit_code=principal.unit_code)
            recorded = await run(
                act, dossier_id, actor=actor, correlation_id=UUID(request.state.correlation_id), **arguments
            )
            case = await run(app.case, dossier_id)
            return JSONResponse(
                jsonable_encoder(case_view(app, case, recorded)), headers={"ETag": f'"{case.version}"'}
            )

        payload = jsonable_encoder(body) if body is not None else {}
        return await store.execute(request, principal, payload, execute, required=False)

    @app.post("/cases/{dossier_id}/assignment", tags=["commands"], summary="E8 — phân công cán bộ xử lý")
    async def assign(
        request: Request, dossier_id: UUID, body: Assignment, app: App, store: Store, principal: Lead
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.assign_handler, **body.model_dump()
        )

    @app.post("/cases/{dossier_id}/steps", tags=["commands"], summary="E9 — hoàn thành bước xử lý")
    async def step(
        request: Request, dossier_id: UUID, body: StepDone, app: App, store: Store, principal: Officer
    ) -> Response:
        if body.step in LEAD_STEPS and Role.AGENCY_LEAD not in principal.roles:
            raise ProblemError(
                403,
                "forbidden",
                "Forbidden",
                "Only the agency lead signs.",
                title_vi="Không có quyền",
                detail_vi="Chỉ lãnh đạo cơ quan được ký duyệt.",
            )
        return await command(
            request, principal, app, store, dossier_id, body, app.complete_step, **body.model_dump()
        )

    @app.post("/cases/{dossier_id}/verification", tags=["commands"], summary="E10 — lịch xác minh")
    async def verification(
        request: Request, dossier_id: UUID, body: VerificationPlan, app: App, store: Store, principal: Officer
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.schedule_verification, **dict(body)
        )

    @app.post("/cases/{dossier_id}/consultations", tags=["commands"], summary="E11 — lấy ý kiến")
    async def consult(
        request: Request,
        dossier_id: UUID,
        body: ConsultationRequest,
        app: App,
        store: Store,
        principal: Officer,
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.request_consultation, **dict(body)
        )

    @app.post(
        "/cases/{dossier_id}/consultations/{consultation_id}/answer",
        tags=["commands"],
        summary="E11 — ghi nhận ý kiến trả lời",
    )
    async def answer(
        request: Request,
        dossier_id: UUID,
        consultation_id: str,
        body: ConsultationAnswer,
        app: App,
        store: Store,
        principal: Officer,
    ) -> Response:
        return await command(
            request,
            principal,
            app,
            store,
            dossier_id,
            body,
            app.record_consultation_answer,
            consultation_id=consultation_id,
            **dict(body),
        )

    @app.post("/cases/{dossier_id}/handoff", tags=["commands"], summary="E12 — chuyển cơ quan phối hợp")
    async def handoff(
        request: Request, dossier_id: UUID, body: Handoff, app: App, store: Store, principal: Officer
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.hand_off_to_partners, **dict(body)
        )

    @app.post(
        "/cases/{dossier_id}/partner-tasks", tags=["commands"], summary="E12 — cơ quan phối hợp hoàn thành"
    )
    async def partner_done(
        request: Request, dossier_id: UUID, body: PartnerTaskDone, app: App, store: Store, principal: Officer
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.complete_partner_task, **dict(body)
        )

    @app.post(
        "/cases/{dossier_id}/supplement-request",
        tags=["commands"],
        summary="E13 — yêu cầu bổ sung hồ sơ (qua Bộ phận Một cửa, một lần)",
    )
    async def supplement(
        request: Request, dossier_id: UUID, body: SupplementDemand, app: App, store: Store, principal: Officer
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.request_supplement, **dict(body)
        )

    @app.post(
        "/cases/{dossier_id}/financial-obligations", tags=["commands"], summary="E16 — nghĩa vụ tài chính"
    )
    async def obligation(
        request: Request, dossier_id: UUID, body: ObligationDemand, app: App, store: Store, principal: Officer
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.request_financial_obligation, **dict(body)
        )

    @app.post("/cases/{dossier_id}/pauses", tags=["commands"], summary="E29 — tạm dừng tính thời hạn")
    async def pause(
        request: Request, dossier_id: UUID, body: Pause, app: App, store: Store, principal: Officer
    ) -> Response:
        return await command(request, principal, app, store, dossier_id, body, app.pause_clock, **dict(body))

    @app.post(
        "/cases/{dossier_id}/pauses/{pause_id}/resume", tags=["commands"], summary="E29 — tính tiếp thời hạn"
    )
    async def resume(
        request: Request, dossier_id: UUID, pause_id: str, app: App, store: Store, principal: Officer
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, None, app.resume_clock, pause_id=pause_id
        )

    @app.post(
        "/cases/{dossier_id}/apology", tags=["commands"], summary="E18 — xin lỗi, hẹn lại ngày trả (mẫu 04)"
    )
    async def apologise(
        request: Request, dossier_id: UUID, body: Apology, app: App, store: Store, principal: Lead
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.issue_apology, **dict(body)
        )

    @app.post("/cases/{dossier_id}/stop", tags=["commands"], summary="E20 — dừng xử lý")
    async def stop(
        request: Request, dossier_id: UUID, body: Stop, app: App, store: Store, principal: Lead
    ) -> Response:
        return await command(request, principal, app, store, dossier_id, body, app.stop, **dict(body))

    @app.post("/cases/{dossier_id}/rejection", tags=["commands"], summary="E21 — từ chối giải quyết")
    async def reject(
        request: Request, dossier_id: UUID, body: Rejection, app: App, store: Store, principal: Lead
    ) -> Response:
        return await command(request, principal, app, store, dossier_id, body, app.reject, **dict(body))

    @app.post("/cases/{dossier_id}/result", tags=["commands"], summary="E22 — ban hành kết quả")
    async def result(
        request: Request, dossier_id: UUID, body: Result, app: App, store: Store, principal: Lead
    ) -> Response:
        return await command(
            request,
            principal,
            app,
            store,
            dossier_id,
            body,
            app.issue_result,
            documents=body.documents,
            e_result=body.e_result,
            digitised=[s.value() for s in body.digitised],
            pushed=[p.value() for p in body.pushed],
        )

    @app.post("/cases/{dossier_id}/result-digitisations", tags=["commands"], summary="E23a — số hóa kết quả")
    async def digitised(
        request: Request, dossier_id: UUID, body: Scan, app: App, store: Store, principal: Filer
    ) -> Response:
        return await command(
            request,
            principal,
            app,
            store,
            dossier_id,
            body,
            app.record_result_digitized,
            digitisation=body.value(),
        )

    @app.post(
        "/cases/{dossier_id}/result-stores", tags=["commands"], summary="E23b — đưa kết quả vào kho dữ liệu"
    )
    async def stored(
        request: Request, dossier_id: UUID, body: Push, app: App, store: Store, principal: Filer
    ) -> Response:
        return await command(
            request, principal, app, store, dossier_id, body, app.record_result_stored, push=body.value()
        )

    # --- reading ------------------------------------------------------------------------------------------

    @app.get("/cases/{dossier_id}", tags=["cases"], summary="Hồ sơ đang giải quyết: trạng thái, thời hạn")
    async def get_case(dossier_id: UUID, app: App, principal: Reader) -> Response:
        case = await readable(app, dossier_id, principal)
        return JSONResponse(jsonable_encoder(case_view(app, case)), headers={"ETag": f'"{case.version}"'})

    @app.get("/cases/{dossier_id}/timeline", tags=["cases"], summary="Quá trình giải quyết hồ sơ")
    async def get_timeline(dossier_id: UUID, app: App, principal: Reader) -> Response:
        await readable(app, dossier_id, principal)
        return JSONResponse(jsonable_encoder(await run(timeline, app, dossier_id)))

    @app.get("/cases/{dossier_id}/events", tags=["cases"], summary="The case's public events (contracts v1)")
    async def events(dossier_id: UUID, app: App, principal: Reader) -> Response:
        await readable(app, dossier_id, principal)
        stored = await run(lambda: list(app.repository.event_store.get(dossier_id)))
        return JSONResponse([p.model_dump(mode="json") for e in stored for p in to_public(e)])

    @app.get("/cases/{dossier_id}/alerts", tags=["cases"], summary="Cảnh báo thời hạn của hồ sơ")
    async def alerts(dossier_id: UUID, app: App, principal: Reader) -> Response:
        case = await readable(app, dossier_id, principal)
        return JSONResponse(jsonable_encoder([alert_view(a) for a in case.raised_alerts.values()]))

    @app.get(
        "/cases/{dossier_id}/control-sheet",
        tags=["forms"],
        summary="Mẫu 06 — phiếu kiểm soát quá trình giải quyết hồ sơ (?format=html|pdf)",
    )
    async def sheet(dossier_id: UUID, app: App, principal: Reader, format: str = "html") -> Response:
        case = await readable(app, dossier_id, principal)
        document = control_sheet(case, reference())
        return await run(_render, document, format, f"{case.dossier_code}-mau06")

    @app.get(
        "/cases/{dossier_id}/apology-letter",
        tags=["forms"],
        summary="Mẫu 04 — phiếu xin lỗi và hẹn lại ngày trả kết quả (?format=html|pdf)",
    )
    async def letter(dossier_id: UUID, app: App, principal: Reader, format: str = "html") -> Response:
        case = await readable(app, dossier_id, principal)
        stored = await run(lambda: list(app.repository.event_store.get(dossier_id)))
        issued = next((e for e in stored if isinstance(e, ApologyIssued)), None)
        if issued is None:
            raise ProblemError(
                409,
                "no-apology",
                "No apology",
                detail="The case has no apology; form 04 exists only after one.",
                title_vi="Chưa có phiếu xin lỗi",
                detail_vi="Hồ sơ chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.",
            )
        return await run(_render, apology(case, issued, reference()), format, f"{case.dossier_code}-mau04")

    return app


if __name__ == "__main__":
    serve(NAME, build)
