"""Running the app on uvicorn or granian with lobbyd's limits: header and idle timeouts, header
and WebSocket message sizes, and the redacting log configuration.

uvicorn bounds neither the time a client may take to send a request head nor, on its
httptools parser, the head's size: a connection that sends nothing, or a byte now and then,
stays open for good. `HeadLimits` adds both to uvicorn's HTTP protocols: a client has
`header_timeout` seconds from connecting (or from the end of the previous response) to send a
complete request head of at most `max_header` bytes, else the connection is closed (431 when
the head is too large). Granian has both built in (`header_read_timeout`, `max_buffer_size`).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from lobbyd.config import Settings
from lobbyd.ops.logs import dict_config

TARGET = "lobbyd.app:create_app"
#: Granian's smallest read buffer (hyper refuses less).
GRANIAN_MIN_BUFFER = 8192
_HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\ncontent-length: 75\r\nconnection: close\r\n\r\n"
    b'{"message": "the request head is larger than allowed", "code": "too_large"}'
)


class LobbydConfig(uvicorn.Config):
    """uvicorn's configuration plus lobbyd's head limits (copied to every worker process)."""

    def __init__(self, *args: Any, header_timeout: float, max_header: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.max_header = max_header


class HeadLimits:
    """Mixed into a uvicorn HTTP protocol: a deadline and a size bound for every request head."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    def _limits_from(self, config: uvicorn.Config) -> None:
        self._header_timeout = float(getattr(config, "header_timeout", 10.0))
        self._max_header = int(getattr(config, "max_header", 16 * 1024))
        self._deadline: asyncio.TimerHandle | None = None
        self._waited_cycle: Any = None
        self._head_bytes = 0

    def _arm(self) -> None:
        """Start waiting for the next request head (from now)."""
        if self._deadline is not None:
            self._deadline.cancel()
        self._waited_cycle, self._head_bytes = self.cycle, 0
        self._deadline = self.loop.call_later(self._header_timeout, self._expire)

    def _waiting_for_head(self) -> bool:
        """No request head completed since the deadline was armed, and none is being answered."""
        if self.transport.is_closing() or self.transport.get_protocol() is not cast(Any, self):
            return False  # closed, or upgraded to a WebSocket
        cycle = self.cycle
        return cycle is self._waited_cycle and (cycle is None or cycle.response_complete)

    def _expire(self) -> None:
        self._deadline = None
        if self._waiting_for_head():
            self.transport.close()

    def _within_head_bound(self, data: bytes) -> bool:
        """Count the head's part of `data` (up to the blank line that ends it) against the
        bound; False, with 431 sent and the connection closed, once past it."""
        if not self._waiting_for_head():
            return True
        end = data.find(b"\r\n\r\n")
        self._head_bytes += len(data) if end < 0 else end + 4
        if self._head_bytes <= self._max_header:
            if end >= 0:
                self._head_bytes = 0
            return True
        self.transport.write(_HEAD_TOO_LARGE)
        self.transport.close()
        return False

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


class HttpToolsWithLimits(HeadLimits, HttpToolsProtocol):
    """uvicorn's httptools protocol with head limits."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._limits_from(config)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Accept the connection and start waiting for its first request head."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Parse, unless the head under way is past its bound (then 431 and close)."""
        if self._within_head_bound(data):
            super().data_received(data)

    def on_response_complete(self) -> None:
        """The response went out: wait for the next head, as long as for the first."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline."""
        self._disarm()
        super().connection_lost(exc)


class H11WithLimits(HeadLimits, H11Protocol):
    """uvicorn's h11 protocol with a head deadline (h11 bounds the head's size itself)."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._limits_from(config)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Accept the connection and start waiting for its first request head."""
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        """The response went out: wait for the next head, as long as for the first."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline."""
        self._disarm()
        super().connection_lost(exc)


@dataclass(frozen=True, slots=True)
class Listen:
    """Where and how `lobbyd serve` listens."""

    host: str
    port: int
    workers: int
    access_log: bool


def uvicorn_config(settings: Settings, listen: Listen) -> LobbydConfig:
    """The configuration `lobbyd serve` runs uvicorn with."""
    logging_config = dict_config(settings.log_format, settings.log_level)
    return LobbydConfig(
        TARGET,
        factory=True,
        host=listen.host,
        port=listen.port,
        workers=listen.workers,
        http=HttpToolsWithLimits,
        # X-Forwarded-For is honoured only from LOBBYD_TRUSTED_PROXIES, by lobbyd itself.
        proxy_headers=False,
        server_header=False,
        access_log=listen.access_log,
        log_config=logging_config,
        log_level=settings.log_level,
        timeout_keep_alive=settings.keep_alive_timeout,
        h11_max_incomplete_event_size=settings.max_header,
        # A message is read whole before the app sees it: no bigger than a request body.
        ws_max_size=settings.max_body,
        header_timeout=settings.header_timeout,
        max_header=settings.max_header,
    )


def run_uvicorn(config: LobbydConfig) -> None:
    """What `uvicorn.run` does with a configuration object."""
    from uvicorn.supervisors import Multiprocess

    server = uvicorn.Server(config)
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    server.run()
    if not server.started:
        sys.exit(3)


def run_granian(settings: Settings, listen: Listen) -> None:
    """Serve on granian with the same limits (its own header timeout and buffer bound)."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server as Granian

    Granian(
        TARGET,
        address=listen.host,
        port=listen.port,
        workers=listen.workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_access=listen.access_log,
        log_level=LogLevels(settings.log_level),
        log_dictconfig=dict_config(settings.log_format, settings.log_level),
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, round(settings.header_timeout * 1000)),
            keep_alive=True,
            max_buffer_size=max(GRANIAN_MIN_BUFFER, settings.max_header),
        ),
    ).serve()
