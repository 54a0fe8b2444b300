"""HTTP and WebSocket routes of the sync API (docs/sync.md).

A document's ETag is its version, `"v17"`. Request bodies are parsed here rather than by
FastAPI's model binding: PATCH must say `application/merge-patch+json`, every body must be a
JSON object of portable JSON (kit.strictjson: no NaN, no number beyond a double, no lone
surrogates, bounded depth), and the hot write path skips a validation pass over documents of up
to 64 KiB.
"""

from __future__ import annotations

from json import JSONDecodeError
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lobbyd.auth.principal import Principal, authenticate
from lobbyd.errors import UnsupportedMediaType, error_responses
from lobbyd.kit.etags import none_match
from lobbyd.schemas import JSONRoute, StrictBody
from lobbyd.store.base import JSON, Change
from lobbyd.sync import ws
from lobbyd.sync.service import Condition, SyncService, etag
from lobbyd.sync.signals import Signals

MERGE_PATCH = "application/merge-patch+json"


class SyncDocument(BaseModel):
    """A session's source of truth: `state` (the host's) and one sub-document per member."""

    version: int
    state: dict[str, Any]
    members: dict[str, dict[str, Any]]


class Written(BaseModel):
    """The version a write made (also the new ETag, `"v<version>"`)."""

    version: int


async def sync_service(request: Request) -> SyncService:
    """The app's sync service."""
    service: SyncService = request.app.state.sync
    return service


async def write_condition(
    if_match: Annotated[
        str | None, Header(description='"vN": write only if the document is at version N')
    ] = None,
) -> Condition:
    """The If-Match condition of a write."""
    return Condition.parse(if_match)


async def json_object(request: Request) -> JSON:
    """A JSON object body (Content-Type application/json or any +json, or none)."""
    media = _media_type(request)
    if media and media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType(f"send application/json, not {media}")
    return await _object(request)


async def merge_patch(request: Request) -> JSON:
    """An RFC 7396 merge patch: a JSON object sent as application/merge-patch+json."""
    media = _media_type(request)
    if media != MERGE_PATCH:
        raise UnsupportedMediaType(f"send the patch as {MERGE_PATCH}, not {media or 'nothing'}")
    return await _object(request)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def _object(request: Request) -> JSON:
    try:
        value = await request.json()  # the routes' JSONRequest: kit.strictjson, depth bounded
    except ValueError as error:
        reason = error.msg if isinstance(error, JSONDecodeError) else str(error)
        problem = {"type": "json_invalid", "loc": ["body"], "msg": f"invalid JSON: {reason}"}
        raise RequestValidationError([problem]) from None
    if not isinstance(value, dict):
        kind = type(value).__name__
        problem = {"type": "dict_type", "loc": ["body"], "msg": f"expected an object, not {kind}"}
        raise RequestValidationError([problem])
    return value


Service = Annotated[SyncService, Depends(sync_service)]
Key = Annotated[str, Path(description="a session's source_of_truth_key")]
Player = Annotated[str, Path(min_length=1, max_length=128, description="a member's id")]
IfMatch = Annotated[Condition, Depends(write_condition)]
StateBody = Annotated[JSON, Depends(json_object)]
PatchBody = Annotated[JSON, Depends(merge_patch)]

_OBJECT = {"type": "object", "additionalProperties": True}
_ETAG = {"ETag": {"description": '"v<version>"', "schema": {"type": "string"}}}
_WRITE_ERRORS = error_responses(401, 403, 404, 409, 412, 413, 415, 503)


def _body(media: str, description: str) -> dict[str, Any]:
    content = {media: {"schema": _OBJECT}}
    return {"requestBody": {"required": True, "description": description, "content": content}}


def _written(change: Change) -> Response:
    body = b'{"version":%d}' % change.version
    return Response(body, media_type="application/json", headers={"ETag": etag(change.version)})


#: HTTP routes: a bearer token is required before any route runs.
router = APIRouter(tags=["sync"], dependencies=[Depends(authenticate)], route_class=JSONRoute)


