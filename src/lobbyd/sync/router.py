"""HTTP and WebSocket routes of the sync API (CONTRACT section 7)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["sync"])
