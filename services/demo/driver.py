"""Plays the month: every dossier's next action waits in one queue ordered by simulated time; the driver
takes the earliest batch (all actions within ``slot`` of the first), moves every clock-bearing deployable
to that moment (frozen), performs the batch — one action per dossier at a time, dossiers concurrently —
and queues what each action leads to. A step whose precondition has not reached a service yet (the case
not opened from Kafka, the supplement request not learned by the desk, the result not ready for return)
is asked again a little later in simulated time, after a short real pause. docs/adr/0390.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .catalogue import Province, components, fee_lines, file_ref
from .client import Answer, Client
from .payments import PaymentPlatform, payment_received
from .stories import Outcome, Story
from .timing import (
    after_working,
    apology_deadline,
    decision_time,
    new_due,
    step_moments,
)

# Deployables whose simulated clock an operator moves (they mount /ops/clock): checked at start.
CLOCKED = (
    "intake-api",
    "intake-worker",
    "processing-worker",
    "processing-api",
    "delivery-api",
    "delivery-worker",
    "postal-partner",
    "portal-sync",
    "projections-api",
)
# A precondition travelling through Kafka arrives within a second or so of real time: the first retries wait
# that long; later ones only let simulated hours pass (a dossier whose story cannot go on is given up).
QUICK_RETRIES = 8
RETRY_AFTER = timedelta(minutes=10)
RETRY_LATER = timedelta(hours=1)
RETRY_REAL_S = 0.25
MAX_TRIES = 24
HOME = {"street": "Số 12, đường Trần Hưng Đạo", "commune": "Phường Sơn Hà", "province": "Sơn Hà"}
POSTAL_PARTNER = "VNPOST"


class NotYet(Exception):
    """The service has not learned what this action needs yet: ask again later."""


class GiveUp(Exception):
    """The action was refused for good: the dossier's story ends here (counted in the report)."""


@dataclass
class Dossier:
    n: int
    story: Story
    rng: random.Random
    dossier_id: str | None = None
    code: str | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None
    processing_unit: str | None = None
    fees: list[dict[str, Any]] = field(default_factory=list)
    plan: deque[tuple[str, datetime]] = field(default_factory=deque)
    waybill: str | None = None
    decided_at: datetime | None = None


@dataclass(order=True)
class Queued:
    at: datetime
    order: int
    dossier: Dossier = field(compare=False)
    action: str = field(compare=False)
    tries: int = field(default=0, compare=False)
    not_before: float = field(default=0.0, compare=False)


@dataclass
class Report:
    done: Counter[str] = field(default_factory=Counter)
    gave_up: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    first: datetime | None = None
    last: datetime | None = None


Next = list[tuple[str, datetime]]


