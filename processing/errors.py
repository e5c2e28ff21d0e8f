"""What the processing context answers when it refuses a command (the HTTP layer maps these by duck typing).

A refused command records nothing. ``ProcessingRuleViolation`` names the rule that forbids it with a stable
code (``APOLOGY_ONCE``, ``SUPPLEMENT_ONCE``, ``LEAD_DECIDES_BEFORE_PARTNERS`` …), says why in Vietnamese and
English, and may point at the offending input with a dotted ``field`` path. ``status`` is 409 when the
case's state forbids the command, 422 when a value in the command is invalid, and 403 when the actor's unit
may not act on the case (``NOT_YOUR_UNIT``).
"""

from __future__ import annotations

from collections.abc import Iterable


class ProcessingRuleViolation(Exception):
    """A command broke a rule of the competent agency's handling; nothing was recorded."""

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


def refused(
    rule: str, message_vi: str, message_en: str, *, field: str | None = None
) -> ProcessingRuleViolation:
    """A violation caused by the state of the case (HTTP 409)."""
    return ProcessingRuleViolation(rule, message_vi, message_en, field=field, status=409)


def invalid(
    rule: str, message_vi: str, message_en: str, *, field: str | None = None
) -> ProcessingRuleViolation:
    """A violation caused by an invalid value in the command (HTTP 422)."""
    return ProcessingRuleViolation(rule, message_vi, message_en, field=field, status=422)


def not_your_unit(
    unit_code: str | None, allowed: Iterable[str], doing_vi: str, doing_en: str, dossier_code: str
) -> ProcessingRuleViolation:
    """The actor's unit may not give this command on this case (HTTP 403, ADR 0531)."""
    units = ", ".join(sorted(allowed)) or "?"
    if unit_code is None:
        who_vi, who_en = "Người thực hiện không thuộc đơn vị nào", "The actor acts for no unit"
    else:
        who_vi, who_en = f"Cán bộ đơn vị {unit_code}", f"An officer of unit {unit_code}"
    return ProcessingRuleViolation(
        "NOT_YOUR_UNIT",
        f"{who_vi} không được {doing_vi} đối với hồ sơ {dossier_code}; chỉ đơn vị {units} được thực hiện.",
        f"{who_en} cannot {doing_en} on dossier {dossier_code}; only unit(s) {units} may.",
        status=403,
    )


class ConcurrentUpdate(ProcessingRuleViolation):
    """Another command kept changing the same case; the caller may try again later."""

    def __init__(self) -> None:
        super().__init__(
            "CONCURRENT_UPDATE",
            "Hồ sơ đang được cập nhật đồng thời bởi thao tác khác; vui lòng thử lại.",
            "The case was being changed by another command at the same time; try again.",
        )


class NotFound(Exception):
    """The case (dossier) named by the command does not exist: processing events before DossierReceived."""

    not_found = True

    def __init__(self, what: str, identifier: object) -> None:
        super().__init__(f"{what} {identifier} not found")
        self.what = what
        self.identifier = identifier
        self.message_vi = f"Không tìm thấy {_WHAT_VI.get(what, what)} {identifier}."
        self.message_en = f"No {what} {identifier}."


_WHAT_VI = {"case": "hồ sơ đang giải quyết", "dossier": "hồ sơ"}
