"""Who is welcome (docs/concepts.md): one pure function, rules applied in order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """The rule that decided; shown to the host only, never to a refused guest."""

    guest_is_host = "guest_is_host"
    banned = "banned"
    invited = "invited"
    reserved = "reserved"
    friend = "friend"
    not_a_friend = "not_a_friend"
    noname_allowed = "noname_allowed"
    noname_refused = "noname_refused"
    open = "open"


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the rule looks at, about one host and one guest."""

    guest_is_host: bool
    banned: bool
    invited: bool
    reserved: bool
    only_friends: bool
    friend: bool
    registered: bool  # the guest is a registered host (else a noname)
    allow_nonames: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """Welcome or not, and the deciding rule."""

    welcome: bool
    reason: Reason


def decide(facts: Facts) -> Verdict:
    """Apply the welcome rules in order; the first that applies decides."""
    if facts.guest_is_host:
        return Verdict(False, Reason.guest_is_host)
    if facts.banned:
        return Verdict(False, Reason.banned)
    if facts.invited:
        return Verdict(True, Reason.invited)
    if facts.reserved:
        return Verdict(True, Reason.reserved)
    if facts.only_friends:
        # A noname is never on a friends list (friends are registered hosts).
        friend = facts.friend and facts.registered
        return Verdict(friend, Reason.friend if friend else Reason.not_a_friend)
    if not facts.registered:
        allowed = facts.allow_nonames
        return Verdict(allowed, Reason.noname_allowed if allowed else Reason.noname_refused)
    return Verdict(True, Reason.open)