@router.get(
    "/sync/{key}",
    response_model=SyncDocument,
    responses={
        200: {"headers": _ETAG},
        304: {"description": "Not Modified: If-None-Match names the current ETag"},
        **error_responses(401, 404, 503),
    },
    summary="get document",
)
async def get_document(
    key: Key,
    principal: Principal,
    service: Service,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The document `{version, state, members}` with ETag `"v<version>"` (members and admins;
    anyone else, and unknown keys, 404 no_document)."""
    document = await service.get(principal, key)
    tag = etag(document.version)
    if none_match(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(document.as_json(), headers={"ETag": tag})


@router.put(
    "/sync/{key}",
    response_model=Written,
    responses={200: {"headers": _ETAG}, **_WRITE_ERRORS},
    openapi_extra=_body("application/json", "the new state object"),
    summary="replace state",
)
async def put_state(
    key: Key, principal: Principal, service: Service, state: StateBody, condition: IfMatch
) -> Response:
    """The host replaces the state with the body. 412 when If-Match names another version;
    409 session_ended once the session ended; 413 past the state limit."""
    return _written(await service.put_state(principal, key, state, condition))


@router.patch(
    "/sync/{key}",
    response_model=Written,
    responses={200: {"headers": _ETAG}, **_WRITE_ERRORS},
    openapi_extra=_body(MERGE_PATCH, "an RFC 7396 merge patch of the state"),
    summary="patch state",
)
async def patch_state(
    key: Key, principal: Principal, service: Service, patch: PatchBody, condition: IfMatch
) -> Response:
    """The host merges an RFC 7396 patch into the state (415 unless the body is sent as
    application/merge-patch+json)."""
    return _written(await service.patch_state(principal, key, patch, condition))


@router.put(
    "/sync/{key}/members/{player:path}",
    response_model=Written,
    responses={200: {"headers": _ETAG}, **_WRITE_ERRORS},
    openapi_extra=_body("application/json", "the member's new sub-document"),
    summary="replace member document",
)
async def put_member(
    key: Key,
    player: Player,
    principal: Principal,
    service: Service,
    document: StateBody,
    condition: IfMatch,
) -> Response:
    """A member replaces its own sub-document (403 for another member's; admins may write
    any member's)."""
    return _written(await service.put_member(principal, key, player, document, condition))


class SignalRequest(StrictBody):
    """A signal for another member's open sync sockets."""

    to: Annotated[str, Field(min_length=1, max_length=128, description="the addressee")]
    data: Annotated[
        dict[str, Any], Field(description="any JSON object, at most 16 KiB of compact JSON")
    ]


async def signals_service(request: Request) -> Signals:
    """The app's signaling."""
    signals: Signals = request.app.state.signals
    return signals


@router.post(
    "/sync/{key}/signals",
    status_code=202,
    responses={
        202: {"description": "Accepted: handed to the addressee's open sockets, if any"},
        **error_responses(401, 404, 409, 413, 429, 503),
    },
    summary="send signal",
)
async def send_signal(
    key: Key,
    body: SignalRequest,
    principal: Principal,
    signals: Annotated[Signals, Depends(signals_service)],
) -> Response:
    """Send `data` to the addressee's open sync sockets as `{"type": "signal", "from",
    "data"}`: ephemeral (never stored or replayed), at most once, in order per sender and
    addressee. 409 not_member when the addressee is not a member; 413 past 16 KiB; 429 past
    LOBBYD_SIGNAL_RATE a second; members and admins only (anyone else 404 no_document)."""
    await signals.post(principal, key, body.to, body.data)
    return Response(status_code=202)


#: Authenticates during the handshake itself (header, `bearer.` subprotocol or `token` parameter):
#: see sync.ws.
sockets = APIRouter(tags=["sync"])


@sockets.websocket("/sync/{key}/ws")
async def sync_socket(websocket: WebSocket, key: str) -> None:
    """The live document: a snapshot, then every change in order (protocol: docs/sync.md)."""
    state = websocket.app.state
    await ws.serve(websocket, key, state.sync, state.authenticator, state.signals)
