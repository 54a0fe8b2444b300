"""GET /metrics: Prometheus text for every worker of this `lobbyd serve`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from lobbyd.auth.principal import Authenticator, bearer
from lobbyd.config import Settings
from lobbyd.errors import LobbydError, NotFound, Unauthorized, error_responses
from lobbyd.ops.metrics import CONTENT_TYPE, Metrics
from lobbyd.schemas import JSONRoute

router = APIRouter(tags=["operations"], route_class=JSONRoute)

_TEXT = {
    "description": "Prometheus text exposition format",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}


async def _allowed(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """With LOBBYD_METRICS_TOKEN set: that token, or an admin token; else 401."""
    settings: Settings = request.app.state.settings
    if settings.metrics_token is None:
        return
    if credentials is None:
        raise Unauthorized("/metrics needs the metrics token")
    expected = settings.metrics_token.get_secret_value().encode()
    if hmac.compare_digest(credentials.credentials.encode(), expected):
        return
    authenticator: Authenticator = request.app.state.authenticator
    try:
        claims = await authenticator.principal(credentials.credentials)
    except LobbydError as exc:
        raise Unauthorized("/metrics needs the metrics token") from exc
    if not claims.is_admin:
        raise Unauthorized("/metrics needs the metrics token")


@router.get(
    "/metrics",
    summary="metrics",
    response_class=Response,
    responses={200: _TEXT, **error_responses(401, 404, 503)},
    dependencies=[Depends(_allowed)],
)
async def metrics(request: Request) -> Response:
    """Counters, histograms and gauges of every worker of this `lobbyd serve`, in Prometheus
    text format. With LOBBYD_METRICS_TOKEN set, send it as a bearer token (an admin token
    also works); 404 when metrics are turned off (LOBBYD_METRICS=false)."""
    recorded: Metrics | None = request.app.state.metrics
    if recorded is None:
        raise NotFound("metrics are turned off (LOBBYD_METRICS=false)")
    active = await request.app.state.sessions.count_active()
    return Response(recorded.render(active), media_type=CONTENT_TYPE)
