"""Closed vocabularies shared by the public events (domain.md §2, §4), with their DVCQG code mappings.

Members are part of the v1 contract: a value may never be removed or renamed (ADR 0102).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Producer(StrEnum):
    """Bounded context whose aggregate recorded the event; `seq` counts that aggregate's versions."""

    INTAKE = "intake"
    PROCESSING = "processing"
    DELIVERY = "delivery"
    POSTAL = "postal"
    PAYMENT = "payment"
    PORTAL_SYNC = "portal-sync"
    REFERENCE = "reference"


class ActorKind(StrEnum):
    """Who caused the event."""

    OFFICER = "officer"
    APPLICANT = "applicant"
    SYSTEM = "system"
    POSTAL_STAFF = "postal_staff"


class Channel(StrEnum):
    """Submission channel (kênh thực hiện); DVCQG `KenhThucHien` 1 counter, 2 online, 3 public postal."""

    COUNTER = "COUNTER"
    ONLINE = "ONLINE"
    POSTAL = "POSTAL"

    @property
    def kenh_thuc_hien(self) -> int:
        return _KENH_THUC_HIEN[self]

    @classmethod
    def from_kenh_thuc_hien(cls, code: int | None) -> Channel:
        """DVCQG treats a missing channel as the counter (domain.md §2.2)."""
        if code is None or code == 1:
            return cls.COUNTER
        for channel, value in _KENH_THUC_HIEN.items():
            if value == code:
                return channel
        raise ValueError(f"KenhThucHien {code} is not 1, 2 or 3")


_KENH_THUC_HIEN = {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.POSTAL: 3}


class OnlineMode(StrEnum):
    """Online service level (Decree 42/2022): toàn trình (full) or một phần (partial)."""

    FULL = "FULL"
    PARTIAL = "PARTIAL"


class DvcqgStatus(IntEnum):
    """National-portal dossier status `TrangThaiHoSo` (domain.md §2.13)."""

    SUBMITTED = 1  # Mới đăng ký
    RECEIVED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận
    IN_PROCESSING = 4  # Đang xử lý
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung giấy tờ
    FINANCIAL_OBLIGATION_REQUESTED = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    APPLICANT_WITHDREW = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    PROCESSED = 9  # Đã xử lý xong
    RESULT_RETURNED = 10  # Đã trả kết quả

    @property
    def label_vi(self) -> str:
        return _DVCQG_LABELS[self]


_DVCQG_LABELS = {
    DvcqgStatus.SUBMITTED: "Mới đăng ký",
    DvcqgStatus.RECEIVED: "Được tiếp nhận",
    DvcqgStatus.REFUSED: "Không được tiếp nhận",
    DvcqgStatus.IN_PROCESSING: "Đang xử lý",
    DvcqgStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DvcqgStatus.FINANCIAL_OBLIGATION_REQUESTED: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DvcqgStatus.APPLICANT_WITHDREW: "Công dân yêu cầu rút hồ sơ",
    DvcqgStatus.STOPPED: "Dừng xử lý",
    DvcqgStatus.PROCESSED: "Đã xử lý xong",
    DvcqgStatus.RESULT_RETURNED: "Đã trả kết quả",
}


