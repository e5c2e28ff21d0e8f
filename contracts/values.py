"""Value objects nested in several public events: people, addresses, components, fees, documents."""

from datetime import date, time

from pydantic import Field, ValidationInfo, field_validator

from contracts.enums import (
    ApplicantKind,
    ComponentForm,
    DigitisationSource,
    DurationUnit,
    FeeKind,
    IdDocumentType,
    ItemIssue,
)
from contracts.fields import (
    AddressLine,
    BusinessTime,
    DocumentNumber,
    Email,
    FileRef,
    Identifier,
    IdNumber,
    PersonName,
    Phone,
    Sha256Hex,
    ShortText,
    Vnd,
)
from contracts.model import ContractModel


class Address(ContractModel):
    """Postal address; `district` only for addresses written before the 2025 two-level reform."""

    street: AddressLine = Field(description="House number, street, hamlet (số nhà, đường, thôn/tổ)")
    commune: ShortText = Field(description="Commune or ward (xã/phường/đặc khu)")
    district: ShortText | None = None
    province: ShortText


class Applicant(ContractModel):
    """Owner of the dossier (chủ hồ sơ)."""

    kind: ApplicantKind
    name: PersonName
    id_number: IdNumber = Field(description="CCCD for citizens, tax code (MST) for organisations")
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None
    population_record_code: Identifier | None = Field(
        default=None,
        description="Code from the population database or data store (MaCSDL), 766 indicator 4.5",
    )


class Contact(ContractModel):
    name: PersonName
    phone: Phone
    email: Email | None = None


class StatutoryDuration(ContractModel):
    """Published time limit of a procedure (thời hạn giải quyết); SAME_DAY limits have value 0."""

    value: float = Field(ge=0, multiple_of=0.5, description="Half units allowed, e.g. 0.5 working day")
    unit: DurationUnit

    @field_validator("unit")
    @classmethod
    def _zero_only_for_same_day(cls, unit: DurationUnit, info: ValidationInfo) -> DurationUnit:
        value = info.data.get("value")
        if value is None:
            return unit
        if unit is DurationUnit.SAME_DAY and value != 0:
            raise ValueError(f"a SAME_DAY limit has value 0, not {value}")
        if unit is not DurationUnit.SAME_DAY and value == 0:
            raise ValueError(f"a {unit} limit is longer than 0")
        return unit


class FeeLine(ContractModel):
    """One line of fees or financial obligations (DanhSachLePhi)."""

    kind: FeeKind
    name: ShortText
    amount_vnd: Vnd
    legal_basis: ShortText | None = None


class PublishedFee(ContractModel):
    """A fee as the catalogue publishes it; some are assessed per case (e.g. registration tax)."""

    kind: FeeKind
    name: ShortText
    amount_vnd: Vnd | None = Field(description="Absent when assessed per case")
    per: ShortText | None = Field(
        default=None, description="What the amount is counted per: hồ sơ, trang, giấy…"
    )
    legal_basis: ShortText | None = None


class ComponentFile(ContractModel):
    file_ref: FileRef
    sha256: Sha256Hex


class SubmittedComponent(ContractModel):
    """A dossier component (thành phần hồ sơ) as submitted."""

    code: Identifier
    name: ShortText
    form: ComponentForm
    copies: int = Field(ge=1)
    files: list[ComponentFile] = Field(default_factory=list)
    source: DigitisationSource | None = Field(
        default=None, validate_default=True, description="Required when files are attached"
    )

    @field_validator("source")
    @classmethod
    def _files_say_where_from(
        cls, value: DigitisationSource | None, info: ValidationInfo
    ) -> DigitisationSource | None:
        if info.data.get("files") and value is None:
            raise ValueError("attached files say where they came from (source)")
        return value


class RequestedItem(ContractModel):
    """A component named in a supplement request."""

    component_code: Identifier | None = None
    name: ShortText
    issue: ItemIssue
    detail: ShortText | None = None


class ProvidedItem(ContractModel):
    """A component handed in to answer a supplement request."""

    component_code: Identifier | None = None
    name: ShortText
    files: list[ComponentFile] = Field(default_factory=list)


class ResultDocument(ContractModel):
    """A paper or electronic document of the result (DanhSachGiayToKetQua)."""

    code: Identifier = Field(description="Result code (MaKetQua)")
    name: ShortText
    number: DocumentNumber
    signed_at: BusinessTime
    signer: PersonName
    e_file_ref: FileRef | None = Field(
        default=None, description="Electronic result file (DuongDanTepTinKetQua)"
    )
    sha256: Sha256Hex | None = None
    digitally_signed: bool = False

    @field_validator("sha256")
    @classmethod
    def _file_has_hash(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("e_file_ref") is not None and value is None:
            raise ValueError("an electronic result file needs its sha256")
        return value


class Recipient(ContractModel):
    """Person who took a result, identified by a document; authorised persons show their authorisation."""

    name: PersonName
    id_type: IdDocumentType
    id_number: IdNumber
    authorised: bool = False
    authorisation_ref: DocumentNumber | None = Field(default=None, validate_default=True)

    @field_validator("authorisation_ref")
    @classmethod
    def _authorised_person_shows_authorisation(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("authorised") and value is None:
            raise ValueError("an authorised recipient must show the authorisation (giấy ủy quyền) reference")
        return value


class LegalDocument(ContractModel):
    """Legal document a procedure rests on; 766 indicator 1.1 uses the latest effective date."""

    number: DocumentNumber
    title: ShortText
    effective_date: date


class OfficeSession(ContractModel):
    """One opening interval of a working day, local time."""

    start: time
    end: time

    @field_validator("end")
    @classmethod
    def _ends_after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise ValueError(f"session end {value} is not after its start {start}")
        return value


class CriterionScore(ContractModel):
    criterion: Identifier
    score: int = Field(ge=1, le=5)


class PostalItem(ContractModel):
    """A paper in a postal consignment: original (bản chính) or copy."""

    name: ShortText
    original: bool
    copies: int = Field(default=1, ge=1)
