"""HTTP routes of the directory; see docs/directory.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from lobbyd.auth.principal import Principal, authenticate
from lobbyd.directory.schemas import (
    AdminSessionQuery,
    Invite,
    Platform,
    PlatformSession,
    PlatformSessionId,
    PlatformSessionLink,
    PlayerRequest,
    PlayerSessions,
    QueryPage,
    Reservation,
    SessionQuery,
    Tagged,
)
from lobbyd.directory.service import DirectoryService
from lobbyd.errors import error_responses
from lobbyd.hosts.schemas import GuestId
from lobbyd.kit.etags import none_match
from lobbyd.kit.ids import MAX_ID
from lobbyd.schemas import JSONRoute


async def directory_service(request: Request) -> DirectoryService:
    """The app's directory service."""
    service: DirectoryService = request.app.state.directory
    return service


Service = Annotated[DirectoryService, Depends(directory_service)]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="a session id")]
Player = Annotated[GuestId, Path(description="a host uuid, or a noname's id")]
IfNoneMatch = Annotated[str | None, Header()]

router = APIRouter(tags=["directory"], dependencies=[Depends(authenticate)], route_class=JSONRoute)
#: Reads for operators (admin tokens only), such as the console's session list.
admin = APIRouter(tags=["admin"], dependencies=[Depends(authenticate)], route_class=JSONRoute)

_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: If-None-Match names the current ETag"}
}
_JSON = "application/json"
_ETAG = {"ETag": {"description": "the version of this body", "schema": {"type": "string"}}}


def _conditional(found: Tagged, if_none_match: str | None, status: int = 200) -> Response:
    if none_match(if_none_match, found.etag):
        return Response(status_code=304, headers={"ETag": found.etag})
    return Response(found.body, status, headers={"ETag": found.etag}, media_type=_JSON)


@router.get(
    "/players/{player:path}/sessions",
    response_model=PlayerSessions,
    responses={200: {"headers": _ETAG}, **_NOT_MODIFIED, **error_responses(401, 403, 503)},
    summary="get player sessions",
)
async def get_player_sessions(
    player: Player, principal: Principal, service: Service, if_none_match: IfNoneMatch = None
) -> Response:
    """The sessions a player is a member of, invited to, or holds a seat in, grouped by session
    type (RallyHere's shape). The player themselves, or session:read-player:any; else 403."""
    found = await service.player_sessions(principal, player)
    return _conditional(found, if_none_match)


@router.get(
    "/sessions",
    response_model=QueryPage,
    responses=error_responses(400, 401, 403, 503),
    summary="query sessions",
)
async def query_sessions(
    query: Annotated[SessionQuery, Query()], principal: Principal, service: Service
) -> Response:
    """Active sessions by keyword, player and type, a page at a time (MPSD's rules). With no
    keyword and no player: the sessions tied to the caller's token (an admin: all)."""
    page = await service.query(principal, query)
    return Response(page.model_dump_json(), media_type=_JSON)


@admin.get(
    "/admin/sessions",
    response_model=QueryPage,
    responses=error_responses(400, 401, 403, 503),
    summary="list every session",
)
async def admin_sessions(
    query: Annotated[AdminSessionQuery, Query()], principal: Principal, service: Service
) -> Response:
    """Every active session, private ones included, optionally of one host or carrying a
    keyword, in session-id order a page at a time (admin tokens only: 403 otherwise). 400
    `bad_cursor` for a cursor made for other filters."""
    page = await service.admin_sessions(principal, query)
    return Response(page.model_dump_json(), media_type=_JSON)


@router.post(
    "/sessions/{session_id}/invites",
    status_code=201,
    response_model=Invite,
    responses={
        200: {"model": Invite, "description": "the player was invited already"},
        201: {"description": "a new invite"},
        **error_responses(400, 401, 403, 404, 503),
    },
    summary="invite",
)
async def invite(
    session_id: SessionId, body: PlayerRequest, principal: Principal, service: Service
) -> Response:
    """The host invites a player: the invite lets it past only_friends and allow_nonames
    (never past the banlist) until it joins, declines, or the host revokes it."""
    found, created = await service.holds.invite(principal, session_id, body.player)
    return JSONResponse(found.model_dump(), 201 if created else 200)


@router.get(
    "/sessions/{session_id}/invites",
    response_model=list[Invite],
    responses=error_responses(401, 403, 404, 503),
    summary="list invites",
)
async def list_invites(
    session_id: SessionId, principal: Principal, service: Service
) -> list[Invite]:
    """The session's pending invites (host or admin)."""
    return await service.holds.invites(principal, session_id)