class Outcome(StrEnum):
    """Outcome of a finished dossier."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class OnlinePaymentCode(IntEnum):
    """DVCQG `DuocThanhToanTrucTuyen`: 0 not paid online, 1 national payment platform, 2 local gateway."""

    NOT_ONLINE = 0
    NATIONAL_PLATFORM = 1
    LOCAL_GATEWAY = 2


class PaymentMethod(StrEnum):
    """How a fee or financial obligation was paid (domain.md §2.6, E17)."""

    CASH_COUNTER = "CASH_COUNTER"
    BANK_TRANSFER = "BANK_TRANSFER"
    POSTAL_COLLECTED = "POSTAL_COLLECTED"
    ONLINE_NATIONAL = "ONLINE_NATIONAL"
    ONLINE_LOCAL = "ONLINE_LOCAL"

    @property
    def online_payment_code(self) -> OnlinePaymentCode:
        """The `DuocThanhToanTrucTuyen` value the national portal expects for this method."""
        if self is PaymentMethod.ONLINE_NATIONAL:
            return OnlinePaymentCode.NATIONAL_PLATFORM
        if self is PaymentMethod.ONLINE_LOCAL:
            return OnlinePaymentCode.LOCAL_GATEWAY
        return OnlinePaymentCode.NOT_ONLINE

    @property
    def needs_transaction_ref(self) -> bool:
        return self in {
            PaymentMethod.BANK_TRANSFER,
            PaymentMethod.ONLINE_NATIONAL,
            PaymentMethod.ONLINE_LOCAL,
        }


class FeeKind(StrEnum):
    """Kind of financial obligation line: phí, lệ phí, tax (thuế), levy (e.g. land-use levy)."""

    PHI = "PHI"
    LE_PHI = "LE_PHI"
    TAX = "TAX"
    LEVY = "LEVY"


class DigitisationSource(StrEnum):
    """Where a component file came from (domain.md §2.9)."""

    SCAN_AT_COUNTER = "SCAN_AT_COUNTER"
    UPLOADED_BY_APPLICANT = "UPLOADED_BY_APPLICANT"
    FROM_DATA_STORE = "FROM_DATA_STORE"
    REUSED_FROM_OTHER_COMPONENT = "REUSED_FROM_OTHER_COMPONENT"
    REUSED_FROM_PREVIOUS_RESULT = "REUSED_FROM_PREVIOUS_RESULT"
    E_ORIGINAL = "E_ORIGINAL"

    @property
    def is_reuse(self) -> bool:
        """Counts for 766 indicator 4.3 (re-use of digitised data)."""
        return self in {
            DigitisationSource.FROM_DATA_STORE,
            DigitisationSource.REUSED_FROM_OTHER_COMPONENT,
            DigitisationSource.REUSED_FROM_PREVIOUS_RESULT,
        }


class NotificationChannel(StrEnum):
    """Channel of a notice to the applicant (domain.md §2.5.9, E2, E24)."""

    SMS = "SMS"
    EMAIL = "EMAIL"
    PORTAL = "PORTAL"
    ZALO = "ZALO"
    PHONE = "PHONE"
    VNEID = "VNEID"
    PAPER = "PAPER"


class NotificationKind(StrEnum):
    """What the applicant was told (E24)."""

    RESULT_READY = "RESULT_READY"
    EARLY_RETURN = "EARLY_RETURN"
    RESCHEDULED = "RESCHEDULED"
    SUPPLEMENT = "SUPPLEMENT"
    REFUSAL = "REFUSAL"
    PAYMENT_REQUESTED = "PAYMENT_REQUESTED"
    STOPPED = "STOPPED"


class PostalRouteClass(StrEnum):
    """Postal route class for the J + n end-to-end time (Circular 17/2017 Art 6–8, domain.md §4.4)."""

    INTRA_DISTRICT = "INTRA_DISTRICT"
    INTER_DISTRICT = "INTER_DISTRICT"
    INTER_PROVINCE_MAJOR = "INTER_PROVINCE_MAJOR"
    INTER_PROVINCE_OTHER = "INTER_PROVINCE_OTHER"
    SPECIAL_AREA = "SPECIAL_AREA"


class RefusalReason(StrEnum):
    """Why intake refused a dossier (form 03, E4)."""

    OUT_OF_COMPETENCE = "OUT_OF_COMPETENCE"
    INELIGIBLE = "INELIGIBLE"
    NOT_COMPLETED_IN_TIME = "NOT_COMPLETED_IN_TIME"
    OTHER = "OTHER"


class StopCause(StrEnum):
    """Why processing stopped (form 05, E20)."""

    APPLICANT_WITHDRAWAL = "APPLICANT_WITHDRAWAL"
    LEGAL_GROUND = "LEGAL_GROUND"
    SUPPLEMENT_TIMEOUT = "SUPPLEMENT_TIMEOUT"
    OTHER = "OTHER"


class ClockPauseReason(StrEnum):
    """Sector-law period excluded from the time limit (domain.md §3.1, E29)."""

    FINANCIAL_OBLIGATION = "FINANCIAL_OBLIGATION"
    PUBLIC_POSTING = "PUBLIC_POSTING"
    EXPERT_APPRAISAL = "EXPERT_APPRAISAL"
    VIOLATION_REVIEW = "VIOLATION_REVIEW"
    OTHER_LEGAL = "OTHER_LEGAL"


class StepKind(StrEnum):
    """Step of a procedure's internal workflow (domain.md §2.5, §3.1; E8, E9)."""

    RECEIVE = "RECEIVE"
    APPRAISAL = "APPRAISAL"
    VERIFICATION = "VERIFICATION"
    CONSULTATION = "CONSULTATION"
    INTER_AGENCY = "INTER_AGENCY"
    REVIEW = "REVIEW"
    APPROVAL = "APPROVAL"
    SIGNING = "SIGNING"
    RETURN_RESULT = "RETURN_RESULT"


class StepOutcome(StrEnum):
    """How a processing step ended (E9)."""

    SATISFACTORY = "SATISFACTORY"
    UNSATISFACTORY = "UNSATISFACTORY"
    NEEDS_SUPPLEMENT = "NEEDS_SUPPLEMENT"
    SENT_BACK = "SENT_BACK"


