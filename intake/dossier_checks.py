"""Checks of a command's values against the reference data and the formats the law fixes.

Pure functions: each returns the (normalised) value or raises ``IntakeRuleViolation`` with status 422,
the rule's stable code, and the dotted path of the offending field. The dossier aggregate guards state
transitions; these guard what goes into them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from contracts.enums import ApplicantKind, Channel, OnlineMode, ReturnMethod
from intake.dossier_values import Address, Applicant, Component, ComponentFile, FeeLine
from intake.errors import invalid
from intake.reference import Procedure, ReferenceData, Unit
from intake.reference.procedures import CompetentLevel
from intake.reference.procedures import OnlineMode as CatalogueOnlineMode
from intake.reference.units import UnitKind

CCCD = re.compile(r"^[0-9]{12}$")  # căn cước công dân: 12 digits
TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")  # mã số thuế: 10 digits, or 10-3 for a dependent unit
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def procedure_of(reference: ReferenceData, code: str) -> Procedure:
    """The catalogue's procedure ``code``: a procedure is active while the current catalogue lists it."""
    if code not in reference.procedures:
        raise invalid(
            "PROCEDURE_UNKNOWN",
            f"Thủ tục {code} không có trong danh mục thủ tục hành chính đang áp dụng.",
            f"Procedure {code} is not in the current procedure catalogue.",
            field="procedure_code",
        )
    return reference.procedures.get(code)


def active_unit(reference: ReferenceData, code: str, on: date, *, field: str) -> Unit:
    """The unit ``code``, which must exist on ``on`` (units are time-versioned: 2025 mergers)."""
    if code not in reference.units:
        raise invalid(
            "UNIT_UNKNOWN",
            f"Không có đơn vị mã {code}.",
            f"There is no unit {code}.",
            field=field,
        )
    unit = reference.units.get(code)
    if not unit.active_on(on):
        raise invalid(
            "UNIT_INACTIVE",
            f"Đơn vị {code} ({unit.name}) không còn hoạt động vào ngày {on:%d/%m/%Y}.",
            f"Unit {code} ({unit.name}) does not exist on {on.isoformat()}.",
            field=field,
        )
    return unit


def processing_unit_for(
    reference: ReferenceData, procedure: Procedure, receiving: Unit, requested: str | None, on: date
) -> str:
    """The competent unit the dossier is attributed to (766): the catalogue's agency (or one of its
    offices), or for a commune-level procedure the commune — the receiving one unless another is named
    (dossiers are accepted regardless of administrative boundary)."""
    field = "processing_unit_code"
    if procedure.competent_level is CompetentLevel.PROVINCE:
        handling = procedure.handling_unit
        assert handling is not None  # the catalogue guarantees it for provincial procedures
        chosen = requested or handling
        if chosen != handling and not chosen.startswith(handling + "."):
            raise invalid(
                "PROCESSING_UNIT_MISMATCH",
                f"Thủ tục {procedure.code} do {handling} hoặc đơn vị trực thuộc giải quyết, không phải {chosen}.",
                f"Procedure {procedure.code} is decided by {handling} or one of its offices, not {chosen}.",
                field=field,
            )
        active_unit(reference, chosen, on, field=field)
        return chosen
    chosen = requested or receiving.code
    unit = active_unit(reference, chosen, on, field=field)
    if unit.kind is not UnitKind.COMMUNE:
        raise invalid(
            "PROCESSING_UNIT_REQUIRED" if requested is None else "PROCESSING_UNIT_NOT_COMMUNE",
            f"Thủ tục {procedure.code} thuộc thẩm quyền cấp xã: phải ghi xã, phường giải quyết.",
            f"Procedure {procedure.code} is decided by a commune: name the commune that decides it.",
            field=field,
        )
    return chosen


