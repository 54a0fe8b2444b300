"""`LOBBYD_LOG_FORMAT=json`: one JSON object a line, for lobbyd and its server alike.

Each line has `ts`, `level`, `logger`, `msg` (plus `request_id`, `method`, `route`, `status`,
`duration_ms` on the request lines, and `exc` with a traceback), every value masked by
kit.logs' `redact` like the text format. In JSON mode lobbyd writes its own line per request
(route template, never the query string), so the servers' access logs stay off.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from lobbyd.kit.logs import log_config, redact

#: The request fields a request line carries.
REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms")
_ACCESS_LOGGERS = ("uvicorn.access", "granian.access")


class JSONFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, the request fields, exc; redacted."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line (values redacted before encoding, so no escape is cut)."""
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def _timestamp(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def dict_config(log_format: str, level: str) -> dict[str, Any]:
    """The logging configuration of `lobbyd serve`: kit.logs' redacted text lines, or JSON."""
    config = log_config(level)
    if log_format != "json":
        return config
    config["formatters"]["json"] = {"()": "lobbyd.ops.logs.JSONFormatter"}
    for handler in config["handlers"].values():
        handler["formatter"] = "json"
    for name in _ACCESS_LOGGERS:
        config["loggers"][name] = {**config["loggers"][name], "level": "CRITICAL"}
    return config