class ReturnMethod(StrEnum):
    """How the result goes back (domain.md §2.8); KIOSK is the automatic result locker (UNCONFIRMED)."""

    COUNTER = "COUNTER"
    ONLINE = "ONLINE"
    POSTAL = "POSTAL"
    KIOSK = "KIOSK"


class ApplicantKind(StrEnum):
    """`LoaiDoiTuong`: 1 citizen, 2 organisation or business."""

    CITIZEN = "CITIZEN"
    ORGANISATION = "ORGANISATION"

    @property
    def loai_doi_tuong(self) -> int:
        return 1 if self is ApplicantKind.CITIZEN else 2


class DurationUnit(StrEnum):
    """Unit of a statutory time limit (domain.md §3.1); SAME_DAY (value 0) = within the receipt day."""

    WORKING_DAY = "WORKING_DAY"
    WORKING_HOUR = "WORKING_HOUR"
    CALENDAR_DAY = "CALENDAR_DAY"
    MONTH = "MONTH"
    SAME_DAY = "SAME_DAY"


class ComponentForm(StrEnum):
    """Form in which a dossier component is submitted (the catalogue's forms, plus electronic files)."""

    DECLARATION_FORM = "DECLARATION_FORM"  # tờ khai, đơn theo mẫu
    ORIGINAL = "ORIGINAL"  # bản chính, kept in the dossier
    ORIGINAL_TO_SHOW = "ORIGINAL_TO_SHOW"  # bản chính để đối chiếu, returned
    CERTIFIED_COPY = "CERTIFIED_COPY"  # bản sao có chứng thực
    COPY_WITH_ORIGINAL = "COPY_WITH_ORIGINAL"  # bản sao kèm bản chính để đối chiếu
    COPY = "COPY"  # bản sao, bản chụp
    ELECTRONIC = "ELECTRONIC"  # bản điện tử nộp trực tuyến


class ItemIssue(StrEnum):
    """What is wrong with a component named in a supplement request."""

    MISSING = "MISSING"
    INCORRECT = "INCORRECT"


class TransferMode(StrEnum):
    """How a dossier is transferred to the processing agency (E7)."""

    ELECTRONIC = "ELECTRONIC"
    PAPER = "PAPER"
    POSTAL = "POSTAL"


class SupplementClockPolicy(StrEnum):
    """What a post-receipt supplement does to the clock (NĐ61 Art 19(4) restart, or pause)."""

    RESTART = "RESTART"
    PAUSE = "PAUSE"


class SatisfactionLevel(StrEnum):
    """Rating given by the applicant (E26, portal ratings)."""

    VERY_SATISFIED = "VERY_SATISFIED"
    SATISFIED = "SATISFIED"
    DISSATISFIED = "DISSATISFIED"


class RatingChannel(StrEnum):
    """Where a satisfaction rating was given."""

    COUNTER_DEVICE = "COUNTER_DEVICE"
    KIOSK = "KIOSK"
    ONLINE_PORTAL = "ONLINE_PORTAL"
    SMS = "SMS"
    PAPER_FORM = "PAPER_FORM"


class IdDocumentType(StrEnum):
    """Identity document shown when a result is handed over."""

    CCCD = "CCCD"
    CMND = "CMND"
    PASSPORT = "PASSPORT"
    OTHER = "OTHER"


class PostalServiceForm(StrEnum):
    """Public postal service form (QĐ45 Art 5): send dossier, return result, or both."""

    SEND = "SEND"
    RETURN = "RETURN"
    BOTH = "BOTH"


class PostalRequestSource(StrEnum):
    """Who registered the postal service (P1)."""

    APPLICANT_ONLINE = "APPLICANT_ONLINE"
    APPLICANT_AT_POST_OFFICE = "APPLICANT_AT_POST_OFFICE"
    ONE_STOP_ON_APPLICANT_REQUEST = "ONE_STOP_ON_APPLICANT_REQUEST"


class ShipmentDirection(StrEnum):
    """Direction of a postal shipment (domain.md §4.5)."""

    DOSSIER_TO_AGENCY = "DOSSIER_TO_AGENCY"
    RESULT_TO_APPLICANT = "RESULT_TO_APPLICANT"
    INTER_AGENCY = "INTER_AGENCY"


class PostalMovement(StrEnum):
    """Arrival at or departure from a postal office (P3)."""

    ARRIVED = "ARRIVED"
    DEPARTED = "DEPARTED"


class DeliveryFailureReason(StrEnum):
    """Why a postal delivery attempt failed (P8)."""

    NOT_AT_HOME = "NOT_AT_HOME"
    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
    REFUSED = "REFUSED"
    ID_NOT_MATCHING = "ID_NOT_MATCHING"
    OTHER = "OTHER"


class LossKind(StrEnum):
    """Loss or damage of a postal item (P11)."""

    LOST = "LOST"
    DAMAGED = "DAMAGED"