def check_channel(procedure: Procedure, channel: Channel, online_mode: OnlineMode | None) -> None:
    """The channel must be open for the procedure (QĐ45 Art 1(2); Decree 42/2022, 224/2026)."""
    presence = procedure.personal_presence_required
    if channel is Channel.POSTAL and (presence or not procedure.postal_allowed):
        reason_vi = "yêu cầu có mặt trực tiếp" if presence else "không tiếp nhận qua bưu chính công ích"
        reason_en = "requires personal presence" if presence else "is not offered through the postal service"
        raise invalid(
            "CHANNEL_NOT_ALLOWED",
            f"Thủ tục {procedure.code} {reason_vi}; không nộp qua bưu chính được.",
            f"Procedure {procedure.code} {reason_en}; it cannot be submitted by post.",
            field="channel",
        )
    if channel is not Channel.ONLINE or online_mode is None:
        return
    offered = procedure.online_mode
    if offered is CatalogueOnlineMode.NONE:
        raise invalid(
            "CHANNEL_NOT_ALLOWED",
            f"Thủ tục {procedure.code} chưa cung cấp dịch vụ công trực tuyến.",
            f"Procedure {procedure.code} is not offered online.",
            field="channel",
        )
    if online_mode is OnlineMode.FULL and (presence or offered is not CatalogueOnlineMode.FULL):
        raise invalid(
            "CHANNEL_NOT_ALLOWED",
            f"Thủ tục {procedure.code} không được thực hiện trực tuyến toàn trình.",
            f"Procedure {procedure.code} is not offered fully online.",
            field="online_mode",
        )


def check_return_method(procedure: Procedure, method: ReturnMethod, address: Address | None) -> None:
    if method is ReturnMethod.POSTAL:
        if procedure.personal_presence_required or not procedure.postal_allowed:
            raise invalid(
                "RETURN_METHOD_NOT_ALLOWED",
                f"Kết quả thủ tục {procedure.code} không trả qua bưu chính.",
                f"Results of procedure {procedure.code} are not returned by post.",
                field="result_return_method",
            )
        if address is None:
            raise invalid(
                "POSTAL_ADDRESS_REQUIRED",
                "Trả kết quả qua bưu chính phải có địa chỉ nhận.",
                "A result returned by post needs the delivery address.",
                field="postal_return_address",
            )
    elif address is not None:
        raise invalid(
            "POSTAL_ADDRESS_NOT_USED",
            "Chỉ ghi địa chỉ nhận khi trả kết quả qua bưu chính.",
            "A postal address is kept only when the result goes back by post.",
            field="postal_return_address",
        )


def check_applicant(applicant: Applicant) -> Applicant:
    """Citizens are identified by their 12-digit CCCD, organisations by their tax code."""
    field = "applicant.id_number"
    if not applicant.name.strip():
        raise invalid(
            "APPLICANT_NAME_REQUIRED",
            "Thiếu họ tên chủ hồ sơ.",
            "The applicant's name is missing.",
            field="applicant.name",
        )
    if applicant.kind is ApplicantKind.CITIZEN and not CCCD.match(applicant.id_number):
        raise invalid(
            "INVALID_CITIZEN_ID",
            "Số căn cước công dân phải gồm đúng 12 chữ số.",
            "A citizen ID (CCCD) has exactly 12 digits.",
            field=field,
        )
    if applicant.kind is ApplicantKind.ORGANISATION and not TAX_CODE.match(applicant.id_number):
        raise invalid(
            "INVALID_TAX_CODE",
            "Mã số thuế gồm 10 chữ số (hoặc 10 chữ số, dấu gạch ngang và 3 chữ số với đơn vị phụ thuộc).",
            "A tax code has 10 digits, or 10 digits, a hyphen and 3 digits for a dependent unit.",
            field=field,
        )
    return applicant


def sha256_hex(value: str, *, field: str) -> str:
    """A SHA-256 digest of 64 hex characters, in lowercase."""
    if not _SHA256.match(value):
        raise invalid(
            "FILE_HASH_MALFORMED",
            "Mã băm SHA-256 phải gồm 64 ký tự thập lục phân.",
            "A SHA-256 digest is 64 hexadecimal characters.",
            field=field,
        )
    return value.lower()


def check_content(sha256: str, content: bytes | None, *, field: str) -> None:
    """When the file's bytes are at hand, their digest must be the one declared."""
    if content is not None and hashlib.sha256(content).hexdigest() != sha256:
        raise invalid(
            "FILE_HASH_MISMATCH",
            "Mã băm SHA-256 không khớp với nội dung tệp.",
            "The SHA-256 digest does not match the file's content.",
            field=field,
        )


