"""Vietnamese texts of the messages to applicants (subject and body), rendered once when requested.

The rendered text is stored in ``NotificationRequested``, so a resend after a crash sends the very same
words even if a template changes in between. Dates are written the Vietnamese way (``17:00 ngày 16/03/2026``,
business time); money as ``1.250.000 đồng``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from delivery.clock import business_time
from delivery.notifications import MessageKind


@dataclass(frozen=True)
class MessageFacts:
    """What a template may mention; absent facts are left out of the text rather than invented."""

    dossier_ref: str  # the dossier code, or a placeholder before the code exists
    due_at: datetime | None = None
    new_due_at: datetime | None = None
    reasons: str | None = None
    amount_vnd: int | None = None
    place: str | None = None  # unit or locker where the result waits


def render(kind: MessageKind, facts: MessageFacts) -> tuple[str, str]:
    """``(subject, body)`` of a message of ``kind``."""
    return _TEMPLATES[kind](facts)


def vn_datetime(at: datetime) -> str:
    local = business_time(at)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def vn_money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _due(facts: MessageFacts, prefix: str = " Thời gian hẹn trả kết quả: ") -> str:
    return f"{prefix}{vn_datetime(facts.due_at)}." if facts.due_at else ""


def _receipt(f: MessageFacts) -> tuple[str, str]:
    return (
        f"Hồ sơ {f.dossier_ref} đã được tiếp nhận",
        f"Hồ sơ {f.dossier_ref} của Ông/Bà đã được tiếp nhận." + _due(f),
    )


def _supplement(f: MessageFacts) -> tuple[str, str]:
    reasons = f" Nội dung cần bổ sung: {f.reasons}." if f.reasons else ""
    return (
        f"Yêu cầu bổ sung, hoàn thiện hồ sơ {f.dossier_ref}",
        f"Hồ sơ {f.dossier_ref} cần được bổ sung, hoàn thiện.{reasons}"
        " Đề nghị Ông/Bà bổ sung một lần đầy đủ theo hướng dẫn.",
    )


def _refusal(f: MessageFacts) -> tuple[str, str]:
    reasons = f" Lý do: {f.reasons}." if f.reasons else ""
    return (
        f"Từ chối tiếp nhận hồ sơ {f.dossier_ref}",
        f"Hồ sơ {f.dossier_ref} không được tiếp nhận giải quyết.{reasons}",
    )


def _rescheduled(f: MessageFacts) -> tuple[str, str]:
    new = f" Thời gian hẹn trả kết quả mới: {vn_datetime(f.new_due_at)}." if f.new_due_at else ""
    reasons = f" Lý do: {f.reasons}." if f.reasons else ""
    return (
        f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {f.dossier_ref}",
        f"Cơ quan giải quyết xin lỗi Ông/Bà vì hồ sơ {f.dossier_ref} chưa có kết quả đúng hẹn.{reasons}{new}",
    )


def _payment(f: MessageFacts) -> tuple[str, str]:
    amount = f" Số tiền: {vn_money(f.amount_vnd)}." if f.amount_vnd is not None else ""
    return (
        f"Thông báo thực hiện nghĩa vụ tài chính, hồ sơ {f.dossier_ref}",
        f"Đề nghị Ông/Bà thực hiện nghĩa vụ tài chính đối với hồ sơ {f.dossier_ref}.{amount}",
    )


def _stopped(f: MessageFacts) -> tuple[str, str]:
    reasons = f" Lý do: {f.reasons}." if f.reasons else ""
    return (
        f"Thông báo dừng giải quyết hồ sơ {f.dossier_ref}",
        f"Việc giải quyết hồ sơ {f.dossier_ref} đã dừng.{reasons}"
        " Giấy tờ bản chính (nếu có) được trả lại Ông/Bà.",
    )


def _where(f: MessageFacts) -> str:
    return f" tại {f.place}" if f.place else ""


def _ready(f: MessageFacts) -> tuple[str, str]:
    return (
        f"Hồ sơ {f.dossier_ref} đã có kết quả",
        f"Hồ sơ {f.dossier_ref} đã có kết quả giải quyết. Mời Ông/Bà nhận kết quả{_where(f)}"
        " theo hình thức đã đăng ký; khi nhận mang theo giấy tờ tùy thân (và giấy ủy quyền nếu nhận thay).",
    )


def _early(f: MessageFacts) -> tuple[str, str]:
    return (
        f"Hồ sơ {f.dossier_ref} có kết quả trước hẹn",
        f"Hồ sơ {f.dossier_ref} đã có kết quả trước thời gian hẹn"
        + (f" ({vn_datetime(f.due_at)})" if f.due_at else "")
        + f". Ông/Bà có thể nhận kết quả sớm{_where(f)}; khi nhận mang theo giấy tờ tùy thân.",
    )


def _returned_by_post(f: MessageFacts) -> tuple[str, str]:
    return (
        f"Kết quả hồ sơ {f.dossier_ref} đã được chuyển hoàn",
        f"Bưu điện không phát được kết quả hồ sơ {f.dossier_ref} và đã chuyển hoàn về cơ quan."
        f" Mời Ông/Bà đến nhận kết quả trực tiếp{_where(f)}.",
    )


def _in_kiosk(f: MessageFacts) -> tuple[str, str]:
    return (
        f"Kết quả hồ sơ {f.dossier_ref} đã sẵn sàng tại tủ trả kết quả",
        f"Kết quả hồ sơ {f.dossier_ref} đã được đặt{_where(f)}."
        " Mã nhận kết quả được hệ thống tủ gửi riêng cho Ông/Bà.",
    )


_TEMPLATES: dict[MessageKind, Callable[[MessageFacts], tuple[str, str]]] = {
    MessageKind.RECEIPT: _receipt,
    MessageKind.SUPPLEMENT: _supplement,
    MessageKind.REFUSAL: _refusal,
    MessageKind.RESCHEDULED: _rescheduled,
    MessageKind.PAYMENT_REQUESTED: _payment,
    MessageKind.STOPPED: _stopped,
    MessageKind.RESULT_READY: _ready,
    MessageKind.EARLY_RETURN: _early,
    MessageKind.RETURNED_BY_POST: _returned_by_post,
    MessageKind.IN_KIOSK: _in_kiosk,
}