class Liability(StrEnum):
    """Who is liable for a lost or damaged item (Decree 47/2011)."""

    POSTAL_OPERATOR = "POSTAL_OPERATOR"
    FORCE_MAJEURE = "FORCE_MAJEURE"
    SENDER = "SENDER"
    UNDETERMINED = "UNDETERMINED"


class ComplaintScope(StrEnum):
    """Postal complaint scope: resolution within 5 (intra-province) or 7 (inter-province) working days."""

    INTRA_PROVINCE = "INTRA_PROVINCE"
    INTER_PROVINCE = "INTER_PROVINCE"


class AckStatus(StrEnum):
    """National-portal answer to a synchronisation."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class PetitionClassification(StrEnum):
    """Petition (PAKN) classification for 766 indicator 5.1."""

    REGULATION_POLICY = "REGULATION_POLICY"
    ADMINISTRATIVE_PROCEDURE = "ADMINISTRATIVE_PROCEDURE"
    STAFF_CONDUCT = "STAFF_CONDUCT"
    OTHER = "OTHER"


class PetitionSource(StrEnum):
    """How the petition reached the handling unit (the 2-wd refusal clock starts at receipt or transfer)."""

    DIRECT = "DIRECT"
    TRANSFERRED_FROM_VPCP = "TRANSFERRED_FROM_VPCP"
    TRANSFERRED_FROM_UNIT = "TRANSFERRED_FROM_UNIT"


class AnnouncementKind(StrEnum):
    """What an announcement decision (quyết định công bố, QĐCB) does to a procedure."""

    NEW = "NEW"
    AMENDED = "AMENDED"
    REPLACED = "REPLACED"
    ABOLISHED = "ABOLISHED"


class AnnouncerLevel(StrEnum):
    """Announcing authority level: 766 indicator 1.1 allows 20 wd (ministry) or 5 wd (province)."""

    MINISTRY = "MINISTRY"
    PROVINCE = "PROVINCE"


class ProcedureContentPart(StrEnum):
    """The seven mandatory parts of a published procedure (Decree 63/2010 Art 8(2), 766 indicator 1.3)."""

    NAME = "NAME"
    STEPS = "STEPS"
    SUBMISSION_METHOD = "SUBMISSION_METHOD"
    COMPONENTS_AND_COPIES = "COMPONENTS_AND_COPIES"
    TIME_LIMIT = "TIME_LIMIT"
    APPLICANT_TYPE = "APPLICANT_TYPE"
    IMPLEMENTING_AGENCY = "IMPLEMENTING_AGENCY"


class PublicationState(StrEnum):
    """State of a procedure on the national TTHC database (CSDLQG)."""

    PUBLISHED = "PUBLISHED"
    PUBLISHED_AMENDED = "PUBLISHED_AMENDED"


class OnlineServiceState(StrEnum):
    """State of an online public service (766 indicator 3.2 counts the first three)."""

    PUBLISHED = "PUBLISHED"
    PENDING_UNPUBLISH = "PENDING_UNPUBLISH"
    UNDER_TEST = "UNDER_TEST"
    UNPUBLISHED = "UNPUBLISHED"


class ResultForm(StrEnum):
    """Form of a procedure's result; 766 indicators 3.3 and 4.1 look at paper-result procedures."""

    PAPER = "PAPER"
    ELECTRONIC = "ELECTRONIC"


class UnitLevel(StrEnum):
    """Kind of administrative unit (as in the reference data); DISTRICT exists only before 1/7/2025."""

    MINISTRY = "MINISTRY"
    PROVINCE = "PROVINCE"  # Ủy ban nhân dân tỉnh
    PROVINCIAL_AGENCY = "PROVINCIAL_AGENCY"  # sở, ngành
    AGENCY_OFFICE = "AGENCY_OFFICE"  # office under an agency, e.g. Văn phòng Đăng ký đất đai
    BRANCH = "BRANCH"  # chi nhánh
    SERVICE_CENTRE = "SERVICE_CENTRE"  # Trung tâm Phục vụ hành chính công
    DISTRICT = "DISTRICT"
    COMMUNE = "COMMUNE"  # xã, phường, đặc khu


class CalendarDayKind(StrEnum):
    """Why a day departs from the Monday–Friday working week (domain.md §3.2)."""

    PUBLIC_HOLIDAY = "PUBLIC_HOLIDAY"
    COMPENSATORY_DAY_OFF = "COMPENSATORY_DAY_OFF"
    SWAPPED_DAY_OFF = "SWAPPED_DAY_OFF"
    MAKE_UP_WORKING_DAY = "MAKE_UP_WORKING_DAY"
    LOCAL_DAY_OFF = "LOCAL_DAY_OFF"

    @property
    def is_working_day(self) -> bool:
        return self is CalendarDayKind.MAKE_UP_WORKING_DAY
