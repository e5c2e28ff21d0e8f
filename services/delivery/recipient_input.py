"""The person taking a result (at the counter, a kiosk or the postman's door), as both HTTP APIs of the
delivery context read it: delivery-api and the postal partner's API record the same E25 recipient."""

from pydantic import BaseModel, Field, field_validator

from contracts.enums import IdDocumentType
from contracts.fields import IdNumber
from delivery.values import Recipient


class RecipientIn(BaseModel):
    """The person taking the result, as read from their identity document.

    Values are tidied the way an officer or a card reader types them (spaces around, a passport number in
    lower case, an empty authorisation box), so what E25 records is what the contract accepts, and an
    impossible number is refused here, on its field, rather than as a contract violation later.
    """

    model_config = {"extra": "forbid"}
    name: str = Field(min_length=1, max_length=200)
    id_type: IdDocumentType = IdDocumentType.CCCD
    id_number: IdNumber
    authorised: bool = False
    authorisation_ref: str | None = Field(default=None, max_length=100)

    @field_validator("name", mode="before")
    @classmethod
    def _trimmed(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("id_number", mode="before")
    @classmethod
    def _as_printed(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("authorisation_ref", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    def value(self) -> Recipient:
        return Recipient(self.name, self.id_type, self.id_number, self.authorised, self.authorisation_ref)
