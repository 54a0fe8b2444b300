"""Relays membership events from the outbox to the sync store, after commit.

Each event carries its number; the store applies each exactly once and in order, so the relay
may be run by any replica, any number of times: after every commit for speed, and by the sweep
for whatever a failure left behind.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from lobbyd.db import Database
from lobbyd.errors import LobbydError, NotFound, Unavailable
from lobbyd.sessions import repository as repo
from lobbyd.store.base import Event, EventOutOfOrder, SyncStore

log = logging.getLogger("lobbyd.sessions")


@dataclass(frozen=True, slots=True)
class Pending:
    """An event committed to the outbox, to publish."""

    session_id: int
    key: str
    host: str
    seq: int
    event: Event


class Relay:
    """Publishes outbox events to the sync store."""

    def __init__(self, db: Database, store: SyncStore, grace: float) -> None:
        self.db = db
        self.store = store
        self.grace = grace

    async def publish(self, pending: Sequence[Pending]) -> None:
        """Publish committed events in order. The change is committed whatever happens here:
        a failure is logged and left for the sweep, never turned into an error answer."""
        for item in pending:
            try:
                await self._publish(item)
            except (LobbydError, EventOutOfOrder) as exc:
                log.warning("session %s events wait for the sweep: %s", item.session_id, exc)
                return
            if item.event.type == "session_ended":
                await self._expire(item.key)

    async def _publish(self, item: Pending) -> None:
        try:
            await self.store.apply_event(item.key, item.seq, item.event)
        except EventOutOfOrder as gap:
            await self.catch_up(item.session_id, item.key, item.host, gap.applied)
        except NotFound:
            await self.catch_up(item.session_id, item.key, item.host, None)

    async def catch_up(self, session_id: int, key: str, host: str, applied: int | None) -> int:
        """Publish every outbox event above `applied` (read from the store when None); a
        missing document of an active session (never created, or lost with the store's data)
        is rebuilt as the database has it. Returns the number of events now applied."""
        async with self.db.reading() as conn:  # one snapshot: members and event_seq agree
            session = await repo.get(conn, session_id)
            if session is None:
                return applied or 0
            if applied is None:
                applied = await self.store.applied_events(key)
            events = await repo.events_after(conn, session_id, applied)
            guests = [m.player for m in await repo.members(conn, session_id) if m.role == "guest"]
        if applied == 0 and session.status == "active":
            await self.store.create(key, host, guests=guests, applied=session.event_seq)
            applied = await self.store.applied_events(key)
        for record in events:
            if record.seq <= applied:
                continue
            try:
                await self.store.apply_event(
                    key, record.seq, Event(record.type, record.player, record.reason)
                )
            except NotFound:
                return applied  # the document is gone (ended and past its grace)
            applied = record.seq
        if session.status == "ended":
            await self._expire(key)
        return applied

    async def _expire(self, key: str) -> None:
        with contextlib.suppress(Unavailable, NotFound):
            await self.store.expire(key, self.grace)
