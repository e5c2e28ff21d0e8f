"""The clock ledger of a case: every change of the due time, the rule that made it, and the waits.

The ledger keeps the promise on the receipt slip (``original_due_at``, as the desk's audited corrections
left it) beside the time that now applies (``effective_due_at``). Only the rules in ``DueRule`` move the due time (domain.md §2.15: receipt, supplement
accepted, apology, audited correction — plus the sector-law pauses of §3.1, which move it by their length).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class DueRule(StrEnum):
    """Why the due time is what it is."""

    RECEIPT = "RECEIPT"  # E5: the receipt slip's promise
    SUPPLEMENT_RESTART = (
        "SUPPLEMENT_RESTART"  # E15, NĐ61 Art 19(4): the limit runs again from the complete dossier
    )
    SUPPLEMENT_PAUSE = "SUPPLEMENT_PAUSE"  # E15, pause policy: the wait is added
    CLOCK_PAUSE = "CLOCK_PAUSE"  # E29: a sector-law exclusion is added when the clock resumes
    APOLOGY = "APOLOGY"  # E18: the one rescheduling of form 04
    AUDITED_CORRECTION = "AUDITED_CORRECTION"  # E30: the desk's audited correction

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]


_LABELS_VI = {
    DueRule.RECEIPT: "Hẹn trả khi tiếp nhận",
    DueRule.SUPPLEMENT_RESTART: "Tính lại thời hạn sau khi bổ sung đầy đủ",
    DueRule.SUPPLEMENT_PAUSE: "Cộng thời gian chờ bổ sung",
    DueRule.CLOCK_PAUSE: "Cộng thời gian không tính vào thời hạn",
    DueRule.APOLOGY: "Xin lỗi và hẹn lại ngày trả kết quả",
    DueRule.AUDITED_CORRECTION: "Điều chỉnh thời hạn có phê duyệt",
}


# Rules that set the due time on their own terms: it no longer follows the receipt promise (ADR 0512).
_OWN_DUE_RULES = frozenset({DueRule.SUPPLEMENT_RESTART, DueRule.APOLOGY})
# Rules that move the due time by a length of office time, whatever it was (§3.1 excluded periods).
_SHIFT_RULES = frozenset({DueRule.SUPPLEMENT_PAUSE, DueRule.CLOCK_PAUSE})


class StopKind(StrEnum):
    """Why the clock is not running."""

    SUPPLEMENT = "SUPPLEMENT"
    PAUSE = "PAUSE"


@dataclass(frozen=True)
class LedgerEntry:
    """One change of the due time (or its first setting, at receipt)."""

    rule: DueRule
    at: datetime
    previous_due_at: datetime | None
    new_due_at: datetime
    legal_basis: str
    clock_start_at: datetime | None = None  # set when the clock (re)starts
    waited: timedelta | None = None  # elapsed time of the wait the change accounts for
    waited_working: timedelta | None = None  # office time of that wait
    reason: str | None = None
    approved_by: str | None = None
    # E30: the receipt promise as the desk corrected it (None: the entry leaves the promise as it was)
    corrected_promise_at: datetime | None = None


@dataclass(frozen=True)
class ClockStop:
    """The clock is stopped since ``since`` (a supplement is awaited, or a sector-law pause is open)."""

    kind: StopKind
    since: datetime
    reference: str  # supplement request number or pause id


@dataclass(frozen=True)
class ClockLedger:
    """The due-time history of one case, for the control sheet (form 06) and the 766 reports."""

    original_due_at: datetime
    clock_start_at: datetime
    entries: tuple[LedgerEntry, ...]
    stopped: ClockStop | None = None

    @classmethod
    def at_receipt(cls, entry: LedgerEntry) -> ClockLedger:
        if entry.rule is not DueRule.RECEIPT or entry.clock_start_at is None:
            raise ValueError("a ledger opens with the receipt and its clock start")
        return cls(original_due_at=entry.new_due_at, clock_start_at=entry.clock_start_at, entries=(entry,))

    @property
    def effective_due_at(self) -> datetime:
        return self.entries[-1].new_due_at

    @property
    def running(self) -> bool:
        return self.stopped is None

    @property
    def extended(self) -> bool:
        return any(entry.rule is DueRule.APOLOGY for entry in self.entries)

    def waited_for(self, *rules: DueRule) -> timedelta:
        """Total elapsed waiting time accounted for by entries of ``rules`` (e.g. supplements, for 766)."""
        return sum(
            (entry.waited for entry in self.entries if entry.rule in rules and entry.waited is not None),
            timedelta(),
        )

    def shifts_since_promise(self) -> tuple[timedelta, ...] | None:
        """The office-time shifts that lead from the receipt promise to the current due time, in order, or
        None when an apology or a restarted clock set the current due time on its own (ADR 0512)."""
        if any(entry.rule in _OWN_DUE_RULES for entry in self.entries):
            return None
        return tuple(
            entry.waited_working if entry.waited_working is not None else timedelta()
            for entry in self.entries
            if entry.rule in _SHIFT_RULES
        )

    def with_entry(self, entry: LedgerEntry) -> ClockLedger:
        clock_start = entry.clock_start_at if entry.clock_start_at is not None else self.clock_start_at
        promise = (
            entry.corrected_promise_at if entry.corrected_promise_at is not None else self.original_due_at
        )
        return replace(
            self, entries=(*self.entries, entry), clock_start_at=clock_start, original_due_at=promise
        )

    def stop(self, stop: ClockStop) -> ClockLedger:
        return replace(self, stopped=stop)

    def run(self) -> ClockLedger:
        return replace(self, stopped=None)
