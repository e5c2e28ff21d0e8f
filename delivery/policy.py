"""The deployment's answers for result delivery where domain.md leaves a choice (ADR 0600, 0601)."""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts.enums import NotificationChannel

# Criteria of the satisfaction form (golden example: thai-do-phuc-vu, thoi-gian-giai-quyet); each scored 1–5.
DEFAULT_RATING_CRITERIA = frozenset(
    {
        "thai-do-phuc-vu",  # attitude of the officers
        "thoi-gian-giai-quyet",  # handling time
        "huong-dan-ho-so",  # guidance on the dossier
        "ket-qua-giai-quyet",  # correctness of the result
        "co-so-vat-chat",  # premises and equipment
    }
)


@dataclass(frozen=True)
class DeliveryPolicy:
    """- ``notification_channels``: channels tried for every message, in order, where the applicant is
      reachable (SMS needs a phone, e-mail an address, the portal inbox an online dossier).
    - ``max_send_attempts``: a message that failed this often is abandoned (recorded, never sent).
    - ``require_early_return_notice``: refuse to hand a result over before the promised time unless an
      early-return notice was requested (NĐ61 Art 20: early return needs notice in advance). Off by
      default: an applicant standing at the counter has been informed.
    - ``auto_request_postal_pickup``: when a result is ready and the applicant chose postal return, ask the
      postal partner to collect it without waiting for an officer (§4.7).
    - ``online_return_on_data_store``: a result pushed to the applicant's e-data store counts as returned
      online (the applicant has it), when nothing else (originals, fees) is pending.
    - ``rating_criteria``: the criteria the rating form may score.
    - ``kiosk_authorised_pickup``: whether a result locker may hand the result to an authorised person
      (with an authorisation reference) instead of the applicant in person. Off by default: nobody at a
      locker can look at the authorisation paper (ADR 0650, domain.md §7.9).
    """

    notification_channels: tuple[NotificationChannel, ...] = (
        NotificationChannel.SMS,
        NotificationChannel.EMAIL,
        NotificationChannel.PORTAL,
    )
    max_send_attempts: int = 5
    require_early_return_notice: bool = False
    auto_request_postal_pickup: bool = True
    online_return_on_data_store: bool = True
    rating_criteria: frozenset[str] = field(default_factory=lambda: DEFAULT_RATING_CRITERIA)
    kiosk_authorised_pickup: bool = False
