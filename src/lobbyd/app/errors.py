"""One place that renders every error as {"message", "code"} (422 keeps FastAPI's shape)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from lobbyd.errors import LobbydError
from lobbyd.schemas import ERROR_CODES

log = logging.getLogger("lobbyd")

#: Characters of an unencodable input shown in a 422.
_INPUT_SHOWN = 200

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


def _registered(code: str) -> str | None:
    return code if code in ERROR_CODES else None


def _body(message: str, code: str) -> dict[str, str]:
    return {"message": message, "code": code}


async def lobbyd_error(request: Request, exc: Exception) -> JSONResponse:
    """A domain error: its own status, code and headers."""
    assert isinstance(exc, LobbydError)
    body = {**_body(exc.message, exc.code), **exc.extra}
    return JSONResponse(body, exc.status, headers=exc.headers)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (unknown path, wrong method, malformed Basic credentials)."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else phrase
    code = _CODES.get(status) or _registered(phrase.lower().replace(" ", "_").replace("-", "_"))
    if code is None:  # a status without a code of its own still answers a registered one
        code = "internal" if status >= 500 else "bad_request"
    return JSONResponse(_body(message.lower(), code), status, headers=exc.headers)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 in FastAPI's shape, saying in words what pydantic's terse messages leave out. An
    `input` that JSON cannot carry (NaN, Infinity, a value too deep to encode) is shown as text,
    so a refusal can never turn into a 500."""
    assert isinstance(exc, RequestValidationError)
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    problems = [_explain_body(error, media) for error in exc.errors()]
    try:
        return JSONResponse({"detail": jsonable_encoder(problems)}, 422)
    except (ValueError, TypeError, RecursionError):
        shown = [{**problem, "input": _text(problem.get("input"))} for problem in problems]
        return JSONResponse({"detail": jsonable_encoder(shown)}, 422)


def _text(value: object) -> str:
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text[:_INPUT_SHOWN]


def _explain_body(error: dict[str, Any], media: str) -> dict[str, Any]:
    """FastAPI reads a body as JSON only when the request says so; without that header a JSON
    body reaches validation as a string, "not a valid dictionary"."""
    if tuple(error.get("loc", ())) != ("body",):
        return error
    terse = str(error.get("msg", "")).startswith("Input should be a valid dictionary")
    if not terse and error.get("type") != "missing":
        return error
    if media != "application/json" and not media.endswith("+json"):
        sent = f"content-type: {media}" if media else "no content-type"
        message = (
            "the body must be JSON, sent with content-type: application/json "
            f"(the request sent {sent})"
        )
        # The raw bytes of a body that was not read as JSON are not echoed back.
        return {key: value for key, value in error.items() if key != "input"} | {"msg": message}
    if terse:
        return {**error, "msg": "the body must be a JSON object"}
    return {**error, "msg": "a JSON object body is required"}


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Anything else: logged with its traceback, answered without one."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(_body("internal error", "internal"), 500)


def install(app: FastAPI) -> None:
    """Register the handlers."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(LobbydError, lobbyd_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
