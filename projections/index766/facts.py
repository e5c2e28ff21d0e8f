"""Typed, frozen input records of the 766 engine (what the projector folds out of public events).

Versioning (docs/adr/0300): a *versioned* record (dossier, procedure, announcement, unit, petition) is a full
snapshot of one entity as the platform knew it from ``known_at`` on; the projector appends a new snapshot
with a higher ``revision`` whenever an event changes the entity, and never edits an old one. An *append-only*
record (rating, sync acknowledgement) is one fact that never changes. ``knowledge.as_known_at`` turns a
``FactBase`` into "what was known at T" by picking, per entity, the latest snapshot with ``known_at <= T``.

Business times (``received_at``, ``finished_at`` …) are when things happened; ``known_at`` is when the
platform learnt them. All datetimes must be timezone-aware.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Channel(StrEnum):
    """``KenhThucHien``: 1 = counter (also when missing), 2 = online, 3 = public postal service."""

    COUNTER = "COUNTER"
    ONLINE = "ONLINE"
    POSTAL = "POSTAL"


class OnlineMode(StrEnum):
    FULL = "FULL"  # toàn trình
    PARTIAL = "PARTIAL"  # một phần


class ApplicantKind(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"
    ORGANISATION = "ORGANISATION"


class Outcome(StrEnum):
    """First terminal status of a received dossier (domain.md §1.3 2.1)."""

    APPROVED = "APPROVED"  # Đã xử lý xong (result issued)
    REJECTED = "REJECTED"  # Từ chối giải quyết
    STOPPED = "STOPPED"  # Dừng xử lý
    WITHDRAWN = "WITHDRAWN"  # Công dân yêu cầu rút (after receipt)


class PaymentMethod(StrEnum):
    CASH_COUNTER = "CASH_COUNTER"
    BANK = "BANK"
    POSTAL_COLLECTED = "POSTAL_COLLECTED"
    ONLINE_NATIONAL = "ONLINE_NATIONAL"  # DuocThanhToanTrucTuyen = 1 (DVCQG payment platform)
    ONLINE_LOCAL = "ONLINE_LOCAL"  # DuocThanhToanTrucTuyen = 2 (ministry/province gateway)

    @property
    def is_online(self) -> bool:
        return self in (PaymentMethod.ONLINE_NATIONAL, PaymentMethod.ONLINE_LOCAL)


class ComponentSource(StrEnum):
    COUNTER_SCAN = "COUNTER_SCAN"
    APPLICANT_UPLOAD = "APPLICANT_UPLOAD"
    DATA_STORE = "DATA_STORE"  # DuocLayTuKhoDMQG = 1
    REUSED_COMPONENT = "REUSED_COMPONENT"
    REUSED_RESULT = "REUSED_RESULT"
    E_ORIGINAL = "E_ORIGINAL"


REUSE_SOURCES = frozenset(
    {ComponentSource.DATA_STORE, ComponentSource.REUSED_COMPONENT, ComponentSource.REUSED_RESULT}
)


class PauseReason(StrEnum):
    FINANCIAL_OBLIGATION = "FINANCIAL_OBLIGATION"
    PUBLIC_POSTING = "PUBLIC_POSTING"
    EXPERT_APPRAISAL = "EXPERT_APPRAISAL"
    VIOLATION_REVIEW = "VIOLATION_REVIEW"
    OTHER_LEGAL = "OTHER_LEGAL"


class DurationUnit(StrEnum):
    SAME_DAY = "SAME_DAY"  # trả kết quả trong ngày
    WORKING_DAY = "WORKING_DAY"
    WORKING_HOUR = "WORKING_HOUR"
    CALENDAR_DAY = "CALENDAR_DAY"
    MONTH = "MONTH"


class UnitLevel(StrEnum):
    NATION = "NATION"
    MINISTRY = "MINISTRY"
    PROVINCE = "PROVINCE"
    DEPARTMENT = "DEPARTMENT"
    DISTRICT = "DISTRICT"
    COMMUNE = "COMMUNE"


class OnlineLevel(StrEnum):
    NONE = "NONE"
    PARTIAL = "PARTIAL"
    FULL = "FULL"


class PublicationState(StrEnum):
    PUBLISHED = "PUBLISHED"
    PUBLISHED_AMENDED = "PUBLISHED_AMENDED"
    UNPUBLISHED = "UNPUBLISHED"
    ABOLISHED = "ABOLISHED"


class ContentPart(StrEnum):
    """The seven constituent parts of a published procedure (Decree 63/2010 Art 8(2))."""

    NAME = "NAME"
    STEPS = "STEPS"
    SUBMISSION_METHOD = "SUBMISSION_METHOD"
    COMPONENTS = "COMPONENTS"
    TIME_LIMIT = "TIME_LIMIT"
    APPLICANT_TYPE = "APPLICANT_TYPE"
    IMPLEMENTING_AGENCY = "IMPLEMENTING_AGENCY"


class AnnouncementKind(StrEnum):
    NEW = "NEW"
    AMENDED = "AMENDED"
    ABOLISHED = "ABOLISHED"


class PetitionClass(StrEnum):
    PROCEDURE_REGULATION = "PROCEDURE_REGULATION"  # quy định, chính sách, TTHC
    STAFF_CONDUCT = "STAFF_CONDUCT"  # hành vi cán bộ, công chức
    OTHER = "OTHER"


class RatingLevel(StrEnum):
    VERY_SATISFIED = "VERY_SATISFIED"
    SATISFIED = "SATISFIED"
    DISSATISFIED = "DISSATISFIED"


class StatutoryDuration(_Record):
    value: Decimal = Field(ge=0)
    unit: DurationUnit


class SupplementWait(_Record):
    """One post-receipt supplement request (DVCQG status 5) and, once it came back, its completion."""

    requested_at: AwareDatetime
    completed_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SupplementWait:
        if self.completed_at is not None and self.completed_at < self.requested_at:
            raise ValueError("supplement completed before it was requested")
        return self


class ClockPause(_Record):
    """A sector-law pause of the clock (ClockPaused/ClockResumed); open while ``resumed_at`` is None."""

    reason: PauseReason
    paused_at: AwareDatetime
    resumed_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ClockPause:
        if self.resumed_at is not None and self.resumed_at < self.paused_at:
            raise ValueError("clock resumed before it was paused")
        return self


class Apology(_Record):
    """The one allowed apology-and-reschedule letter (form 04)."""

    issued_at: AwareDatetime
    previous_due_at: AwareDatetime
    new_due_at: AwareDatetime

    @model_validator(mode="after")
    def _later(self) -> Apology:
        if self.new_due_at <= self.previous_due_at:
            raise ValueError("an apology must move the due date later")
        return self


class Component(_Record):
    code: str
    file_attached: bool = False
    source: ComponentSource | None = None


class DossierFact(_Record):
    """One snapshot of a dossier (hồ sơ) as known from ``known_at`` on.

    ``original_due_at`` is the promised return time set at receipt (as corrected by an audited
    ``DueDateCorrected``); supplement restarts and pauses do **not** move it, because the 766 engine
    subtracts those waits itself. ``apology.new_due_at`` is the rescheduled date shown to the applicant.
    """

    dossier_id: str
    revision: int = Field(ge=0)
    known_at: AwareDatetime
    code: str | None = None  # mã hồ sơ
    procedure_code: str
    unit_code: str  # processing agency (DonViXuLy): the unit the dossier is attributed to
    receiving_unit_code: str | None = None
    channel: Channel = Channel.COUNTER
    online_mode: OnlineMode | None = None
    applicant_kind: ApplicantKind = ApplicantKind.INDIVIDUAL
    submitted_at: AwareDatetime | None = None
    received_at: AwareDatetime | None = None  # NgayTiepNhan; None = never received (excluded from 766)
    statutory_duration: StatutoryDuration | None = None
    original_due_at: AwareDatetime | None = None  # NgayHenTra at receipt
    apology: Apology | None = None
    supplements: tuple[SupplementWait, ...] = ()
    pauses: tuple[ClockPause, ...] = ()
    outcome: Outcome | None = None
    finished_at: AwareDatetime | None = None  # NgayKetThucXuLy
    returned_at: AwareDatetime | None = None  # NgayTra
    fee_total_vnd: int = Field(default=0, ge=0)  # sum of the synced fee lines (DanhSachLePhi)
    payment_method: PaymentMethod | None = None
    paid_at: AwareDatetime | None = None
    components: tuple[Component, ...] = ()
    result_code: str | None = None  # MaKetQua
    result_file_linked: bool = False  # DuongDanTepTinKetQua present
    result_in_data_store: bool = False  # e-result pushed to the applicant's data store on DVCQG
    vneid_authenticated: bool = False  # TaiKhoanDuocXacThucVoiVNeID
    population_db_linked: bool = False  # MaCSDL (population database) present

    @model_validator(mode="after")
    def _consistent(self) -> DossierFact:
        if (self.outcome is None) != (self.finished_at is None):
            raise ValueError("outcome and finished_at go together")
        if self.supplements != tuple(sorted(self.supplements, key=lambda s: s.requested_at)):
            raise ValueError("supplements must be in request order")
        if self.pauses != tuple(sorted(self.pauses, key=lambda p: p.paused_at)):
            raise ValueError("pauses must be in pause order")
        return self

    @property
    def rescheduled_due_at(self) -> AwareDatetime | None:
        """The due date after the apology, or the original one when there was none."""
        return self.apology.new_due_at if self.apology is not None else self.original_due_at

    @property
    def has_component_files(self) -> bool:
        return any(c.file_attached for c in self.components)

    @property
    def reuses_data(self) -> bool:
        return any(c.source in REUSE_SOURCES for c in self.components)

    @property
    def uses_data_store(self) -> bool:
        return self.result_in_data_store or any(
            c.source is ComponentSource.DATA_STORE for c in self.components
        )

    @property
    def has_e_result(self) -> bool:
        """Result code plus file link: what VPCP-TECH 3.3 calls an electronic result."""
        return self.result_code is not None and self.result_file_linked


class ProcedureFact(_Record):
    """One catalogue version of a procedure (TTHC) in force over [valid_from, valid_to] (inclusive)."""

    procedure_code: str
    revision: int = Field(ge=0)
    known_at: AwareDatetime
    valid_from: date
    valid_to: date | None = None
    name: str = ""
    competent_unit_codes: tuple[str, ...] = ()
    publication_state: PublicationState = PublicationState.PUBLISHED
    content_parts: tuple[ContentPart, ...] = tuple(ContentPart)
    online_level: OnlineLevel = OnlineLevel.NONE
    full_online_eligible: bool = False
    paper_result: bool = True  # result is a paper document (giấy tờ)
    fee_bearing: bool = False  # non-zero fee information in the national TTHC database
    for_individuals: bool = True
    certification: bool = False  # chứng thực bản sao từ bản chính
    statutory_duration: StatutoryDuration | None = None

    @property
    def key(self) -> tuple[str, date]:
        return (self.procedure_code, self.valid_from)

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class AnnouncementFact(_Record):
    """One procedure in one announcement decision (Quyết định công bố) and its publication on CSDLQG."""

    announcement_id: str
    revision: int = Field(ge=0)
    known_at: AwareDatetime
    procedure_code: str
    announcing_unit_code: str
    kind: AnnouncementKind = AnnouncementKind.NEW
    decision_no: str = ""
    decision_date: date
    legal_effective_date: date  # latest effective date of the underlying legal document
    published_at: AwareDatetime | None = None  # the "publish" click on the national TTHC database


class UnitFact(_Record):
    """One version of an administrative unit and its parent over [valid_from, valid_to] (inclusive)."""

    unit_code: str
    revision: int = Field(ge=0)
    known_at: AwareDatetime
    name: str = ""
    level: UnitLevel
    parent_code: str | None = None
    valid_from: date
    valid_to: date | None = None

    @property
    def key(self) -> tuple[str, date]:
        return (self.unit_code, self.valid_from)

    def overlaps(self, start: date, end: date) -> bool:
        return self.valid_from <= end and (self.valid_to is None or self.valid_to >= start)


class PetitionFact(_Record):
    """One snapshot of a petition (phản ánh, kiến nghị) handled by a unit."""

    petition_id: str
    revision: int = Field(ge=0)
    known_at: AwareDatetime
    unit_code: str
    dossier_id: str | None = None
    classification: PetitionClass = PetitionClass.OTHER
    received_at: AwareDatetime
    transferred_at: AwareDatetime | None = None  # from VPCP or another unit: the clock starts here
    refused_at: AwareDatetime | None = None
    supplement_requested_at: AwareDatetime | None = None
    handled_at: AwareDatetime | None = None  # moved to "awaiting publication/published"
    published_at: AwareDatetime | None = None
    likes: int = Field(default=0, ge=0)
    dislikes: int = Field(default=0, ge=0)
    re_raised_dissatisfied: bool = False

    @property
    def clock_start(self) -> AwareDatetime:
        return self.transferred_at if self.transferred_at is not None else self.received_at


class RatingFact(_Record):
    """A satisfaction rating of a dossier (append-only)."""

    rating_id: str
    dossier_id: str
    level: RatingLevel
    rated_at: AwareDatetime
    known_at: AwareDatetime


class SyncAckFact(_Record):
    """A status sync of a dossier to the national portal (DVCQG) and whether the portal acknowledged it."""

    dossier_id: str
    status_code: int = Field(ge=1, le=10)
    synced_at: AwareDatetime
    acknowledged: bool = True
    known_at: AwareDatetime


def _duplicates(keys: Iterable[Hashable]) -> list[str]:
    return sorted(str(k) for k, n in Counter(keys).items() if n > 1)


class FactBase(_Record):
    """Everything the engine reads. Order of the tuples does not matter: the engine sorts."""

    dossiers: tuple[DossierFact, ...] = ()
    procedures: tuple[ProcedureFact, ...] = ()
    announcements: tuple[AnnouncementFact, ...] = ()
    units: tuple[UnitFact, ...] = ()
    petitions: tuple[PetitionFact, ...] = ()
    ratings: tuple[RatingFact, ...] = ()
    syncs: tuple[SyncAckFact, ...] = ()

    @model_validator(mode="after")
    def _unambiguous(self) -> FactBase:
        # Two snapshots with the same (entity, revision) would make "the latest version" depend on input order.
        clashes = {
            "dossier": _duplicates((d.dossier_id, d.revision) for d in self.dossiers),
            "procedure": _duplicates((*p.key, p.revision) for p in self.procedures),
            "announcement": _duplicates((a.announcement_id, a.revision) for a in self.announcements),
            "unit": _duplicates((*u.key, u.revision) for u in self.units),
            "petition": _duplicates((p.petition_id, p.revision) for p in self.petitions),
            "rating": _duplicates(r.rating_id for r in self.ratings),
        }
        found = {kind: keys for kind, keys in clashes.items() if keys}
        if found:
            raise ValueError(f"duplicate record versions: {found}")
        return self
