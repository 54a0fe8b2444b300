"""Sockets per player per session: at most `LOBBYD_WS_PER_PLAYER` open at once.

The store counts them (with Redis, across every replica): each open socket holds a claim that
lapses `ttl` seconds after its last renewal, and one task per process renews every claim it
holds each third of `ttl` while any is held. A replica that dies thus holds its claims for at
most `ttl` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from lobbyd.errors import LobbydError
from lobbyd.store.base import SyncStore

log = logging.getLogger("lobbyd.sync")

#: Seconds a claim lasts without renewal.
CLAIM_TTL = 60.0


class SocketClaims:
    """The claims this process holds, and the loop that renews them."""

    def __init__(self, store: SyncStore, limit: int, ttl: float = CLAIM_TTL) -> None:
        self.store = store
        self.limit = limit
        self.ttl = ttl
        self._held: set[tuple[str, str, str]] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def held(self) -> int:
        """Claims this process holds (its open sockets)."""
        return len(self._held)

    async def claim(self, key: str, player: str) -> str | None:
        """A claim id for one more socket of `player` on `key`; None past the limit."""
        socket_id = secrets.token_hex(8)
        if not await self.store.claim_socket(
            key, player, socket_id, limit=self.limit, ttl=self.ttl
        ):
            return None
        self._held.add((key, player, socket_id))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._renew(), name="lobbyd-claims")
        return socket_id

    async def release(self, key: str, player: str, socket_id: str) -> None:
        """The socket closed; a store that cannot be reached lets the claim lapse instead."""
        try:
            await self.store.release_socket(key, player, socket_id)
        except Exception as error:  # unreachable, or closing: the claim lapses by itself
            log.warning("socket claim of %s lapses instead of being released: %r", player, error)
        finally:
            self._held.discard((key, player, socket_id))
            if not self._held and self._task is not None:
                self._task.cancel()
                self._task = None

    async def close(self) -> None:
        """Stop renewing."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _renew(self) -> None:
        while self._held:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.store.renew_sockets(list(self._held), self.ttl)
            except LobbydError as error:  # the store is away: the next round tries again
                log.warning("could not renew socket claims: %s", error)
            except Exception:
                log.exception("renewing socket claims failed")
