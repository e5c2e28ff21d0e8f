"""Forms 06 and 04 (Circular 03/2025 Annex I) from what the case recorded, in Vietnamese.

- Form 06, "Phiếu kiểm soát quá trình giải quyết hồ sơ": one row per hand-over of the dossier — who gave it
  to whom, when, by when the step was due and whether it was done on time.
- Form 04, "Phiếu xin lỗi và hẹn lại ngày trả kết quả": the one apology with its new return date.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from intake.reference import ReferenceData
from processing.case import Case
from processing.case_events import ApologyIssued
from services.forms.document import Document, KeyValues, Paragraph, Signatures, Table

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_OUTCOMES = {
    "SATISFACTORY": "Đạt",
    "UNSATISFACTORY": "Không đạt",
    "SENT_BACK": "Trả lại bước trước",
}


def when(at: datetime | None) -> str:
    if at is None:
        return "—"
    local = at.astimezone(VN)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d}/{local:%m}/{local:%Y}"


def unit_name(reference: ReferenceData, code: str) -> str:
    try:
        return str(reference.units.get(code).name)
    except KeyError:
        return code


def _header(reference: ReferenceData, case: Case, number: str) -> tuple[str, ...]:
    unit = unit_name(reference, case.processing_unit_code)
    province = unit_name(reference, case.processing_unit_code.split(".")[0])
    return (province.upper(), unit.upper(), number)


def _procedure_name(reference: ReferenceData, code: str) -> str:
    try:
        return f"{reference.procedures.get(code).name} (mã {code})"
    except KeyError:
        return code


def control_sheet(case: Case, reference: ReferenceData) -> Document:
    """Form 06 for the case as it stands."""
    rows = []
    for i, row in enumerate(case.control_sheet, start=1):
        if row.on_time is None:
            result = "Đang xử lý" if row.completed_at is None else "—"
        else:
            result = "Đúng hạn" if row.on_time else "Quá hạn"
        outcome = _OUTCOMES.get(str(row.outcome), str(row.outcome)) if row.outcome else ""
        rows.append(
            (
                str(i),
                f"{row.name}\nGiao: {unit_name(reference, row.from_unit_code)}\n"
                f"Nhận: {unit_name(reference, row.to_unit_code)}"
                + (f" ({row.handler_id})" if row.handler_id else ""),
                when(row.started_at),
                when(row.due_at),
                when(row.completed_at),
                f"{result}{'; ' + outcome if outcome else ''}{'; ' + row.note if row.note else ''}",
            )
        )
    return Document(
        title="PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        form_no="06",
        header_left=_header(reference, case, f"Mã hồ sơ: {case.dossier_code}"),
        blocks=(
            Paragraph(f"Mã hồ sơ: {case.dossier_code}", bold=True, align="C"),
            KeyValues(
                (
                    ("Thủ tục hành chính", _procedure_name(reference, case.procedure_code)),
                    ("Cơ quan chủ trì giải quyết", unit_name(reference, case.processing_unit_code)),
                    ("Thời gian tiếp nhận", when(case.legal_receipt_at)),
                    ("Thời hạn trả kết quả theo giấy tiếp nhận", when(case.original_due_at)),
                    ("Thời hạn trả kết quả hiện hành", when(case.effective_due_at)),
                )
            ),
            Table(
                (
                    "STT",
                    "Tên bước, cơ quan giao, cơ quan nhận",
                    "Thời gian giao, nhận",
                    "Hạn xử lý",
                    "Thời gian hoàn thành",
                    "Kết quả",
                ),
                tuple(rows),
                widths=(1, 6, 3, 3, 3, 3),
            ),
            Paragraph(
                "Ghi chú: hồ sơ chuyển qua dịch vụ bưu chính thì thời gian giao, nhận ghi theo biên bản giao "
                "nhận với doanh nghiệp bưu chính."
            ),
        ),
    )


def apology(case: Case, issued: ApologyIssued, reference: ReferenceData) -> Document:
    """Form 04 for the one apology the case recorded."""
    unit = unit_name(reference, case.processing_unit_code)
    return Document(
        title="PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        form_no="04",
        header_left=_header(reference, case, f"Số: {issued.letter_no or '—'}"),
        blocks=(
            Paragraph(f"Kính gửi: Người nộp hồ sơ mã số {case.dossier_code}", bold=True),
            Paragraph(
                f"Ngày {when(case.legal_receipt_at)}, {unit_name(reference, case.receiving_unit_code)} "
                f"tiếp nhận hồ sơ đề nghị giải quyết thủ tục {_procedure_name(reference, case.procedure_code)}."
            ),
            KeyValues(
                (
                    ("Mã hồ sơ", case.dossier_code),
                    ("Thời gian hẹn trả kết quả", when(issued.previous_due_at)),
                    ("Lý do chậm trả kết quả", issued.reason),
                )
            ),
            Paragraph(
                f"{unit} xin lỗi Ông/Bà/Tổ chức vì sự chậm trễ này và hẹn lại thời gian trả kết quả vào "
                f"{when(issued.new_due_at)}.",
            ),
            Paragraph(
                f"Phiếu lập {when(issued.at)}" + (" (gửi muộn hơn quy định)" if issued.issued_late else "")
            ),
            Paragraph("Rất mong nhận được sự thông cảm của Ông/Bà/Tổ chức."),
            Signatures(("", ""), ("THỦ TRƯỞNG CƠ QUAN", issued.actor_id)),
        ),
    )
