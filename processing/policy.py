"""The deployment's answers to what domain.md leaves open for processing (ADRs 0500–0511 record the defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.enums import Channel


class LateAction(StrEnum):
    """What to do with an act the law wants earlier than it came: record it with a flag, or refuse it."""

    FLAG = "FLAG"
    REFUSE = "REFUSE"


class PaymentClock(StrEnum):
    """Whether the handling clock stops while the applicant pays a financial obligation (domain.md §7.7)."""

    PER_PROCEDURE = "PER_PROCEDURE"  # only if the catalogue lists FINANCIAL_OBLIGATION among its exclusions
    ALWAYS = "ALWAYS"
    NEVER = "NEVER"


@dataclass(frozen=True)
class ProcessingPolicy:
    """Switches for contested or local rules; every one is recorded with the deployment.

    - ``electronic_channels``: dossiers received on these channels are electronic, so an inter-agency flow
      sends them to every partner at once (NĐ61 Art 19(6)); others go agency after agency.
    - ``late_apology``: an apology later than one working day before the due date (FLAG, as form 04 allows
      it to be registered and marked, or REFUSE).
    - ``late_rejection``: a rejection after the due time (FLAG: the law demands it within the limit, but
      refusing to record a decision does not make it earlier).
    - ``supplement_request_working_days``: the post-receipt supplement request should be sent within this
      many working days of receipt (NĐ61 Art 19(4)); later requests are flagged.
    - ``payment_clock``: whether waiting for a financial obligation stops the clock.
    - ``partner_answers_by_lead``: whether the lead agency may record a partner agency's answer to its task
      (paper slips come back to it; domain.md names no rule), besides the partner itself (ADR 0531).
    """

    electronic_channels: frozenset[Channel] = frozenset({Channel.ONLINE})
    late_apology: LateAction = LateAction.FLAG
    late_rejection: LateAction = LateAction.FLAG
    supplement_request_working_days: int = 3
    payment_clock: PaymentClock = PaymentClock.PER_PROCEDURE
    partner_answers_by_lead: bool = True

    def __post_init__(self) -> None:
        # Settings arrive as text from the environment; keep the enumerations exact.
        object.__setattr__(
            self, "electronic_channels", frozenset(Channel(c) for c in self.electronic_channels)
        )
        object.__setattr__(self, "late_apology", LateAction(self.late_apology))
        object.__setattr__(self, "late_rejection", LateAction(self.late_rejection))
        object.__setattr__(self, "payment_clock", PaymentClock(self.payment_clock))
        if self.supplement_request_working_days < 0:
            raise ValueError("supplement_request_working_days cannot be negative")
