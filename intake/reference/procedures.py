"""The procedure catalogue (danh mục thủ tục hành chính): what each procedure requires and how long it may take."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intake.deadlines import Duration, DurationUnit
from intake.reference.files import DATA_DIR, DurationField, read_document, validate

PROCEDURES_FORMAT = "motcua.reference.procedures"
PROCEDURES_VERSION = 1
HOURS_PER_WORKING_DAY = Decimal(8)  # to compare step allotments given in days with those given in hours


class CompetentLevel(StrEnum):
    PROVINCE = "PROVINCE"  # a provincial agency decides (handling_unit names it)
    COMMUNE = "COMMUNE"  # every commune decides for itself


class OnlineMode(StrEnum):
    FULL = "FULL"  # toàn trình
    PARTIAL = "PARTIAL"  # một phần
    NONE = "NONE"


class ApplicantKind(StrEnum):
    CITIZEN = "CITIZEN"  # công dân
    ORGANISATION = "ORGANISATION"  # tổ chức, doanh nghiệp


class AnnouncementKind(StrEnum):
    """What an announcement decision (quyết định công bố) does to the procedures it lists."""

    NEW = "NEW"
    AMENDED = "AMENDED"
    REPLACED = "REPLACED"
    ABOLISHED = "ABOLISHED"


class AnnouncerLevel(StrEnum):
    MINISTRY = "MINISTRY"
    PROVINCE = "PROVINCE"


class PublicationState(StrEnum):
    """State on the national TTHC database (CSDLQG) after the publish click."""

    PUBLISHED = "PUBLISHED"
    PUBLISHED_AMENDED = "PUBLISHED_AMENDED"


class ResultForm(StrEnum):
    PAPER = "PAPER"
    ELECTRONIC = "ELECTRONIC"


class FeeKind(StrEnum):
    PHI = "PHI"  # phí: pays for a service
    LE_PHI = "LE_PHI"  # lệ phí: charge for a state act


class ComponentForm(StrEnum):
    DECLARATION_FORM = "DECLARATION_FORM"  # tờ khai, đơn theo mẫu
    ORIGINAL = "ORIGINAL"  # bản chính (kept in the dossier)
    ORIGINAL_TO_SHOW = "ORIGINAL_TO_SHOW"  # bản chính để xuất trình, đối chiếu (returned)
    CERTIFIED_COPY = "CERTIFIED_COPY"  # bản sao có chứng thực
    COPY_WITH_ORIGINAL = "COPY_WITH_ORIGINAL"  # bản sao kèm bản chính để đối chiếu
    COPY = "COPY"  # bản sao, bản chụp


class SupplementClockPolicy(StrEnum):
    """What a post-receipt supplement does to the clock (domain.md §3.1)."""

    RESTART = "RESTART"  # Decree 61/2018 Art 19(4): the limit runs again from the complete dossier
    PAUSE = "PAUSE"  # the waiting time is added to the due date


class ClockExclusion(StrEnum):
    """Periods sector law leaves out of the limit (extend the effective due date when they happen)."""

    FINANCIAL_OBLIGATION = "FINANCIAL_OBLIGATION"
    PUBLIC_POSTING = "PUBLIC_POSTING"
    EXPERT_APPRAISAL = "EXPERT_APPRAISAL"
    VIOLATION_REVIEW = "VIOLATION_REVIEW"
    OTHER_LEGAL = "OTHER_LEGAL"


class InterAgencyGroup(StrEnum):
    BIRTH_3_IN_1 = "BIRTH_3_IN_1"  # Decree 63/2024: birth + permanent residence + health insurance card
    DEATH_3_IN_1 = "DEATH_3_IN_1"  # Decree 63/2024: death + residence removal + funeral/survivor benefits
    HOUSEHOLD_BUSINESS_SECURITY_KARAOKE = "HOUSEHOLD_BUSINESS_SECURITY_KARAOKE"  # Decree 297/2025


class StepKind(StrEnum):
    RECEIVE = "RECEIVE"
    APPRAISAL = "APPRAISAL"
    VERIFICATION = "VERIFICATION"
    CONSULTATION = "CONSULTATION"
    INTER_AGENCY = "INTER_AGENCY"
    REVIEW = "REVIEW"
    APPROVAL = "APPROVAL"
    SIGNING = "SIGNING"
    RETURN_RESULT = "RETURN_RESULT"


class StepRole(StrEnum):
    ONE_STOP = "ONE_STOP"  # Bộ phận Một cửa
    SPECIALIST = "SPECIALIST"  # chuyên viên thụ lý
    DIVISION_LEAD = "DIVISION_LEAD"  # lãnh đạo phòng
    AGENCY_LEAD = "AGENCY_LEAD"  # lãnh đạo cơ quan / Chủ tịch UBND
    PARTNER_AGENCY = "PARTNER_AGENCY"  # another agency of an inter-agency flow


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fee(_Frozen):
    """One fee line; ``amount_vnd`` is None when it is assessed per case (tariff, value, area)."""

    kind: FeeKind
    name: str = Field(min_length=1)
    amount_vnd: int | None = Field(ge=0)
    per: str = Field(min_length=1)
    note: str = ""


class Component(_Frozen):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    form: ComponentForm
    copies: int = Field(default=1, ge=1)
    required: bool = True
    note: str = ""


class Allotment(_Frozen):
    """Time allotted to one internal step; 0 for the final return step ("không tính thời gian")."""

    value: Decimal = Field(ge=0)
    unit: Literal[DurationUnit.WORKING_HOUR, DurationUnit.WORKING_DAY, DurationUnit.CALENDAR_DAY]

    @property
    def working_hours(self) -> Decimal:
        return self.value * HOURS_PER_WORKING_DAY if self.unit is DurationUnit.WORKING_DAY else self.value


class WorkflowStep(_Frozen):
    step: StepKind
    name: str = Field(min_length=1)
    handled_by: StepRole
    agency: str | None = None  # who, for a partner agency or a named office
    allotted: Allotment


class Procedure(_Frozen):
    """One administrative procedure as the province publishes it."""

    code: str = Field(pattern=r"^\d\.\d{6}$")  # national-style code, e.g. 1.001193
    name: str = Field(min_length=1)
    field: str = Field(min_length=1)  # lĩnh vực
    applicant_kinds: list[ApplicantKind] = Field(min_length=1)  # đối tượng thực hiện
    competent_level: CompetentLevel
    handling_unit: str | None  # the provincial agency; None for commune-level procedures
    duration: DurationField
    receipt_cutoff: (
        time | None
    )  # received strictly after it (on a working day) ⇒ clock starts next working day
    immediate_result: bool = False  # trả kết quả ngay (no receipt slip required)
    fees: list[Fee]
    online_mode: OnlineMode
    personal_presence_required: bool
    postal_allowed: bool
    result_forms: list[ResultForm] = Field(min_length=1)
    components: list[Component] = Field(min_length=1)
    workflow: list[WorkflowStep] = Field(min_length=2)
    supplement_clock_policy: SupplementClockPolicy
    clock_exclusions: list[ClockExclusion]
    remote_area_extra_working_days: int | None = Field(default=None, gt=0)
    inter_agency_group: InterAgencyGroup | None = None
    legal_basis: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Procedure:
        if (self.handling_unit is None) != (self.competent_level is CompetentLevel.COMMUNE):
            raise ValueError(
                "handling_unit names the provincial agency, and is null for commune-level procedures"
            )
        if self.personal_presence_required and self.postal_allowed:
            raise ValueError("postal_allowed contradicts personal_presence_required (QĐ45/2016 Art 1(2))")
        if self.personal_presence_required and self.online_mode is OnlineMode.FULL:
            raise ValueError("a procedure that requires personal presence cannot be fully online")
        unit = self.duration.unit
        if unit is DurationUnit.SAME_DAY and self.receipt_cutoff is None:
            raise ValueError("a SAME_DAY procedure needs its receipt_cutoff (usually 15:00)")
        if self.immediate_result and unit is not DurationUnit.SAME_DAY:
            raise ValueError("immediate_result is only for SAME_DAY procedures")
        if self.remote_area_extra_working_days is not None and unit is not DurationUnit.WORKING_DAY:
            raise ValueError("remote_area_extra_working_days only adds to a WORKING_DAY limit")
        codes = [component.code for component in self.components]
        if len(codes) != len(set(codes)):
            raise ValueError("component codes must be unique within a procedure")
        self._check_workflow()
        return self

    def _check_workflow(self) -> None:
        steps = self.workflow
        if steps[0].step is not StepKind.RECEIVE or steps[-1].step is not StepKind.RETURN_RESULT:
            raise ValueError("the workflow starts with RECEIVE and ends with RETURN_RESULT")
        if steps[-1].allotted.value != 0:
            raise ValueError("the RETURN_RESULT step is allotted no time (không tính thời gian)")
        unit, value = self.duration.unit, self.duration.value
        allotments = [step.allotted for step in steps]
        if unit in (DurationUnit.CALENDAR_DAY, DurationUnit.MONTH):
            if any(a.unit is not DurationUnit.CALENDAR_DAY for a in allotments):
                raise ValueError(f"steps of a {unit} procedure are allotted in CALENDAR_DAY")
            total = sum((a.value for a in allotments), Decimal(0))
            if unit is DurationUnit.CALENDAR_DAY and total != value:
                raise ValueError(f"steps are allotted {_n(total)} days in all, the limit is {_n(value)}")
            if unit is DurationUnit.MONTH and total > 28 * value:
                raise ValueError(
                    f"steps are allotted {_n(total)} days, more than {_n(value)} month(s) can hold"
                )
            return
        if any(a.unit is DurationUnit.CALENDAR_DAY for a in allotments):
            raise ValueError(f"steps of a {unit} procedure are allotted in working days or hours")
        hours = sum((a.working_hours for a in allotments), Decimal(0))
        if unit is DurationUnit.SAME_DAY:
            if hours > HOURS_PER_WORKING_DAY:
                raise ValueError(
                    f"steps are allotted {hours} working hours, more than a same-day limit holds"
                )
            return
        limit = value * HOURS_PER_WORKING_DAY if unit is DurationUnit.WORKING_DAY else value
        if hours != limit:
            raise ValueError(f"steps are allotted {_n(hours)} working hours in all, the limit is {_n(limit)}")

    def statutory_duration(self, *, remote_area: bool = False) -> Duration:
        """The limit that applies; communes in remote or disadvantaged areas get the extra days (land law)."""
        if remote_area and self.remote_area_extra_working_days:
            return Duration(
                self.duration.value + self.remote_area_extra_working_days, DurationUnit.WORKING_DAY
            )
        return self.duration


def _n(number: Decimal) -> str:
    return f"{number.normalize():f}"


class LegalDocument(_Frozen):
    """A legal document the catalogue cites; ``cite`` is how ``legal_basis`` lines begin when they cite it."""

    cite: str = Field(min_length=1)  # e.g. "Nghị định 23/2015/NĐ-CP"
    number: str = Field(min_length=1, max_length=64)  # số ký hiệu, e.g. 23/2015/NĐ-CP
    title: str = Field(min_length=1, max_length=255)
    effective_date: date  # ngày có hiệu lực (766 indicator 1.1 compares the decision with the latest)


class Announcement(_Frozen):
    """An announcement decision (quyết định công bố, QĐCB) and, once done, its publication on CSDLQG."""

    decision_no: str = Field(min_length=1, max_length=64)
    decision_date: date
    change_kind: AnnouncementKind
    announcing_unit: str = Field(min_length=1)
    announcer_level: AnnouncerLevel
    title: str = ""
    published_at: datetime | None = None  # the publish click on the national TTHC database
    publication_state: PublicationState | None = None
    procedures: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _publication(self) -> Announcement:
        if (self.published_at is None) != (self.publication_state is None):
            raise ValueError("published_at and publication_state are given together")
        if self.published_at is not None and self.published_at.tzinfo is None:
            raise ValueError("published_at needs its UTC offset, e.g. +07:00")
        if len(set(self.procedures)) != len(self.procedures):
            raise ValueError("a procedure is listed twice")
        return self


class ProceduresFile(_Frozen):
    """The schema of ``procedures.v<N>.json``."""

    format: Literal["motcua.reference.procedures"]
    version: Literal[1]
    published: date
    description: str = ""
    legal_documents: list[LegalDocument] = Field(min_length=1)
    announcements: list[Announcement] = Field(min_length=1)
    procedures: list[Procedure] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ProceduresFile:
        codes = [procedure.code for procedure in self.procedures]
        duplicated = sorted({code for code in codes if codes.count(code) > 1})
        if duplicated:
            raise ValueError(f"procedure codes given twice: {', '.join(duplicated)}")
        cites = [document.cite for document in self.legal_documents]
        if len(cites) != len(set(cites)):
            raise ValueError("a legal document is registered twice")
        uncited = [p.code for p in self.procedures if not cited_documents(p, self.legal_documents)]
        if uncited:
            raise ValueError(f"procedures citing no registered legal document: {', '.join(uncited)}")
        announced = [code for a in self.announcements for code in a.procedures]
        unknown = sorted(set(announced) - set(codes))
        if unknown:
            raise ValueError(f"announcements list unknown procedures: {', '.join(unknown)}")
        twice = sorted({code for code in announced if announced.count(code) > 1})
        if twice:
            raise ValueError(f"procedures in more than one announcement: {', '.join(twice)}")
        missing = [code for code in codes if code not in set(announced)]
        if missing:
            raise ValueError(f"procedures no announcement lists: {', '.join(missing)}")
        return self


def cited_documents(procedure: Procedure, register: Sequence[LegalDocument]) -> list[LegalDocument]:
    """The registered documents the procedure's ``legal_basis`` lines cite, in register order."""
    return [d for d in register if any(line.startswith(d.cite) for line in procedure.legal_basis)]


