"""LOBBYD_LOG_FORMAT=json and request ids."""

from __future__ import annotations

import json
import logging
import sys

import httpx

from lobbyd.ops.logs import JSONFormatter, dict_config

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJob3N0In0.c2lnbmF0dXJl"


def record(msg: str, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord("lobbyd.request", logging.INFO, __file__, 1, msg, (), None)
    for name, value in extra.items():
        setattr(entry, name, value)
    return entry


def test_json_lines_carry_the_request_fields_and_stay_json_when_redacted() -> None:
    fields = {"request_id": "r1", "method": "GET", "route": "/x", "status": 200}
    line = JSONFormatter().format(record(f'"GET /x?token={JWT}" 200', **fields, duration_ms=1.5))
    entry = json.loads(line)
    assert JWT not in entry["msg"]
    assert entry["msg"].startswith('"GET /x?token=')
    assert entry["ts"].endswith("Z")
    assert entry["level"] == "info"
    assert entry["logger"] == "lobbyd.request"
    assert {key: entry[key] for key in fields} == fields


def test_json_lines_carry_redacted_tracebacks() -> None:
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        entry = record("failed")
        entry.exc_info = sys.exc_info()
    shown = json.loads(JSONFormatter().format(entry))
    assert "ValueError" in shown["exc"]
    assert JWT not in shown["exc"]


def test_json_mode_turns_the_servers_access_logs_off() -> None:
    config = dict_config("json", "info")
    assert config["loggers"]["uvicorn.access"]["level"] == "CRITICAL"
    assert {handler["formatter"] for handler in config["handlers"].values()} == {"json"}
    text = dict_config("text", "debug")
    assert text["loggers"]["uvicorn.access"]["level"] == "DEBUG"


async def test_every_answer_carries_a_request_id(client: httpx.AsyncClient) -> None:
    kept = await client.get("/healthz", headers={"X-Request-ID": "abc-1.2:3"})
    assert kept.headers["x-request-id"] == "abc-1.2:3"
    for bad in ("", "x" * 129, "has space", "semi;colon"):
        fresh = await client.get("/healthz", headers={"X-Request-ID": bad})
        assert fresh.headers["x-request-id"] not in ("", bad)
    unmatched = await client.get("/no/such/route")
    assert unmatched.headers["x-request-id"]
