"""What a session looks like to its members and to everyone else."""

from __future__ import annotations

from lobbyd.kit.clock import rfc3339
from lobbyd.sessions.repository import MemberRecord, SessionRecord
from lobbyd.sessions.schemas import Connection, Member, Session, SessionPublic
from lobbyd.sessions.timing import Timing


def members_view(
    members: list[MemberRecord], reserved: list[str], timing: Timing, now: float
) -> list[Member]:
    """Members with their derived status (guests silent for two timeouts are already gone),
    then seats held by reservations."""
    shown = [
        Member(
            player=member.player,
            role="host" if member.role == "host" else "guest",
            status="inactive"
            if member.role == "guest" and timing.guest_inactive(member.seen_at, now)
            else "active",
            joined_at=rfc3339(member.joined_at),
        )
        for member in members
        if member.role == "host" or not timing.guest_gone(member.seen_at, now)
    ]
    present = {member.player for member in shown}
    shown += [
        Member(player=player, role="guest", status="reserved", joined_at=None)
        for player in reserved
        if player not in present
    ]
    return shown


def session_view(
    session: SessionRecord,
    members: list[MemberRecord],
    reserved: list[str],
    timing: Timing,
    now: float,
    *,
    full: bool,
) -> Session | SessionPublic:
    """The member view (full) or the public view."""
    shown = members_view(members, reserved, timing, now)
    accepted = sum(1 for member in shown if member.status != "reserved")
    public = SessionPublic(
        session_id=session.id,
        host=session.host,
        type=session.type,
        capacity=session.capacity,
        visibility="private" if session.visibility == "private" else "open",
        keywords=session.keywords,
        labels=session.labels,
        start_time=rfc3339(session.created_at),
        player_count=len(shown),
        accepted=accepted,
        status="active",
    )
    if not full:
        return public
    connection = Connection(**session.connection) if session.connection else None
    return Session(
        **public.model_dump(exclude={"view"}),
        source_of_truth_key=session.key,
        connection=connection,
        turn=session.turn,
        members=shown,
    )
