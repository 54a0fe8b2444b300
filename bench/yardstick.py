"""The yardstick: FastAPI's hello world, served by uvicorn with 2 workers in every run.

Absolute numbers move 10-30% between runs on shared machines; ratios to this app, measured in
the same run, move much less.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def hello() -> dict[str, str]:
    """The whole app."""
    return {"hello": "world"}
