"""Invites and reservations: the host's holds on its session for particular players.

Every write runs through Lifecycle.within: on the session's locked row, in one transaction,
so a hold and a join (which takes the same lock) never interleave, and a session whose host
has timed out is ended instead (404 no_session).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from lobbyd.auth.tokens import Claims
from lobbyd.db import Connection
from lobbyd.directory import repository_holds as repo
from lobbyd.directory.schemas import Invite, Reservation
from lobbyd.errors import BadRequest, Forbidden, NotFound
from lobbyd.hosts.service import HostsService
from lobbyd.kit.clock import rfc3339
from lobbyd.sessions.events import Pending
from lobbyd.sessions.lifecycle import Lifecycle
from lobbyd.sessions.repository import SessionRecord  # the type Lifecycle.within hands over

MAX_INVITES = 1000  # pending invites per session
T = TypeVar("T")


@dataclass(slots=True)
class Outcome(Generic[T]):
    """What an action inside the session's transaction produced, and whether it is new."""

    value: T | None = None
    created: bool = False


def is_host_or_admin(principal: Claims, session: SessionRecord) -> bool:
    """True when the caller is the session's host or an admin."""
    return principal.player == session.host or principal.is_admin


class Holds:
    """Invite, decline, revoke; reserve, cancel, release."""

    def __init__(
        self, lifecycle: Lifecycle, hosts: HostsService, reservation_timeout: float
    ) -> None:
        self.lifecycle = lifecycle
        self.hosts = hosts
        self.reservation_timeout = reservation_timeout

    async def _check_player(self, conn: Connection, session: SessionRecord, player: str) -> None:
        """The checks an invite and a reservation share, in this order."""
        if player == session.host:
            raise BadRequest("the host is always in its session", "guest_is_host")
        relation = await self.hosts.relationship(conn, session.host, player)
        if relation is not None and relation.banned:
            raise BadRequest("the player is on the host's banlist", "player_banned")
        if await repo.is_member(conn, session.id, player):
            raise BadRequest("the player is already in this session", "already_member")

    async def invite(self, principal: Claims, session_id: int, player: str) -> tuple[Invite, bool]:
        """The host invites a player (idempotent); the invite and whether it is new."""
        outcome: Outcome[repo.InviteRecord] = Outcome()

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if not is_host_or_admin(principal, session):
                raise Forbidden("only the host invites to its session")
            await self._check_player(conn, session, player)
            outcome.value = await repo.invite(conn, session.id, player)
            if outcome.value is None:
                # An admin invites on the host's behalf: the invite is the host's.
                if not await repo.add_invite(
                    conn, session.id, player, session.host, now, MAX_INVITES
                ):
                    raise BadRequest("the session has too many pending invites", "list_full")
                outcome.value = repo.InviteRecord(session.id, player, session.host, now)
                outcome.created = True
            return []

        await self.lifecycle.within(session_id, action, caller=principal)
        assert outcome.value is not None
        return _invite_view(outcome.value), outcome.created

    async def invites(self, principal: Claims, session_id: int) -> list[Invite]:
        """The session's pending invites (host or admin)."""
        found: list[repo.InviteRecord] = []

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if not is_host_or_admin(principal, session):
                raise Forbidden("only the host sees its session's invites")
            found.extend(await repo.invites(conn, session.id))
            return []

        await self.lifecycle.within(session_id, action, caller=principal, lock=False)
        return [_invite_view(record) for record in found]

    async def uninvite(self, principal: Claims, session_id: int, player: str) -> None:
        """The invitee declines, or the host (or an admin) revokes, a pending invite."""

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if principal.player != player and not is_host_or_admin(principal, session):
                raise Forbidden("only the invited player or the host may do this")
            if not await repo.delete_invite(conn, session.id, player):
                raise NotFound("no pending invite for this player", "no_invite")
            return []

        await self.lifecycle.within(session_id, action, caller=principal)

    async def reserve(
        self, principal: Claims, session_id: int, player: str
    ) -> tuple[Reservation, bool]:
        """The host holds a seat for a player until the reservation timeout; reserving again
        extends it. The reservation and whether it is new."""
        outcome: Outcome[repo.ReservationRecord] = Outcome()

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if not is_host_or_admin(principal, session):
                raise Forbidden("only the host reserves seats in its session")
            await self._check_player(conn, session, player)
            before = await repo.reservation(conn, session.id, player)
            outcome.created = before is None or before.expires_at <= now
            outcome.value, freed = await self._take_seat(conn, session, player, now)
            return freed

        await self.lifecycle.within(session_id, action, caller=principal)
        assert outcome.value is not None
        return _reservation_view(outcome.value), outcome.created

    async def _take_seat(
        self, conn: Connection, session: SessionRecord, player: str, now: float
    ) -> tuple[repo.ReservationRecord, list[Pending]]:
        expires = now + self.reservation_timeout
        held = await repo.reserve(conn, session.id, player, now, expires, session.capacity)
        if held is not None:
            return held, []
        # Full: guests silent for two timeouts are gone, and their seats free (as on join).
        freed = await self.lifecycle.remove_gone_in(conn, session, now)
        if freed:
            held = await repo.reserve(conn, session.id, player, now, expires, session.capacity)
            if held is not None:
                return held, freed
        raise BadRequest("the session is full", "session_full")

    async def unreserve(self, principal: Claims, session_id: int, player: str) -> None:
        """The host (or an admin) cancels a reservation, or its player releases it."""

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if principal.player != player and not is_host_or_admin(principal, session):
                raise Forbidden("only the reserved player or the host may do this")
            if not await repo.release(conn, session.id, player, now):
                raise NotFound("no live reservation for this player", "no_reservation")
            return []

        await self.lifecycle.within(session_id, action, caller=principal)


def _invite_view(record: repo.InviteRecord) -> Invite:
    return Invite(
        session_id=record.session_id,
        player=record.player,
        inviting_player_uuid=record.inviter,
        created_at=rfc3339(record.created_at),
    )


def _reservation_view(record: repo.ReservationRecord) -> Reservation:
    return Reservation(
        session_id=record.session_id,
        player=record.player,
        created_at=rfc3339(record.created_at),
        expires_at=rfc3339(record.expires_at),
    )