@router.delete(
    "/sessions/{session_id}/invites/{player:path}",
    status_code=204,
    responses=error_responses(401, 403, 404, 503),
    summary="decline or revoke an invite",
)
async def delete_invite(
    session_id: SessionId, player: Player, principal: Principal, service: Service
) -> Response:
    """The invited player declines, or the host revokes; 404 no_invite when there is none."""
    await service.holds.uninvite(principal, session_id, player)
    return Response(status_code=204)


@router.post(
    "/sessions/{session_id}/reservations",
    status_code=201,
    response_model=Reservation,
    responses={
        200: {"model": Reservation, "description": "a live reservation, now extended"},
        201: {"description": "a new reservation"},
        **error_responses(400, 401, 403, 404, 503),
    },
    summary="reserve",
)
async def reserve(
    session_id: SessionId, body: PlayerRequest, principal: Principal, service: Service
) -> Response:
    """The host holds a seat for a player for LOBBYD_RESERVATION_TIMEOUT; it counts against
    capacity, lets the player past only_friends and allow_nonames, and joining uses it up."""
    found, created = await service.holds.reserve(principal, session_id, body.player)
    return JSONResponse(found.model_dump(), 201 if created else 200)


@router.delete(
    "/sessions/{session_id}/reservations/{player:path}",
    status_code=204,
    responses=error_responses(401, 403, 404, 503),
    summary="cancel or release a reservation",
)
async def delete_reservation(
    session_id: SessionId, player: Player, principal: Principal, service: Service
) -> Response:
    """The host cancels a reservation, or its player releases it; 404 no_reservation."""
    await service.holds.unreserve(principal, session_id, player)
    return Response(status_code=204)


@router.put(
    "/sessions/{session_id}/platform-sessions/{platform}",
    response_model=PlatformSession,
    responses={
        200: {"description": "the link was updated", "headers": _ETAG},
        201: {"model": PlatformSession, "description": "a new link", "headers": _ETAG},
        **error_responses(401, 403, 404, 409, 503),
    },
    summary="link platform session",
)
async def link_platform_session(
    session_id: SessionId,
    platform: Platform,
    body: PlatformSessionLink,
    principal: Principal,
    service: Service,
) -> Response:
    """The host links its session to the platform's own session (one per platform); 409 when
    another active session holds that platform session."""
    found, created = await service.platforms.link(principal, session_id, platform, body)
    return _conditional(found, None, 201 if created else 200)


@router.get(
    "/platforms/{platform}/platform-sessions/{platform_session_id_base64:path}",
    response_model=PlatformSession,
    responses={200: {"headers": _ETAG}, **_NOT_MODIFIED, **error_responses(401, 403, 404, 503)},
    summary="get platform session",
)
async def get_platform_session(
    platform: Platform,
    platform_session_id_base64: Annotated[PlatformSessionId, Path()],
    principal: Principal,
    service: Service,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """A platform session and the lobbyd session it is linked to, while that one is active.
    Members of that session, session:read:platform or session:* may read it."""
    found = await service.platforms.get(principal, platform, platform_session_id_base64)
    return _conditional(found, if_none_match)


@router.delete(
    "/sessions/{session_id}/platform-sessions/{platform}",
    status_code=204,
    responses=error_responses(401, 403, 404, 503),
    summary="unlink platform session",
)
async def unlink_platform_session(
    session_id: SessionId, platform: Platform, principal: Principal, service: Service
) -> Response:
    """The host removes its session's link on a platform."""
    await service.platforms.unlink(principal, session_id, platform)
    return Response(status_code=204)


@router.delete(
    "/platforms/{platform}/platform-sessions/{platform_session_id_base64:path}",
    status_code=204,
    responses=error_responses(401, 403, 404, 503),
    summary="release platform session",
)
async def release_platform_session(
    platform: Platform,
    platform_session_id_base64: Annotated[PlatformSessionId, Path()],
    principal: Principal,
    service: Service,
) -> Response:
    """An admin (`session:*`) removes a platform session's link, whichever lobbyd session
    holds it: how an operator frees a platform session another host linked first. 403 for
    anyone else; 404 `no_platform_session` when nothing links it."""
    await service.platforms.release(principal, platform, platform_session_id_base64)
    return Response(status_code=204)
