"""What the intake context answers when it refuses a command (the HTTP layer maps these by duck typing).

A refused command records nothing. ``IntakeRuleViolation`` names the rule that forbids it with a stable
code (``RECEIVE_TWICE``, ``INTAKE_SUPPLEMENT_ONCE`` …), says why in Vietnamese and English, and may point at
the offending input with a dotted ``field`` path. ``status`` is 409 when the dossier's state forbids the
command and 422 when a value in the command is invalid.
"""

from __future__ import annotations


class IntakeRuleViolation(Exception):
    """A command broke a rule of the one-stop desk; nothing was recorded."""

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

    def within(self, prefix: str, label_vi: str, label_en: str) -> IntakeRuleViolation:
        """The same violation, located inside a larger command (e.g. line 3 of a hand-over record)."""
        return IntakeRuleViolation(
            self.rule,
            f"{label_vi}: {self.message_vi}",
            f"{label_en}: {self.message_en}",
            field=f"{prefix}.{self.field}" if self.field else prefix,
            status=self.status,
        )


def invalid(rule: str, message_vi: str, message_en: str, *, field: str | None = None) -> IntakeRuleViolation:
    """A violation caused by an invalid value in the command (HTTP 422)."""
    return IntakeRuleViolation(rule, message_vi, message_en, field=field, status=422)


class ConcurrentUpdate(IntakeRuleViolation):
    """Another command kept changing the same dossier or code book; the caller may try again later."""

    def __init__(self) -> None:
        super().__init__(
            "CONCURRENT_UPDATE",
            "Hồ sơ đang được cập nhật đồng thời bởi thao tác khác; vui lòng thử lại.",
            "The dossier was being changed by another command at the same time; try again.",
        )


class NotFound(Exception):
    """The dossier (or other record) named by the command does not exist."""

    not_found = True

    def __init__(self, what: str, identifier: object) -> None:
        super().__init__(f"{what} {identifier} not found")
        self.what = what
        self.identifier = identifier
        self.message_vi = f"Không tìm thấy {_WHAT_VI.get(what, what)} {identifier}."
        self.message_en = f"No {what} {identifier}."


_WHAT_VI = {"dossier": "hồ sơ"}