def check_files(files: Sequence[ComponentFile], *, field: str) -> tuple[ComponentFile, ...]:
    checked = []
    for index, file in enumerate(files):
        if not file.file_ref.strip():
            raise invalid(
                "FILE_REF_REQUIRED",
                "Thiếu tham chiếu tệp.",
                "A file reference is missing.",
                field=f"{field}[{index}].file_ref",
            )
        checked.append(replace(file, sha256=sha256_hex(file.sha256, field=f"{field}[{index}].sha256")))
    return tuple(checked)


def check_components(procedure: Procedure, components: Sequence[Component]) -> tuple[Component, ...]:
    """Components are those the catalogue publishes, each once; attached files say where they came from."""
    published = {component.code for component in procedure.components}
    seen: set[str] = set()
    checked = []
    for index, component in enumerate(components):
        field = f"components[{index}]"
        if component.code not in published:
            raise invalid(
                "COMPONENT_NOT_PUBLISHED",
                f"Thành phần {component.code} không có trong danh mục thành phần hồ sơ của thủ tục {procedure.code}.",
                f"Component {component.code} is not published for procedure {procedure.code}.",
                field=f"{field}.code",
            )
        if component.code in seen:
            raise invalid(
                "COMPONENT_DUPLICATE",
                f"Thành phần {component.code} được kê hai lần.",
                f"Component {component.code} is listed twice.",
                field=f"{field}.code",
            )
        seen.add(component.code)
        if component.copies < 1:
            raise invalid(
                "COPIES_INVALID",
                "Số bản phải từ 1 trở lên.",
                "Copies must be at least 1.",
                field=f"{field}.copies",
            )
        files = check_files(component.files, field=f"{field}.files")
        if files and component.source is None:
            raise invalid(
                "SOURCE_REQUIRED",
                "Tệp đính kèm phải ghi rõ nguồn (quét, tải lên, kho dữ liệu, tái sử dụng).",
                "Attached files say where they came from (source).",
                field=f"{field}.source",
            )
        checked.append(replace(component, files=files))
    return tuple(checked)


def check_fee_lines(
    procedure: Procedure, lines: Sequence[FeeLine], *, field: str = "fee_lines"
) -> tuple[FeeLine, ...]:
    """Fee lines are the catalogue's fees: never negative, and for a published unit price a whole number
    of units (pages, copies …); a fee assessed per case may be any amount; 0 records an exemption."""
    published = {(fee.kind.value, fee.name): fee for fee in procedure.fees}
    seen: set[tuple[str, str]] = set()
    for index, line in enumerate(lines):
        where = f"{field}[{index}]"
        if line.amount_vnd < 0:
            raise invalid(
                "FEE_NEGATIVE",
                "Số tiền phí, lệ phí không được âm.",
                "A fee amount cannot be negative.",
                field=f"{where}.amount_vnd",
            )
        key = (line.kind.value, line.name)
        fee = published.get(key)
        if fee is None:
            raise invalid(
                "FEE_NOT_PUBLISHED",
                f"Khoản '{line.name}' ({line.kind}) không có trong danh mục phí, lệ phí của thủ tục {procedure.code}.",
                f"'{line.name}' ({line.kind}) is not a published fee of procedure {procedure.code}.",
                field=where,
            )
        if key in seen:
            raise invalid(
                "FEE_DUPLICATE",
                f"Khoản '{line.name}' được ghi hai lần.",
                f"'{line.name}' is listed twice.",
                field=where,
            )
        seen.add(key)
        if fee.amount_vnd and line.amount_vnd % fee.amount_vnd:
            raise invalid(
                "FEE_MISMATCH",
                f"Khoản '{line.name}' phải là bội số của mức thu {fee.amount_vnd} đồng/{fee.per}.",
                f"'{line.name}' must be a multiple of the published {fee.amount_vnd} VND per {fee.per}.",
                field=f"{where}.amount_vnd",
            )
        if fee.amount_vnd == 0 and line.amount_vnd:
            raise invalid(
                "FEE_MISMATCH",
                f"Khoản '{line.name}' được miễn thu.",
                f"'{line.name}' is published as free.",
                field=f"{where}.amount_vnd",
            )
    return tuple(lines)
