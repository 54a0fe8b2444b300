"""Domain errors: each carries its HTTP status and a stable snake_case code."""

from __future__ import annotations

from lobbyd.schemas import ERROR_CODES, ErrorBody


class LobbydError(Exception):
    """An error a client caused or must handle; rendered as {"message", "code"}."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.headers = headers or {}
        #: Further fields of the body (ErrorBody declares each), e.g. `reason`.
        self.extra = extra or {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        """A subclass's own code must be registered (checked on import, so at every start)."""
        super().__init_subclass__(**kwargs)
        if cls.code not in ERROR_CODES:
            raise TypeError(f"{cls.__name__}.code {cls.code!r} is not in schemas.ERROR_CODES")


class BadRequest(LobbydError):
    """400: the request is well-formed but breaks a rule."""

    status = 400
    code = "bad_request"


class Unauthorized(LobbydError):
    """401: no valid credentials; the header says which scheme to use."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str = "authentication required", *, scheme: str = "Bearer"):
        challenge = 'Basic realm="lobbyd"' if scheme == "Basic" else 'Bearer realm="lobbyd"'
        super().__init__(message, headers={"WWW-Authenticate": challenge})


class Forbidden(LobbydError):
    """403: authenticated, but not allowed to act on this."""

    status = 403
    code = "forbidden"


class NotFound(LobbydError):
    """404."""

    status = 404
    code = "not_found"


class Conflict(LobbydError):
    """409."""

    status = 409
    code = "conflict"


class PreconditionFailed(LobbydError):
    """412: If-Match named a version that is no longer current."""

    status = 412
    code = "precondition_failed"


class PayloadTooLarge(LobbydError):
    """413."""

    status = 413
    code = "too_large"


class UnsupportedMediaType(LobbydError):
    """415: the body's Content-Type is not one the operation takes."""

    status = 415
    code = "unsupported_media_type"


class RateLimited(LobbydError):
    """429 with Retry-After."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many requests; retry after {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


class Unavailable(LobbydError):
    """503: a backing service (database or sync store) cannot be reached."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str = "a backing service is unavailable; retry shortly") -> None:
        super().__init__(message, headers={"Retry-After": "1"})


NOT_FOUND_THIS = "this host does not exist (never registered, or deleted)"
NOT_FOUND_OTHER = "the host or list entry this request names does not exist"


def not_found_this() -> NotFound:
    """The caller's own host (or the host logging in) does not exist."""
    return NotFound(NOT_FOUND_THIS, "not_found_this")


def not_found_other() -> NotFound:
    """Another host (or list entry) the request names does not exist."""
    return NotFound(NOT_FOUND_OTHER, "not_found_other")


_DESCRIPTIONS = {
    400: "Bad Request: the request breaks a rule (see code)",
    401: "Unauthorized: missing, malformed, expired or revoked credentials",
    403: "Forbidden: the caller may not act on this",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed: If-Match names an older version",
    413: "Payload Too Large",
    415: "Unsupported Media Type: the Content-Type header names a type the operation does not take",
    429: "Too Many Requests: see Retry-After",
    503: "Service Unavailable: the database or the sync store is unreachable (code unavailable)",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI declarations of error statuses, all with the {"message", "code"} body."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS.get(status, "Error")}
        for status in statuses
    }
