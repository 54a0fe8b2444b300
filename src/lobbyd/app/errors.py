"""One place that renders every error as {"message", "code"} (422 keeps FastAPI's shape)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from lobbyd.errors import LobbydError

log = logging.getLogger("lobbyd")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _body(message: str, code: str) -> dict[str, str]:
    return {"message": message, "code": code}


async def lobbyd_error(request: Request, exc: Exception) -> JSONResponse:
    """A domain error: its own status, code and headers."""
    assert isinstance(exc, LobbydError)
    return JSONResponse(_body(exc.message, exc.code), exc.status, headers=exc.headers)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (unknown path, wrong method, malformed Basic credentials)."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else phrase
    code = _CODES.get(status, phrase.lower().replace(" ", "_").replace("-", "_"))
    return JSONResponse(_body(message.lower(), code), status, headers=exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Anything else: logged with its traceback, answered without one."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(_body("internal error", "internal"), 500)


def install(app: FastAPI) -> None:
    """Register the handlers."""
    app.add_exception_handler(LobbydError, lobbyd_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
