"""What GET /sessions's filters mean (docs/directory.md, after Xbox MPSD and Gameye), as pure
functions: from the caller and the filters to a Search, and from what it found to results.

- With `player`: the sessions that player is a member of, as an `active` member (also
  `inactive` with inactive=true; also where it holds a live reservation with
  reservations=true). Results carry the player's `status` and `my_turn`.
- Else with `keyword`: every active session carrying the keyword.
- Else: the sessions tied to the caller's token: those it is a member of (active or inactive;
  with reservations=true also those it holds a reservation in); for an admin, all of them.
- A private session is listed only with private=true; `private` and `reservations` are allowed
  only for the player themselves (or with no `player`, where they mean the caller) and for
  admins: anyone else gets 403, whether or not such sessions exist. Without a `player`, a
  keyword search with private=true adds the private sessions the caller is a member of (an
  admin: all of them).
- visibility=open keeps only sessions one could join: open and not full.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from lobbyd.auth.tokens import Claims
from lobbyd.directory.repository import Found, Search
from lobbyd.directory.schemas import AdminSessionQuery, QueryResult, SessionQuery
from lobbyd.errors import Forbidden
from lobbyd.kit.clock import rfc3339
from lobbyd.sessions.timing import Timing

Shown = Literal["open", "private", "full"]
Status = Literal["active", "inactive", "reserved"]


def is_self(principal: Claims, player: str) -> bool:
    """True when the caller is that player (a service token is no player)."""
    return principal.player == player


def cursor_scope(query: SessionQuery) -> tuple[object, ...]:
    """What a cursor is bound to: every filter but the page size."""
    return (
        "sessions",
        query.keyword,
        query.player,
        query.type,
        query.visibility,
        query.reservations,
        query.inactive,
        query.private,
    )


def check_permission(principal: Claims, query: SessionQuery) -> None:
    """403 for `reservations` or `private` about another player, unless admin (MPSD)."""
    if not (query.reservations or query.private) or principal.is_admin:
        return
    if query.player is not None and not is_self(principal, query.player):
        raise Forbidden("reservations and private are allowed only for your own sessions")


def resolve(
    principal: Claims, query: SessionQuery, timing: Timing, now: float, after: int
) -> Search | None:
    """The search a query means for this caller (check_permission first); None when nothing
    can match."""
    base = Search(
        source="all",
        now=now,
        alive_after=timing.alive_after(now),
        gone_before=timing.gone_cutoff(now),
        keyword=query.keyword,
        type=query.type,
        privacy="all" if query.private else "none",
        joinable=query.visibility == "open",
        after=after,
        limit=query.take + 1,  # one more tells whether there is a next page
    )
    if query.player is not None:
        return replace(
            base,
            source="player",
            player=query.player,
            player_seen_after=base.gone_before if query.inactive else base.alive_after,
            reservations=query.reservations,
        )
    if query.keyword is not None:
        own_only = query.private and not principal.is_admin
        return replace(
            base,
            source="keyword",
            privacy="member" if own_only else base.privacy,
            viewer=principal.player,
        )
    if principal.is_admin:
        return base
    if principal.player is None:
        return None  # a service token is tied to no session
    return replace(
        base,
        source="player",
        player=principal.player,
        player_seen_after=base.gone_before,
        reservations=query.reservations,
    )


def admin_search(query: AdminSessionQuery, timing: Timing, now: float, after: int) -> Search:
    """What GET /admin/sessions looks for: every active session, private ones too, by host
    and keyword."""
    return Search(
        source="keyword" if query.keyword is not None else "all",
        now=now,
        alive_after=now - timing.timeout,
        gone_before=timing.gone_cutoff(now),
        keyword=query.keyword,
        host=str(query.host) if query.host is not None else None,
        privacy="all",
        after=after,
        limit=query.take + 1,
    )


def admin_cursor_scope(query: AdminSessionQuery) -> tuple[object, ...]:
    """What an admin listing's cursor is bound to."""
    return ("admin-sessions", str(query.host) if query.host else None, query.keyword)


def result(found: Found, player: str | None, timing: Timing, now: float) -> QueryResult:
    """How one found session is shown; `player`, `status` and `my_turn` only with a player
    filter."""
    taken = found.accepted + found.reserved
    visibility: Shown = "open"
    if found.visibility == "private":
        visibility = "private"
    elif taken >= found.capacity:
        visibility = "full"
    status: Status | None = None
    my_turn: bool | None = None
    if player is not None:
        status = _status(found, timing, now)
        my_turn = player in found.turn
    return QueryResult(
        session_id=found.id,
        host=found.host,
        type=found.type,
        start_time=rfc3339(found.created_at),
        accepted=found.accepted,
        player_count=taken,
        capacity=found.capacity,
        status=status,
        visibility=visibility,
        join_restriction="followed" if found.only_friends else "none",
        my_turn=my_turn,
        keywords=found.keywords,
        labels=found.labels,
        player=player,
    )


def _status(found: Found, timing: Timing, now: float) -> Status:
    if found.player_role == "reserved":
        return "reserved"
    seen = found.player_seen_at
    if found.player_role == "guest" and seen is not None and timing.guest_inactive(seen, now):
        return "inactive"
    return "active"
