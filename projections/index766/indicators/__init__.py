"""Indicator calculators, one function per indicator, registered under the names rulesets refer to."""

from __future__ import annotations

from .base import Calculator, Tally
from .digitisation import (
    citizen_data_dossiers,
    citizen_data_procedures,
    data_store_connected,
    digitised_dossiers,
    electronic_certified_copy,
    original_result_available,
    reused_digitised_data,
)
from .online import (
    counter_dossier_share,
    dossiers_paid_online,
    fee_procedures_paid_online,
    fee_procedures_with_fee_dossiers,
    full_online_dossiers,
    full_online_procedures,
    online_dossier_share,
    online_services_used,
    postal_dossier_share,
    procedures_online,
)
from .progress import average_handling_time, dossiers_on_time
from .publicity import dossier_sync, public_content_full, public_update_on_time, publish_on_time
from .satisfaction import (
    dossier_satisfaction,
    petition_satisfaction,
    petitions_about_procedures,
    petitions_about_staff,
    petitions_on_time,
)

CALCULATORS: dict[str, Calculator] = {
    "publish_on_time": publish_on_time,
    "public_update_on_time": public_update_on_time,
    "public_content_full": public_content_full,
    "dossier_sync": dossier_sync,
    "dossiers_on_time": dossiers_on_time,
    "average_handling_time": average_handling_time,
    "procedures_online": procedures_online,
    "online_services_used": online_services_used,
    "online_dossier_share": online_dossier_share,
    "counter_dossier_share": counter_dossier_share,
    "postal_dossier_share": postal_dossier_share,
    "full_online_dossiers": full_online_dossiers,
    "full_online_procedures": full_online_procedures,
    "dossiers_paid_online": dossiers_paid_online,
    "fee_procedures_paid_online": fee_procedures_paid_online,
    "fee_procedures_with_fee_dossiers": fee_procedures_with_fee_dossiers,
    "original_result_available": original_result_available,
    "digitised_dossiers": digitised_dossiers,
    "electronic_certified_copy": electronic_certified_copy,
    "reused_digitised_data": reused_digitised_data,
    "data_store_connected": data_store_connected,
    "citizen_data_dossiers": citizen_data_dossiers,
    "citizen_data_procedures": citizen_data_procedures,
    "petitions_about_procedures": petitions_about_procedures,
    "petitions_about_staff": petitions_about_staff,
    "petitions_on_time": petitions_on_time,
    "petition_satisfaction": petition_satisfaction,
    "dossier_satisfaction": dossier_satisfaction,
}

__all__ = ["CALCULATORS", "Calculator", "Tally"]
