"""Form 01 (Circular 03/2025 Annex I): the receipt and appointment slip, from what the desk recorded."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from intake.dossier import Dossier
from intake.reference import ReferenceData
from services.forms.document import Document, KeyValues, Paragraph, Signatures, Table

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_FORMS = {
    "ORIGINAL": "Bản chính",
    "CERTIFIED_COPY": "Bản sao chứng thực",
    "COPY": "Bản sao",
    "ELECTRONIC": "Bản điện tử",
}


def _when(at: datetime | None) -> str:
    if at is None:
        return "—"
    local = at.astimezone(VN)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def receipt_slip(dossier: Dossier, reference: ReferenceData, officer: str) -> Document:
    procedure = reference.procedures.get(dossier.procedure_code)
    unit = reference.units.get(dossier.receiving_unit_code)
    province = reference.units.get(dossier.receiving_unit_code.split(".")[0])
    applicant = dossier.applicant
    if applicant is None:
        raise ValueError("a submitted dossier always has an applicant")
    address = applicant.address
    components = tuple(
        (str(i), c.name, _FORMS.get(str(c.form), str(c.form)), str(c.copies))
        for i, c in enumerate(dossier.components, start=1)
    )
    return Document(
        title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        form_no="01",
        header_left=(province.name.upper(), unit.name.upper(), f"Số: {dossier.receipt_slip_no or '—'}"),
        blocks=(
            Paragraph(f"Mã hồ sơ: {dossier.dossier_code}", bold=True, align="C"),
            Paragraph(f"{unit.name} tiếp nhận hồ sơ của:"),
            KeyValues(
                (
                    ("Ông/Bà/Tổ chức", applicant.name),
                    ("Số định danh / mã số", applicant.id_number),
                    (
                        "Địa chỉ",
                        ", ".join(x for x in (address.street, address.commune, address.province) if x)
                        if address
                        else "—",
                    ),
                    ("Số điện thoại", applicant.phone or "—"),
                    ("Thư điện tử", applicant.email or "—"),
                    ("Nội dung yêu cầu giải quyết", f"{procedure.name} (mã {procedure.code})"),
                )
            ),
            Paragraph("1. Thành phần hồ sơ nộp gồm:"),
            Table(("STT", "Tên giấy tờ", "Hình thức", "Số lượng"), components, widths=(1, 8, 3, 2)),
            Paragraph(
                f"2. Số lượng hồ sơ: 01 bộ. Thời hạn giải quyết theo quy định: {procedure.statutory_duration()}."
            ),
            KeyValues(
                (
                    ("3. Thời gian nhận hồ sơ", _when(dossier.received_at)),
                    ("   Thời điểm bắt đầu tính thời hạn", _when(dossier.clock_start_at)),
                    ("4. Thời gian trả kết quả giải quyết hồ sơ", _when(dossier.due_at)),
                    ("5. Nơi/hình thức nhận kết quả", _return_method(str(dossier.result_return_method))),
                )
            ),
            *_corrections(dossier),
            Paragraph("Vào Sổ theo dõi hồ sơ, Quyển số: 01"),
            Signatures(("NGƯỜI NỘP HỒ SƠ", applicant.name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", officer)),
        ),
    )


def _corrections(dossier: Dossier) -> tuple[Paragraph, ...]:
    """A re-printed slip says that its promise was corrected, from what, and on whose approval (E30)."""
    return tuple(
        Paragraph(
            f"Thời gian trả kết quả đã được điều chỉnh ngày {c.corrected_at.astimezone(VN):%d/%m/%Y}: từ "
            f"{_when(c.old_due_at)} thành {_when(c.new_due_at)}. Lý do: {c.reason} (phê duyệt: {c.approved_by})."
        )
        for c in dossier.due_corrections
    )


def _return_method(method: str) -> str:
    return {
        "COUNTER": "Tại Bộ phận Một cửa",
        "ONLINE": "Trực tuyến (Cổng Dịch vụ công, kho dữ liệu điện tử)",
        "POSTAL": "Qua dịch vụ bưu chính công ích",
        "KIOSK": "Tủ nhận kết quả tự động",
    }.get(method, method)
