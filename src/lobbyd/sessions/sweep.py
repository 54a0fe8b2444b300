"""The periodic sweep: applies timeouts sooner than the next request would, drops expired
reservations, and relays membership events a failure left in the outbox. Every step is
idempotent, so any number of replicas may sweep at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from lobbyd.db import Database
from lobbyd.errors import LobbydError
from lobbyd.kit.clock import Clock
from lobbyd.sessions import repository_sweep as repo
from lobbyd.sessions.events import Relay
from lobbyd.sessions.lifecycle import Lifecycle
from lobbyd.sessions.timing import Timing

log = logging.getLogger("lobbyd.sweep")
BATCH = 500


class Sweeper:
    """Runs `sweep` every `interval` seconds until stopped."""

    def __init__(
        self,
        db: Database,
        lifecycle: Lifecycle,
        relay: Relay,
        timing: Timing,
        clock: Clock,
        *,
        interval: float,
        grace: float,
    ) -> None:
        self.db = db
        self.lifecycle = lifecycle
        self.relay = relay
        self.timing = timing
        self.clock = clock
        self.interval = interval
        self.grace = grace
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> None:
        """One pass over everything due."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            silent = await repo.silent_hosts(conn, self.timing.alive_after(now), BATCH)
            crowded = await repo.sessions_with_gone_guests(
                conn, self.timing.gone_cutoff(now), BATCH
            )
        for session_id in dict.fromkeys([*silent, *crowded]):
            await self.lifecycle.expire(session_id)
        async with self.db.transaction() as conn:
            await repo.drop_expired_reservations(conn, now)
        await self.relay_outbox(now)

    async def relay_outbox(self, now: float) -> None:
        """Publish what the outbox still holds, and forget what the store has applied."""
        async with self.db.reading() as conn:
            outstanding = await repo.outstanding(conn, BATCH)
        for item in outstanding:
            applied = await self.relay.catch_up(item.session_id, item.key, item.host, None)
            async with self.db.transaction() as conn:
                await repo.prune_events(conn, item.session_id, applied)
        async with self.db.transaction() as conn:
            await repo.prune_ended(conn, now - self.grace)

    def start(self) -> None:
        """Begin sweeping in the background."""
        self._task = asyncio.create_task(self._run(), name="lobbyd-sweep")

    async def stop(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.sweep()
            except LobbydError as exc:  # a backend is away; the next pass retries
                log.warning("sweep skipped: %s", exc.message)
            except Exception:
                log.exception("sweep failed")