class Driver:
    def __init__(
        self,
        client: Client,
        province: Province,
        payments: PaymentPlatform | None,
        *,
        end: datetime,
        slot: timedelta = timedelta(minutes=10),
        clocked: tuple[str, ...] = CLOCKED,
        log: Callable[[str], None] = print,
    ) -> None:
        self.client = client
        self.province = province
        self.payments = payments
        self.end = end
        self.slot = slot
        self.clocked = clocked
        self.log = log
        self.queue: list[Queued] = []
        self.counter = 0
        self.report = Report()
        self.now: datetime | None = None
        self.intake_lock = asyncio.Lock()  # the desk numbers a day's dossiers from one book: one at a time
        self.handlers: dict[str, Callable[[Dossier], Awaitable[Next]]] = {
            "submit": self.submit,
            "receive": self.receive,
            "refuse": self.refuse,
            "handover": self.handover,
            "digitise": self.digitise,
            "pay": self.pay,
            "assign": self.assign,
            "supplement_request": self.supplement_request,
            "supplement_answer": self.supplement_answer,
            "replan": self.replan,
            "apologise": self.apologise,
            "handoff": self.handoff,
            "partners": self.partners,
            "APPRAISAL": functools.partial(self.step, "APPRAISAL"),
            "REVIEW": functools.partial(self.step, "REVIEW"),
            "SIGNING": functools.partial(self.step, "SIGNING"),
            "decide": self.decide,
            "counter_return": self.counter_return,
            "online_return": self.online_return,
            "postal_pickup": self.postal_pickup,
            "postal_delivery": self.postal_delivery,
            "rate": self.rate,
            "petition": self.petition,
            "petition_handled": self.petition_handled,
        }

    # --- the loop -------------------------------------------------------------------------------------

    def push(
        self, dossier: Dossier, action: str, at: datetime, tries: int = 0, not_before: float = 0.0
    ) -> None:
        if at >= self.end:
            return  # after the month: the dossier is still where it is when the month closes
        self.counter += 1
        heapq.heappush(self.queue, Queued(at, self.counter, dossier, action, tries, not_before))

    async def move_clocks(self, at: datetime, rate: float = 0.0) -> None:
        answers = await asyncio.gather(*(self.client.set_clock(name, at, rate) for name in self.clocked))
        for name, answer in zip(self.clocked, answers, strict=True):
            if not answer.ok:
                raise RuntimeError(f"cannot move the clock of {name}: {answer.status} {answer.body}")

    async def run(self, dossiers: list[Dossier], arrivals: list[datetime]) -> Report:
        for dossier, at in zip(dossiers, arrivals, strict=True):
            self.push(dossier, "submit", at)
        started = time.monotonic()
        last_note = started
        while self.queue:
            head = self.queue[0].at
            batch: dict[int, list[Queued]] = {}
            while self.queue and self.queue[0].at < head + self.slot:
                item = heapq.heappop(self.queue)
                batch.setdefault(item.dossier.n, []).append(item)
            wait = max(q.not_before for items in batch.values() for q in items) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.now = head
            await self.move_clocks(head)
            await asyncio.gather(*(self.play(items) for items in batch.values()))
            self.report.batches += 1
            self.report.first = self.report.first or head
            self.report.last = head
            if time.monotonic() - last_note > 5:
                last_note = time.monotonic()
                self.progress(head, started)
        self.progress(self.report.last, started)
        return self.report

    def progress(self, at: datetime | None, started: float) -> None:
        done = self.report.done
        self.log(
            f"[demo] {at:%d/%m/%Y %H:%M} · {time.monotonic() - started:5.0f}s · nộp {done['submit']} · "
            f"tiếp nhận {done['receive'] + done['handover'] + done['walk-in']} · kết quả {done['decide']} · "
            f"trả {done['counter_return'] + done['online_return'] + done['postal_delivery']} · "
            f"chờ {len(self.queue)} · bỏ {sum(self.report.gave_up.values())}"
            if at
            else "[demo] nothing to play"
        )

    async def play(self, items: list[Queued]) -> None:
        for item in items:
            await self.perform(item)

    async def perform(self, item: Queued) -> None:
        assert self.now is not None
        try:
            follow = await self.handlers[item.action](item.dossier)
        except NotYet as why:
            if item.tries + 1 >= MAX_TRIES:
                self.report.gave_up[item.action] += 1
                self.log(f"[demo] gave up {item.action} of dossier {item.dossier.n}: {why}")
                return
            quick = item.tries < QUICK_RETRIES
            self.push(
                item.dossier,
                item.action,
                max(item.at, self.now) + (RETRY_AFTER if quick else RETRY_LATER),
                item.tries + 1,
                time.monotonic() + RETRY_REAL_S if quick else 0.0,
            )
            return
        except GiveUp as why:
            self.report.gave_up[item.action] += 1
            self.log(f"[demo] dossier {item.dossier.n} ({item.dossier.story.procedure}) {item.action}: {why}")
            return
        self.report.done[item.action] += 1
        for action, at in follow:
            self.push(item.dossier, action, max(at, self.now + timedelta(minutes=1)))

    # --- helpers --------------------------------------------------------------------------------------

    def calendar(self, unit: str) -> Any:
        return self.province.reference.calendar_for(unit)

    def desk(self, d: Dossier) -> dict[str, str]:
        unit = d.story.receiving_unit
        return self.client.headers("counter_officer", f"cb.{unit.lower()}.tiepnhan01", unit=unit)

    def citizen(self, d: Dossier) -> dict[str, str]:
        return self.client.headers("applicant", d.story.applicant_id)

    def officer(self, d: Dossier) -> dict[str, str]:
        unit = d.processing_unit or d.story.receiving_unit
        return self.client.headers("processing_officer", f"cv.{unit.lower()}.01", unit=unit)

    def lead(self, d: Dossier) -> dict[str, str]:
        unit = d.processing_unit or d.story.receiving_unit
        return self.client.headers("agency_lead", f"ld.{unit.lower()}", unit=unit)

    def partner(self, agency: str) -> dict[str, str]:
        """An officer of a partner agency: it records its own task's answer (ADR 0531)."""
        return self.client.headers("processing_officer", f"cv.{agency.lower()}.01", unit=agency)

    def post(self) -> dict[str, str]:
        return self.client.headers("postal_partner", "vnpost.sonha.bc01", partner=POSTAL_PARTNER)

    @staticmethod
    def need(answer: Answer, what: str) -> Any:
        if not answer.ok:
            raise GiveUp(f"{what}: {answer.status} {answer.rule or ''} {str(answer.body)[:300]}")
        return answer.body

    def applicant(self, d: Dossier) -> dict[str, Any]:
        return {
            "kind": "CITIZEN",
            "name": d.story.applicant_name,
            "id_number": d.story.applicant_id,
            "phone": f"09{int(d.story.applicant_id) % 10**8:08d}",
            "address": HOME,
        }

    def submission(self, d: Dossier) -> dict[str, Any]:
        s = d.story
        procedure = self.province.procedures[s.procedure]
        body: dict[str, Any] = {
            "procedure_code": s.procedure,
            "channel": s.channel,
            "receiving_unit_code": s.receiving_unit,
            "applicant": self.applicant(d),
            "components": components(procedure, s.channel, f"demo-{d.n:05d}"),
            "result_return_method": s.return_method,
        }
        if s.online_mode:
            body["online_mode"] = s.online_mode
        if s.return_method == "POSTAL":
            body["postal_return_address"] = HOME
        return body

    # --- intake -----------------------------------------------------------------------------------------

    async def submit(self, d: Dossier) -> Next:
        assert self.now is not None
        s = d.story
        procedure = self.province.procedures[s.procedure]
        d.processing_unit = procedure.handling_unit or s.receiving_unit
        d.fees = fee_lines(procedure, d.rng)
        if s.channel == "POSTAL":
            return await self.submit_by_post(d)
        if s.channel == "COUNTER" and not s.refused:
            receive: dict[str, Any] = {"fee_lines": d.fees}
            if d.fees:
                receive["payment"] = {"method": "CASH_COUNTER", "receipt_no": f"BL-{d.n:07d}"}
            async with self.intake_lock:
                answer = await self.client.call(
                    "POST",
                    "intake-api",
                    "/dossiers/walk-in",
                    self.desk(d),
                    {"submission": self.submission(d), "receive": receive},
                    idempotent=True,
                )
            self.report.done["walk-in"] += 1
            return self.received(d, self.need(answer, "walk-in"))
        who = self.citizen(d) if s.channel == "ONLINE" else self.desk(d)
        body = self.need(
            await self.client.call(
                "POST", "intake-api", "/dossiers", who, self.submission(d), idempotent=True
            ),
            "submission",
        )
        d.dossier_id = body["dossier_id"]
        calendar = self.calendar(s.receiving_unit)
        later = after_working(calendar, self.now, d.rng.uniform(0.2, 4.0))
        return [("refuse" if s.refused else "receive", later)]

    async def submit_by_post(self, d: Dossier) -> Next:
        assert self.now is not None
        s = d.story
        registration = self.need(
            await self.client.call(
                "POST",
                "postal-partner",
                "/registrations",
                self.post(),
                {
                    "form": "BOTH",
                    "requested_via": "APPLICANT_AT_POST_OFFICE",
                    "procedure_code": s.procedure,
                    "agency_unit_code": s.receiving_unit,
                    "contact": {"name": s.applicant_name, "phone": self.applicant(d)["phone"]},
                    "pickup_address": HOME,
                    "delivery_address": HOME,
                },
            ),
            "postal registration",
        )
        d.dossier_id = registration["dossier_id"]
        d.waybill = f"EB{d.n:07d}{d.rng.randrange(100):02d}VN"
        procedure = self.province.procedures[s.procedure]
        self.need(
            await self.client.call(
                "POST",
                "postal-partner",
                f"/files/{d.dossier_id}/acceptance",
                self.post(),
                {
                    "waybill_no": d.waybill,
                    "consignment_note_no": f"PG-{d.waybill[2:9]}",
                    "items": [{"name": c.name, "original": True} for c in procedure.components if c.required],
                    "postage_vnd": 32_000,
                    "post_office_code": "BC-SH-01",
                    "route_class": "INTRA_DISTRICT",
                    "slip_required": False,
                },
            ),
            "postal acceptance",
        )
        self.need(
            await self.client.call(
                "POST",
                "intake-api",
                "/dossiers",
                self.post(),
                {**self.submission(d), "dossier_id": d.dossier_id},
                idempotent=True,
            ),
            "postal submission",
        )
        calendar = self.calendar(s.receiving_unit)
        return [("handover", after_working(calendar, self.now, d.rng.uniform(3.0, 9.0)))]

    async def handover(self, d: Dossier) -> Next:
        assert self.now is not None and d.waybill is not None
        s = d.story
        record = f"BBGN-{d.waybill}"
        self.need(
            await self.client.call(
                "POST",
                "postal-partner",
                "/handovers",
                self.post(),
                {
                    "record_no": record,
                    "agency_unit_code": s.receiving_unit,
                    "agency_officer_id": f"cb.{s.receiving_unit.lower()}.tiepnhan01",
                    "lines": [{"waybill_no": d.waybill}],
                },
            ),
            "postal hand-over",
        )
        async with self.intake_lock:
            answer = await self.client.call(
                "POST",
                "intake-api",
                "/postal-handovers",
                self.desk(d),
                {
                    "record_no": record,
                    "signed_at": self.now.isoformat(),
                    "lines": [
                        {"dossier_id": d.dossier_id, "decision": "RECEIVE", "receive": {"fee_lines": d.fees}}
                    ],
                },
                idempotent=True,
            )
        (outcome,) = self.need(answer, "hand-over record at the desk")
        return self.received(d, outcome["receipt"])

    async def receive(self, d: Dossier) -> Next:
        async with self.intake_lock:
            answer = await self.client.call(
                "POST", "intake-api", f"/dossiers/{d.dossier_id}/receipt", self.desk(d), {"fee_lines": d.fees}
            )
        return self.received(d, self.need(answer, "receipt"))

    async def refuse(self, d: Dossier) -> Next:
        body = {
            "reason_code": "INELIGIBLE",
            "reason_text": "Hồ sơ không đúng đối tượng, điều kiện của thủ tục",
        }
        self.need(
            await self.client.call(
                "POST", "intake-api", f"/dossiers/{d.dossier_id}/refusal", self.desk(d), body
            ),
            "refusal",
        )
        return []

    def received(self, d: Dossier, receipt: dict[str, Any]) -> Next:
        """The dossier has its code and due time: plan its payment, digitisation and processing."""
        assert self.now is not None
        s = d.story
        d.dossier_id = str(receipt["dossier_id"])
        d.code = receipt["dossier_code"]
        d.received_at = datetime.fromisoformat(receipt["legal_receipt_at"])
        d.due_at = datetime.fromisoformat(receipt["due_at"])
        calendar = self.calendar(d.processing_unit or s.receiving_unit)
        out: Next = []
        if s.channel == "COUNTER" and s.digitised:
            out.append(("digitise", self.now + timedelta(minutes=5)))
        if s.pays_online and d.fees:
            out.append(("pay", self.now + timedelta(minutes=d.rng.randrange(10, 600))))
        if s.petition:
            out.append(("petition", after_working(calendar, self.now, d.rng.uniform(8, 40))))
        assign_at = after_working(calendar, self.now, d.rng.uniform(0.3, 2.0))
        out.append(("assign", assign_at))
        d.plan = deque(self.processing_plan(d, assign_at, d.due_at))
        return out

    def processing_plan(self, d: Dossier, start: datetime, due: datetime) -> list[tuple[str, datetime]]:
        s = d.story
        calendar = self.calendar(d.processing_unit or s.receiving_unit)
        if s.outcome is Outcome.REJECTED:
            actions = ["APPRAISAL", "decide"]
        else:
            steps = self.province.steps(s.procedure)
            partners = ["handoff", "partners"] if s.inter_agency else []
            actions = [*steps[:1], *partners, *steps[1:], "decide"]
        if s.supplement:
            request_at = after_working(calendar, start, d.rng.uniform(1.0, 6.0))
            return [("supplement_request", request_at)]
        decision = decision_time(calendar, start, due, s.fraction)
        plan = step_moments(calendar, start, decision, actions)
        if s.apology and d.received_at is not None:
            latest = apology_deadline(calendar, d.received_at, due)
            if latest is not None and latest > start:
                at = max(start + timedelta(minutes=5), latest - timedelta(hours=d.rng.uniform(0, 3)))
                plan.append(("apologise", at))
                plan.sort(key=lambda p: p[1])
        return plan

    async def digitise(self, d: Dossier) -> Next:
        procedure = self.province.procedures[d.story.procedure]
        for c in procedure.components:
            if not c.required:
                continue
            ref = {**components_file(d, c.code), "source": "SCAN_AT_COUNTER", "component_code": c.code}
            self.need(
                await self.client.call(
                    "POST", "intake-api", f"/dossiers/{d.dossier_id}/digitisation", self.desk(d), ref
                ),
                "digitisation",
            )
        return []

    async def pay(self, d: Dossier) -> Next:
        assert self.now is not None and d.dossier_id is not None
        if self.payments is None:
            return []
        method = "ONLINE_NATIONAL" if d.rng.random() < 0.8 else "ONLINE_LOCAL"
        await self.payments.publish(payment_received(uuid.UUID(d.dossier_id), self.now, d.fees, method, d.n))
        return []

    # --- processing -------------------------------------------------------------------------------------

    async def case_command(
        self, d: Dossier, path: str, body: Any, lead: bool = False, who: dict[str, str] | None = None
    ) -> Answer:
        who = who or (self.lead(d) if lead else self.officer(d))
        answer = await self.client.call("POST", "processing-api", f"/cases/{d.dossier_id}/{path}", who, body)
        if answer.status == 404:
            raise NotYet("processing has not opened the case yet")
        return answer

    def next_in_plan(self, d: Dossier) -> Next:
        return [d.plan.popleft()] if d.plan else []

    async def assign(self, d: Dossier) -> Next:
        field_name = self.province.procedures[d.story.procedure].field
        body = {
            "handler_id": f"cv.{(d.processing_unit or '').lower()}.01",
            "department": f"Phòng {field_name}",
        }
        self.need(await self.case_command(d, "assignment", body, lead=True), "assignment")
        return self.next_in_plan(d)

    async def step(self, kind: str, d: Dossier) -> Next:
        outcome = "UNSATISFACTORY" if d.story.outcome is Outcome.REJECTED else "SATISFACTORY"
        lead = kind in ("REVIEW", "SIGNING")  # the division lead reviews, the agency lead signs
        self.need(await self.case_command(d, "steps", {"step": kind, "outcome": outcome}, lead=lead), kind)
        return self.next_in_plan(d)

    async def supplement_request(self, d: Dossier) -> Next:
        assert self.now is not None
        procedure = self.province.procedures[d.story.procedure]
        missing = next((c for c in procedure.components if c.required), procedure.components[0])
        body = {
            "reasons": "Thành phần hồ sơ chưa đầy đủ, đề nghị bổ sung theo quy định",
            "items": [{"component_code": missing.code, "name": missing.name, "issue": "INCORRECT"}],
        }
        answer = await self.case_command(d, "supplement-request", body)
        self.need(answer, "supplement request")
        calendar = self.calendar(d.story.receiving_unit)
        return [("supplement_answer", after_working(calendar, self.now, d.rng.uniform(8, 32)))]

    async def supplement_answer(self, d: Dossier) -> Next:
        assert self.now is not None
        procedure = self.province.procedures[d.story.procedure]
        missing = next((c for c in procedure.components if c.required), procedure.components[0])
        channel = "ONLINE" if d.story.channel == "ONLINE" else "COUNTER"
        body = {"items": [{"component_code": missing.code, "name": missing.name}], "channel": channel}
        who = self.citizen(d) if channel == "ONLINE" else self.desk(d)
        answer = await self.client.call(
            "POST", "intake-api", f"/dossiers/{d.dossier_id}/supplement", who, body
        )
        if answer.rule == "NO_SUPPLEMENT_REQUESTED":
            raise NotYet("the desk has not learned of the supplement request yet")
        self.need(answer, "supplement")
        return [("replan", self.now + timedelta(minutes=30))]

    async def replan(self, d: Dossier) -> Next:
        assert self.now is not None
        answer = await self.client.call("GET", "processing-api", f"/cases/{d.dossier_id}", self.officer(d))
        case = self.need(answer, "case")
        if case["state"] != "IN_PROCESSING" or not case.get("effective_due_at"):
            raise NotYet(f"the case is {case['state']}, waiting for the supplement to be accepted")
        due = datetime.fromisoformat(case["effective_due_at"])
        d.plan = deque(p for p in self.processing_plan_after_supplement(d, due))
        return self.next_in_plan(d)

    def processing_plan_after_supplement(self, d: Dossier, due: datetime) -> list[tuple[str, datetime]]:
        assert self.now is not None
        story = d.story
        d.story = Story(**{**vars(story), "supplement": False})
        try:
            return self.processing_plan(d, self.now, due)
        finally:
            d.story = story

    async def apologise(self, d: Dossier) -> Next:
        assert d.due_at is not None
        calendar = self.calendar(d.processing_unit or d.story.receiving_unit)
        body = {
            "reason": "Cần xác minh thêm thông tin với cơ quan liên quan",
            "new_due_at": new_due(calendar, d.due_at, d.rng).isoformat(),
            "letter_no": f"{d.n:04d}/XL",
        }
        answer = await self.case_command(d, "apology", body, lead=True)
        if not answer.ok:
            self.report.gave_up["apologise"] += 1  # too late or not allowed: the dossier is simply late
        return self.next_in_plan(d)

    async def handoff(self, d: Dossier) -> Next:
        self.need(
            await self.case_command(d, "handoff", {"transfer_slip_no": f"PCXL-{d.n:05d}"}, lead=True),
            "handoff",
        )
        return self.next_in_plan(d)

    async def partners(self, d: Dossier) -> Next:
        assert self.now is not None
        case = self.need(
            await self.client.call("GET", "processing-api", f"/cases/{d.dossier_id}", self.officer(d)), "case"
        )
        open_tasks = [t for t in case["partner_tasks"] if t["status"] == "IN_PROGRESS"]
        for task in open_tasks:
            body = {"agency_code": task["agency_code"], "outcome": "SATISFACTORY"}
            who = self.partner(task["agency_code"])
            self.need(await self.case_command(d, "partner-tasks", body, who=who), "partner task")
        waiting = [t for t in case["partner_tasks"] if t["status"] == "WAITING"]
        if waiting:  # a chained flow: the next partner gets the dossier only now
            calendar = self.calendar(d.processing_unit or d.story.receiving_unit)
            return [("partners", after_working(calendar, self.now, d.rng.uniform(2, 8)))]
        return self.next_in_plan(d)

    async def decide(self, d: Dossier) -> Next:
        assert self.now is not None
        s = d.story
        if s.outcome is Outcome.REJECTED:
            body: dict[str, Any] = {
                "reasons": "Hồ sơ không đáp ứng điều kiện theo quy định",
                "legal_basis": self.province.procedures[s.procedure].legal_basis[0],
                "notice_no": f"TC-{d.n:05d}",
            }
            self.need(await self.case_command(d, "rejection", body, lead=True), "rejection")
        else:
            self.need(await self.case_command(d, "result", self.result_body(d), lead=True), "result")
        d.decided_at = self.now
        return self.after_decision(d)

    def result_body(self, d: Dossier) -> dict[str, Any]:
        assert self.now is not None
        ref = f"dms://{(d.processing_unit or '').lower()}/{self.now:%Y}/{d.code}.pdf"
        sha = components_file(d, "KQ")["sha256"]
        document = {
            "code": "KQ",
            "name": "Kết quả giải quyết thủ tục hành chính",
            "number": f"{d.n:05d}/{self.now:%Y}/KQ",
            "signed_at": self.now.isoformat(),
            "signer": "Nguyễn Văn An",
            "e_file_ref": ref,
            "sha256": sha,
            "digitally_signed": True,
        }
        body: dict[str, Any] = {"documents": [document], "e_result": True}
        if d.story.result_digitised:
            body["digitised"] = [
                {
                    "document_code": "KQ",
                    "file_ref": ref,
                    "sha256": sha,
                    "digitally_signed": True,
                    "signer": "Nguyễn Văn An",
                }
            ]
            body["pushed"] = [
                {
                    "document_code": "KQ",
                    "file_ref": ref,
                    "data_store_ref": f"kho://{d.story.applicant_id}/{d.code}",
                    "vneid_pushed": True,
                }
            ]
        return body

    def after_decision(self, d: Dossier) -> Next:
        assert self.now is not None
        s = d.story
        calendar = self.calendar(s.receiving_unit)
        if s.outcome is Outcome.REJECTED or s.return_method == "COUNTER":
            return [("counter_return", after_working(calendar, self.now, d.rng.uniform(1, 24)))]
        if s.return_method == "ONLINE":
            return [("online_return", self.now + timedelta(hours=d.rng.uniform(0.5, 30)))]
        return [("postal_pickup", after_working(calendar, self.now, d.rng.uniform(2, 9)))]

    # --- delivery ---------------------------------------------------------------------------------------

    async def delivery_view(self, d: Dossier) -> dict[str, Any]:
        answer = await self.client.call("GET", "delivery-api", f"/dossiers/{d.dossier_id}", self.desk(d))
        return dict(answer.body) if answer.ok and isinstance(answer.body, dict) else {}

    def after_return(self, d: Dossier) -> Next:
        assert self.now is not None
        if d.story.rating is None:
            return []
        return [("rate", self.now + timedelta(minutes=d.rng.randrange(5, 1440)))]

    async def counter_return(self, d: Dossier) -> Next:
        view = await self.delivery_view(d)
        if view.get("status") in ("RETURNED", "CLOSED"):
            return self.after_return(d) if view.get("status") == "RETURNED" else []
        if view.get("status") != "RESULT_READY":
            raise NotYet("the result is not ready at the desk yet")
        body = {
            "recipient": {
                "name": d.story.applicant_name,
                "id_type": "CCCD",
                "id_number": d.story.applicant_id,
            },
            "originals_returned": list(view.get("originals_to_return") or []),
            "fees_collected_vnd": int(view.get("fees_due_vnd") or 0),
        }
        self.need(
            await self.client.call(
                "POST", "delivery-api", f"/dossiers/{d.dossier_id}/counter-return", self.desk(d), body
            ),
            "counter return",
        )
        return self.after_return(d)

    async def online_return(self, d: Dossier) -> Next:
        status = (await self.delivery_view(d)).get("status")
        if status == "RETURNED":  # the e-result went to the applicant's data store: returned online already
            return self.after_return(d)
        if status != "RESULT_READY":
            raise NotYet("the result is not ready online yet")
        self.need(
            await self.client.call(
                "POST", "delivery-api", f"/dossiers/{d.dossier_id}/online-return", self.citizen(d)
            ),
            "online return",
        )
        return self.after_return(d)

    async def postal_pickup(self, d: Dossier) -> Next:
        assert self.now is not None
        answer = await self.client.call("GET", "postal-partner", f"/files/{d.dossier_id}", self.post())
        shipments = answer.body.get("shipments", []) if answer.ok and isinstance(answer.body, dict) else []
        if not any(s["direction"] == "RESULT_TO_APPLICANT" and s["status"] == "REQUESTED" for s in shipments):
            raise NotYet("the postal partner has no pick-up order yet")
        d.waybill = f"ER{d.n:07d}{d.rng.randrange(100):02d}VN"
        body = {
            "waybill_no": d.waybill,
            "consignment_note_no": f"PG-{d.waybill[2:9]}",
            "agency_officer_id": f"cb.{d.story.receiving_unit.lower()}.tiepnhan01",
            "route_class": "INTER_DISTRICT",
        }
        self.need(
            await self.client.call(
                "POST", "postal-partner", f"/files/{d.dossier_id}/result-pickup", self.post(), body
            ),
            "result pick-up",
        )
        calendar = self.calendar(d.story.receiving_unit)
        return [("postal_delivery", after_working(calendar, self.now, d.rng.uniform(4, 14)))]

    async def postal_delivery(self, d: Dossier) -> Next:
        self.need(
            await self.client.call(
                "POST",
                "postal-partner",
                f"/waybills/{d.waybill}/out-for-delivery",
                self.post(),
                {"courier_id": "bt.sonha.05"},
            ),
            "out for delivery",
        )
        recipient = {"name": d.story.applicant_name, "id_type": "CCCD", "id_number": d.story.applicant_id}
        self.need(
            await self.client.call(
                "POST",
                "postal-partner",
                f"/waybills/{d.waybill}/delivery",
                self.post(),
                {"recipient": recipient, "signature_ref": f"ky://{d.waybill}"},
            ),
            "delivery",
        )
        return self.after_return(d)

    async def rate(self, d: Dossier) -> Next:
        assert self.now is not None and d.story.rating is not None
        if d.story.rated_on_portal:
            item = {
                "kind": "dossier-rated",
                "data": {
                    "dossier_code": d.code,
                    "level": d.story.rating,
                    "occurred_at": self.now.isoformat(),
                },
            }
            self.need(
                await self.client.call("POST", "fake-national-portal", "/control/feed", None, item),
                "portal rating",
            )
            return []
        channel = "COUNTER_DEVICE" if d.story.return_method == "COUNTER" else "ONLINE_PORTAL"
        body = {"level": d.story.rating, "channel": channel}
        answer = await self.client.call(
            "POST", "delivery-api", f"/dossiers/{d.dossier_id}/rating", self.citizen(d), body
        )
        if answer.rule == "RATING_BEFORE_RETURN":
            raise NotYet("the return has not reached delivery yet")
        self.need(answer, "rating")
        return []

    async def petition(self, d: Dossier) -> Next:
        assert self.now is not None
        item = {
            "kind": "petition-received",
            "data": {
                "petition_id": f"PAKN-{self.now:%Y}-{d.n:06d}",
                "handling_unit_code": d.processing_unit,
                "title": "Phản ánh về thời gian giải quyết hồ sơ",
                "classification": "ADMINISTRATIVE_PROCEDURE",
                "source": "DIRECT",
                "submitted_at": (self.now - timedelta(minutes=30)).isoformat(),
                "occurred_at": self.now.isoformat(),
                "related_dossier_code": d.code,
            },
        }
        self.need(
            await self.client.call("POST", "fake-national-portal", "/control/feed", None, item), "petition"
        )
        calendar = self.calendar(d.processing_unit or d.story.receiving_unit)
        return [("petition_handled", after_working(calendar, self.now, d.rng.uniform(8, 40)))]

    async def petition_handled(self, d: Dossier) -> Next:
        assert self.now is not None
        item = {
            "kind": "petition-handled",
            "data": {
                "petition_id": f"PAKN-{self.now:%Y}-{d.n:06d}",
                "answer_summary": "Đã trả lời, hướng dẫn công dân",
                "occurred_at": self.now.isoformat(),
            },
        }
        self.need(
            await self.client.call("POST", "fake-national-portal", "/control/feed", None, item),
            "petition answer",
        )
        return []


def components_file(d: Dossier, component: str) -> dict[str, str]:
    return file_ref(f"demo-{d.n:05d}", component)
