"""The base every public contract model shares: immutable, and closed to fields it does not declare."""

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    # Producers must not be able to smuggle fields past the schema; readers of newer minor versions
    # relax this per call in the codec (ADR 0102), never here.
    model_config = ConfigDict(frozen=True, extra="forbid")
