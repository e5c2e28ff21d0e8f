"""What the delivery and postal contexts answer when they refuse a command (the HTTP layer maps these by
duck typing: ``rule``, ``message_vi``, ``message_en``, ``field``, ``status``; ``not_found``).

A refused command records nothing. ``status`` is 409 when the state of the dossier or shipment forbids the
command, 422 when a value in the command is invalid, and 403 when a postal partner touches a shipment that
is not its own.
"""

from __future__ import annotations


class DeliveryRuleViolation(Exception):
    """A command broke a rule of result delivery or of the postal service; nothing was recorded."""

    def __init__(
        self,
        rule: str,
        message_vi: str,
        message_en: str,
        *,
        field: str | None = None,
        status: int = 409,
    ) -> None:
        super().__init__(f"{rule}: {message_en}")
        self.rule = rule
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field
        self.status = status

    def within(self, prefix: str, label_vi: str, label_en: str) -> DeliveryRuleViolation:
        """The same violation, located inside a larger command (e.g. line 3 of a hand-over record)."""
        return DeliveryRuleViolation(
            self.rule,
            f"{label_vi}: {self.message_vi}",
            f"{label_en}: {self.message_en}",
            field=f"{prefix}.{self.field}" if self.field else prefix,
            status=self.status,
        )


def invalid(
    rule: str, message_vi: str, message_en: str, *, field: str | None = None
) -> DeliveryRuleViolation:
    """A violation caused by an invalid value in the command (HTTP 422)."""
    return DeliveryRuleViolation(rule, message_vi, message_en, field=field, status=422)


def forbidden(rule: str, message_vi: str, message_en: str) -> DeliveryRuleViolation:
    """The caller may not act on this record at all (HTTP 403), e.g. another partner's shipment."""
    return DeliveryRuleViolation(rule, message_vi, message_en, status=403)


class ConcurrentUpdate(DeliveryRuleViolation):
    """Another command kept changing the same record; the caller may try again later."""

    def __init__(self) -> None:
        super().__init__(
            "CONCURRENT_UPDATE",
            "Hồ sơ đang được cập nhật đồng thời bởi thao tác khác; vui lòng thử lại.",
            "The record was being changed by another command at the same time; try again.",
        )


class NotFound(Exception):
    """The dossier, waybill or message named by the command does not exist (HTTP 404)."""

    not_found = True

    def __init__(self, what: str, identifier: object) -> None:
        super().__init__(f"{what} {identifier} not found")
        self.what = what
        self.identifier = identifier
        self.message_vi = f"Không tìm thấy {_WHAT_VI.get(what, what)} {identifier}."
        self.message_en = f"No {what} {identifier}."


_WHAT_VI = {
    "dossier": "hồ sơ",
    "waybill": "bưu gửi có số hiệu",
    "shipment": "bưu gửi",
    "message": "thông báo",
    "complaint": "khiếu nại",
    "postal file": "hồ sơ bưu chính của hồ sơ",
}
