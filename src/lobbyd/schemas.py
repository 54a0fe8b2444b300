"""Bodies shared by every package."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """Every error body except 422: `message` for people, `code` for programs."""

    message: str
    code: str


class StrictBody(BaseModel):
    """A request body that rejects unknown fields (422)."""

    model_config = ConfigDict(extra="forbid")
