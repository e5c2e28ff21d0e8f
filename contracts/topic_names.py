"""Kafka topic names, `<context>.<aggregate-plural>.v<major>`; the plan around them is in `topics.py`."""

INTAKE_DOSSIERS = "intake.dossiers.v1"
PROCESSING_DOSSIERS = "processing.dossiers.v1"
DELIVERY_DOSSIERS = "delivery.dossiers.v1"
POSTAL_SHIPMENTS = "postal.shipments.v1"
PAYMENT_PAYMENTS = "payment.payments.v1"
PORTAL_DOSSIERS = "portal.dossiers.v1"
PORTAL_PETITIONS = "portal.petitions.v1"
REFERENCE_PROCEDURES = "reference.procedures.v1"
REFERENCE_UNITS = "reference.units.v1"
REFERENCE_CALENDARS = "reference.calendars.v1"

DLQ_SUFFIX = ".dlq"


def dlq_of(topic: str) -> str:
    return topic + DLQ_SUFFIX
