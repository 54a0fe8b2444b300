"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lobbyd.errors import LobbydError, error_responses
from lobbyd.schemas import JSONRoute

router = APIRouter(tags=["operations"], route_class=JSONRoute)


@router.get("/healthz", summary="liveness")
async def healthz() -> dict[str, str]:
    """The process serves requests (no backend is consulted)."""
    return {"status": "ok"}


@router.get("/readyz", summary="readiness", responses=error_responses(503))
async def readyz(request: Request) -> JSONResponse:
    """The database and the sync store both answer: send traffic here."""
    runtime = request.app.state.runtime
    checks: dict[str, str] = {}
    try:
        async with runtime.db.reading() as conn:
            await conn.fetchval("SELECT 1")
        checks["database"] = "ok"
    except LobbydError:
        checks["database"] = "unavailable"
    try:
        await runtime.store.ping()
        checks["store"] = "ok"
    except LobbydError:
        checks["store"] = "unavailable"
    if all(value == "ok" for value in checks.values()):
        return JSONResponse({"status": "ok", **checks})
    body = {"message": "not ready: " + ", ".join(k for k, v in checks.items() if v != "ok")}
    return JSONResponse({**body, "code": "unavailable", **checks}, 503)
