"""What the client raises."""

from __future__ import annotations

from typing import Any


class LobbydClientError(Exception):
    """Anything the lobbyd client raises on purpose."""


class ApiError(LobbydClientError):
    """lobbyd refused a request: the HTTP status and lobbyd's `code` and `message`.

    422 (FastAPI's validation shape) gets code `validation_error` and the details in `body`.
    """

    def __init__(self, status: int, code: str, message: str, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body

    @classmethod
    def from_body(cls, status: int, body: Any) -> ApiError:
        """The error an error response describes."""
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            return cls(status, body["code"], str(body.get("message", "")), body)
        if status == 422 and isinstance(body, dict) and "detail" in body:
            return cls(status, "validation_error", str(body["detail"]), body)
        return cls(status, "http_error", f"HTTP {status}", body)


class SyncError(LobbydClientError):
    """A write over the sync socket was refused: the server's error `code` and `message`."""

    def __init__(self, code: str, message: str, version: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.version = version


class SyncDisconnected(LobbydClientError):
    """The socket dropped before a write was acknowledged: it may or may not have applied
    (send writes with `if_version` to make a retry safe)."""


class SyncRemoved(LobbydClientError):
    """This member left, was kicked or banned: the server closed the socket with 4003."""
