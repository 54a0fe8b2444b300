"""HTTP routes of the directory (CONTRACT section 8)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["directory"])
