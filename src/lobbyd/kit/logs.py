"""Logging with credentials masked: bearer tokens, JWTs, Basic credentials, secret parameters.

Every log line lobbyd's servers write goes through `redact` (a formatter for the handlers and a
filter on the servers' own loggers), so a token sent in a query string (`?token=`), a header or a
WebSocket subprotocol (`bearer.<token>`) never reaches a log, at any level.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"

# Each pattern keeps its label (group 1, 2) and masks what follows.
_PATTERNS = (
    # token=..., access_token=..., secret=..., password=..., ticket=... (query strings, forms)
    re.compile(
        r"(?i)(\b(?:access_token|refresh_token|token|secret|password|passwd|ticket)"
        r"(?:=|%3D))([^&\s\"'<>;,)]+)"
    ),
    # Authorization: Bearer X, the subprotocol bearer.X, and any b'Bearer X' in a repr
    re.compile(r"(?i)(\bbearer)([\s.:=]+|%20|\+)([A-Za-z0-9\-._~+/]{8,}=*)"),
    re.compile(r"(?i)(\bbasic)(\s+|%20|\+)([A-Za-z0-9+/]{8,}=*)"),
)
# A JWT anywhere (header.payload.signature, the header always starts with `{"`).
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    """`text` with every credential it holds replaced by `***`."""
    if not text:
        return text
    text = _JWT.sub(MASK, text)
    first, *labelled = _PATTERNS
    text = first.sub(lambda match: match.group(1) + MASK, text)
    for pattern in labelled:
        text = pattern.sub(lambda match: match.group(1) + match.group(2) + MASK, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose output (message, arguments and traceback alike) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, credentials masked."""
        return redact(super().format(record))


class RedactingFilter(logging.Filter):
    """A filter that masks credentials in a record's message before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (its arguments merged in); never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
#: The servers' own loggers (uvicorn's error logger also carries the websockets library's
#: handshake and frame logs), filtered even when lobbyd's log configuration is not in use.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "_granian", "granian.access")


def log_config(level: str) -> dict[str, Any]:
    """A logging.config.dictConfig for `lobbyd serve` (uvicorn, granian and lobbyd alike):
    everything to stderr through the redacting formatter, at `level`."""
    upper = level.upper()
    server = {"handlers": ["stderr"], "level": upper, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "redacted": {"()": "lobbyd.kit.logs.RedactingFormatter", "fmt": FORMAT},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "redacted",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"handlers": ["stderr"], "level": upper},
        "loggers": {
            **{name: dict(server) for name in SERVER_LOGGERS},
            # Alembic narrates every connection and migration step; lobbyd reports what matters.
            "alembic": {"level": "WARNING"},
        },
    }


def guard_server_loggers() -> None:
    """Mask credentials in the servers' own log records whatever handlers they go to (for an
    app served by a command other than `lobbyd serve`)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


_FILTER = RedactingFilter()
