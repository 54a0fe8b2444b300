"""HTTP routes of sessions; each function name (`launch_session`, `join`) starts an operationId."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from lobbyd.auth.principal import Principal, authenticate
from lobbyd.errors import error_responses
from lobbyd.hosts.schemas import GuestId
from lobbyd.kit.etags import none_match
from lobbyd.kit.ids import MAX_ID
from lobbyd.schemas import JSONRoute
from lobbyd.sessions.ice import IceAnswer
from lobbyd.sessions.schemas import (
    Heartbeat,
    HeartbeatAnswer,
    Joined,
    JoinRequest,
    LaunchRequest,
    Session,
    SessionRef,
    SessionUpdate,
    SessionView,
    Welcome,
)
from lobbyd.sessions.service import SessionsService


async def sessions_service(request: Request) -> SessionsService:
    """The app's sessions service."""
    service: SessionsService = request.app.state.sessions
    return service


Service = Annotated[SessionsService, Depends(sessions_service)]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="a session id")]

router = APIRouter(tags=["sessions"], dependencies=[Depends(authenticate)], route_class=JSONRoute)
#: Open to anyone: the public keys join tickets are signed with.
public = APIRouter(tags=["sessions"], route_class=JSONRoute)

_LOCATION = {"Location": {"description": "/sessions/{id}", "schema": {"type": "string"}}}


def _located(body: SessionRef, status: int) -> JSONResponse:
    return JSONResponse(
        body.model_dump(), status, headers={"Location": f"/sessions/{body.session_id}"}
    )


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionRef,
    responses={
        200: {
            "model": SessionRef,
            "description": "the host's existing session",
            "headers": _LOCATION,
        },
        201: {"description": "a new session", "headers": _LOCATION},
        **error_responses(400, 401, 403, 404, 409, 503),
    },
    summary="launch session",
)
async def launch_session(body: LaunchRequest, principal: Principal, service: Service) -> Response:
    """Launch the host's session (201), or answer its active one (200): launch is idempotent.
    409 when the host is a guest in another session; 503 when the sync store is away."""
    launched = await service.launch(principal, body)
    return _located(launched.ref, 201 if launched.created else 200)


@router.post(
    "/sessions/players",
    response_model=Joined,
    responses={
        200: {"description": "Player successfully joined the session.", "headers": _LOCATION},
        **error_responses(400, 401, 403, 404, 503),
    },
    summary="Join a session as a player",
)
async def join(body: JoinRequest, principal: Principal, service: Service) -> Response:
    """Join `guest` to `host`'s session. The caller is the guest itself, an admin, or the host
    for a noname (a guest without an account); a host naming a registered guest is 403. The
    answer carries a signed `ticket` for the host's game to check the guest offline."""
    joined = await service.join(principal, str(body.host), body.guest)
    return _located(joined, 200)


@router.get(
    "/sessions/{session_id}",
    response_model=SessionView,
    responses={
        304: {"description": "Not Modified: If-None-Match names the current ETag"},
        **error_responses(401, 404, 503),
    },
    summary="get session",
)
async def get_session(
    session_id: SessionId,
    principal: Principal,
    service: Service,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Members see everything (members, connection, key); anyone else sees an open session's
    public fields; a private session is 404 to non-members."""
    view, tag = await service.get(principal, session_id)
    if none_match(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(view.model_dump(), headers={"ETag": tag})


@router.patch(
    "/sessions/{session_id}",
    response_model=Session,
    responses=error_responses(400, 401, 403, 404, 503),
    summary="update session",
)
async def update_session(
    session_id: SessionId, body: SessionUpdate, principal: Principal, service: Service
) -> Session:
    """The host changes visibility, keywords, labels, connection or turn."""
    return await service.update(principal, session_id, body)


@router.delete(
    "/sessions/{session_id}",
    status_code=204,
    responses=error_responses(401, 403, 404, 503),
    summary="end session",
)
async def end_session(session_id: SessionId, principal: Principal, service: Service) -> Response:
    """The host ends its session; members get `session_ended`."""
    await service.lifecycle.end(principal, session_id)
    return Response(status_code=204)


@router.delete(
    "/sessions/{session_id}/players/{guest:path}",
    status_code=204,
    responses=error_responses(400, 401, 403, 404, 503),
    summary="leave or kick",
)
async def leave(
    session_id: SessionId,
    guest: Annotated[GuestId, Path()],
    principal: Principal,
    service: Service,
) -> Response:
    """The guest leaves (caller = guest) or the host kicks it (caller = host or admin)."""
    await service.lifecycle.remove(principal, session_id, guest)
    return Response(status_code=204)


@router.get(
    "/sessions/{session_id}/ice",
    response_model=IceAnswer,
    response_model_exclude_none=True,
    responses=error_responses(401, 404, 503),
    summary="ice servers",
)
async def ice(session_id: SessionId, principal: Principal, service: Service) -> IceAnswer:
    """The STUN and TURN servers for WebRTC's `iceServers`, TURN with credentials bound to
    the caller and valid for LOBBYD_TURN_TTL seconds (members and admins; anyone else 404
    no_session, as for a session that is not there). Nothing configured: `ice_servers: []`."""
    return await service.ice(principal, session_id)


@router.post(
    "/sessions/{session_id}/heartbeat",
    response_model=HeartbeatAnswer,
    responses=error_responses(401, 403, 404, 503),
    summary="heartbeat",
)
async def heartbeat(
    session_id: SessionId,
    principal: Principal,
    service: Service,
    body: Annotated[Heartbeat | None, Body()] = None,
) -> HeartbeatAnswer:
    """Show life. The host keeps its session alive this way (or with an open sync socket) and
    may list nonames present in its game (they cannot call) to keep them active; registered
    guests it lists are ignored, since they show their own life."""
    await service.lifecycle.heartbeat(principal, session_id, body.players if body else [])
    timeout = service.timing.timeout
    return HeartbeatAnswer(timeout=int(timeout) if float(timeout).is_integer() else timeout)


@router.get(
    "/hosts/{host}/welcome",
    response_model=Welcome,
    responses=error_responses(401, 403, 404, 503),
    summary="welcome check",
    tags=["hosts"],
)
async def welcome(
    host: Annotated[UUID, Path()],
    guest: Annotated[GuestId, Query(description="a host uuid or a noname's id")],
    principal: Principal,
    service: Service,
) -> Welcome:
    """Would `guest` be admitted now, and which rule decides (the host only; a refused guest
    is never told the reason)."""
    return await service.welcome(principal, str(host), guest)


@public.get("/.well-known/jwks.json", summary="join ticket keys")
async def jwks(request: Request) -> dict[str, Any]:
    """The public keys (JWKS) that verify join tickets."""
    keys: dict[str, Any] = request.app.state.tickets.jwks()
    return keys