class ProcedureCatalogue:
    """The procedures of one catalogue version, by code."""

    def __init__(
        self,
        procedures: Sequence[Procedure],
        *,
        published: date,
        legal_documents: Sequence[LegalDocument] = (),
        announcements: Sequence[Announcement] = (),
    ) -> None:
        self._procedures = {procedure.code: procedure for procedure in procedures}
        self.published = published
        self.legal_documents = tuple(legal_documents)
        self.announcements = tuple(announcements)

    def __len__(self) -> int:
        return len(self._procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._procedures.values())

    def __contains__(self, code: object) -> bool:
        return code in self._procedures

    def get(self, code: str) -> Procedure:
        """The procedure with ``code`` (``KeyError`` naming it if unknown)."""
        try:
            return self._procedures[code]
        except KeyError:
            raise KeyError(f"unknown procedure {code!r}") from None

    def documents_of(self, code: str) -> list[LegalDocument]:
        """The registered legal documents the procedure rests on."""
        return cited_documents(self.get(code), self.legal_documents)

    def announcement_of(self, code: str) -> Announcement | None:
        """The announcement decision that lists the procedure (None in a catalogue built without them)."""
        return next((a for a in self.announcements if code in a.procedures), None)

    def at_level(self, level: CompetentLevel) -> list[Procedure]:
        return [procedure for procedure in self._procedures.values() if procedure.competent_level is level]


def load_procedures(path: Path | None = None) -> ProcedureCatalogue:
    """Read and validate a procedure catalogue (default: the shipped ``procedures.v1.json``)."""
    path = path or DATA_DIR / f"procedures.v{PROCEDURES_VERSION}.json"
    document = read_document(path, expected_format=PROCEDURES_FORMAT, version=PROCEDURES_VERSION)
    parsed = validate(ProceduresFile, document, path)
    return ProcedureCatalogue(
        parsed.procedures,
        published=parsed.published,
        legal_documents=parsed.legal_documents,
        announcements=parsed.announcements,
    )
