"""HTTP routes of the hosts API; each function name starts its operation's operationId."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from lobbyd.auth.principal import MaybePrincipal, Principal, authenticate
from lobbyd.auth.throttle import throttled
from lobbyd.errors import error_responses
from lobbyd.hosts.schemas import (
    AllowNonames,
    GuestId,
    Host,
    HostPublic,
    OnlyFriends,
    Registered,
    Token,
)
from lobbyd.hosts.service import HostsService
from lobbyd.kit.etags import none_match
from lobbyd.schemas import JSONRoute


async def hosts_service(request: Request) -> HostsService:
    """The app's hosts service."""
    service: HostsService = request.app.state.hosts
    return service


Service = Annotated[HostsService, Depends(hosts_service)]
HostId = Annotated[UUID, Path(description="a host uuid")]
basic = HTTPBasic(auto_error=False, realm="lobbyd", description="host uuid : secret")
BasicCredentials = Annotated[HTTPBasicCredentials | None, Depends(basic)]

#: Open to anyone: registration and login (throttled per client address).
public = APIRouter(prefix="/hosts", tags=["hosts"], route_class=JSONRoute)
#: Everything else: a bearer token is required before any route runs (fails closed).
router = APIRouter(
    prefix="/hosts", tags=["hosts"], dependencies=[Depends(authenticate)], route_class=JSONRoute
)


@public.post(
    "",
    response_model=Registered,
    dependencies=[Depends(throttled("register"))],
    responses=error_responses(429, 503),
    summary="register",
)
async def register(service: Service) -> Registered:
    """Register a host. The answer carries `secret`, the login password, shown only here."""
    return await service.register()


@public.get(
    "/{host}/access_token",
    response_model=Token,
    dependencies=[Depends(throttled("login"))],
    responses=error_responses(401, 404, 429, 503),
    summary="login by host uuid",
)
async def login(host: HostId, service: Service, credentials: BasicCredentials) -> Token:
    """Log in with HTTP Basic (user = host uuid, password = secret) for a bearer token."""
    user, password = (credentials.username, credentials.password) if credentials else (None, None)
    return await service.login(str(host), user, password)


@public.post(
    "/{host}/secret",
    response_model=Registered,
    dependencies=[Depends(throttled("login"))],
    responses=error_responses(401, 403, 404, 429, 503),
    summary="rotate the secret",
)
async def rotate_secret(
    host: HostId,
    service: Service,
    credentials: BasicCredentials,
    principal: MaybePrincipal,
) -> Registered:
    """Replace the secret and revoke every token issued before. Prove the current secret with
    HTTP Basic, or call with an admin token (for a host that lost its secret)."""
    user, password = (credentials.username, credentials.password) if credentials else (None, None)
    return await service.rotate_secret(str(host), principal, user, password)


@router.get(
    "/access_token/renew",
    response_model=Token,
    responses=error_responses(401, 404, 503),
    summary="renew token",
)
async def renew(principal: Principal, service: Service) -> Token:
    """A fresh token for the caller."""
    return await service.renew(principal)


@router.get(
    "/{host}",
    response_model=Host | HostPublic,
    responses={
        304: {"description": "Not Modified: If-None-Match names the current ETag"},
        **error_responses(401, 404, 503),
    },
    summary="get host by uuid",
)
async def get(
    host: HostId,
    principal: Principal,
    service: Service,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The owner sees the whole host; anyone else sees uuid, only_friends and allow_nonames."""
    if if_none_match:
        tag = await service.etag(principal, str(host))
        if tag is not None and none_match(if_none_match, tag):
            return Response(status_code=304, headers={"ETag": tag})
    view, tag = await service.get(principal, str(host))
    return JSONResponse(view.model_dump(), headers={"ETag": tag})


@router.put(
    "/{host}/only_friends",
    response_model=Host,
    responses=error_responses(401, 403, 404, 413, 503),
    summary="set is {host} welcomes only friends",
)
async def set_only_friends(
    host: HostId, body: OnlyFriends, principal: Principal, service: Service
) -> Host:
    """Welcome only friends (true) or anyone the other rules allow (false)."""
    return await service.set_only_friends(principal, str(host), body.only_friends)


@router.put(
    "/{host}/allow_nonames",
    response_model=Host,
    responses=error_responses(401, 403, 404, 413, 503),
    summary="set is {host} welcomes nonames",
)
async def set_allow_nonames(
    host: HostId, body: AllowNonames, principal: Principal, service: Service
) -> Host:
    """Welcome guests that are not registered hosts (nonames), or not."""
    return await service.set_allow_nonames(principal, str(host), body.allow_nonames)


@router.post(
    "/{host}/friends",
    response_model=Host,
    responses=error_responses(400, 401, 403, 404, 503),
    summary="befriend",
)
async def befriend(
    host: HostId,
    friend: Annotated[UUID, Query(description="the uuid of a registered host")],
    principal: Principal,
    service: Service,
) -> Host:
    """Add a registered host to the friends list (already a friend: 200)."""
    return await service.befriend(principal, str(host), str(friend))


@router.delete(
    "/{host}/friends/{former_friend}",
    response_model=Host,
    responses=error_responses(401, 403, 404, 503),
    summary="unfriend",
)
async def unfriend(
    host: HostId, former_friend: UUID, principal: Principal, service: Service
) -> Host:
    """Remove a friend (404 not found other if it is not one)."""
    return await service.unfriend(principal, str(host), str(former_friend))


@router.post(
    "/{host}/banlist",
    response_model=Host,
    responses=error_responses(400, 401, 403, 404, 503),
    summary="ban",
)
async def ban(
    host: HostId,
    banned: Annotated[GuestId, Query(description="a host uuid or a noname's id")],
    principal: Principal,
    service: Service,
) -> Host:
    """Ban a guest: it leaves the friends list and the host's active session at once."""
    return await service.ban(principal, str(host), banned)


@router.delete(
    "/{host}/banlist/{banned:path}",
    response_model=Host,
    responses=error_responses(401, 403, 404, 503),
    summary="unban",
)
async def unban(
    host: HostId,
    banned: Annotated[GuestId, Path()],
    principal: Principal,
    service: Service,
) -> Host:
    """Lift a ban (404 not found other if the guest is not banned)."""
    return await service.unban(principal, str(host), banned)


@router.delete(
    "/{host}",
    status_code=204,
    responses=error_responses(401, 403, 404, 503),
    summary="delete host",
)
async def delete(host: HostId, principal: Principal, service: Service) -> Response:
    """Delete the account: its session ends and it leaves every friends list."""
    await service.delete(principal, str(host))
    return Response(status_code=204)
