"""The welcome rule of CONTRACT section 5, branch by branch (a pure function: no I/O)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lobbyd.sessions.welcome import Facts, Reason, decide

# A registered stranger asking a host with the contract's defaults (only_friends, no nonames).
STRANGER = Facts(
    guest_is_host=False,
    banned=False,
    invited=False,
    reserved=False,
    only_friends=True,
    friend=False,
    registered=True,
    allow_nonames=False,
)
NONAME = replace(STRANGER, registered=False)


def test_the_host_itself_is_refused_first() -> None:
    verdict = decide(replace(STRANGER, guest_is_host=True, invited=True, friend=True))
    assert (verdict.welcome, verdict.reason) == (False, Reason.guest_is_host)


def test_banned_guest_is_not_welcome_even_when_invited_and_a_friend() -> None:
    verdict = decide(replace(STRANGER, banned=True, invited=True, reserved=True, friend=True))
    assert (verdict.welcome, verdict.reason) == (False, Reason.banned)


def test_invite_admits_past_only_friends() -> None:
    verdict = decide(replace(STRANGER, invited=True))
    assert (verdict.welcome, verdict.reason) == (True, Reason.invited)


def test_invite_admits_a_noname_past_allow_nonames() -> None:
    verdict = decide(replace(NONAME, only_friends=False, invited=True))
    assert (verdict.welcome, verdict.reason) == (True, Reason.invited)


def test_reservation_admits_past_only_friends() -> None:
    verdict = decide(replace(STRANGER, reserved=True))
    assert (verdict.welcome, verdict.reason) == (True, Reason.reserved)


def test_only_friends_admits_a_friend() -> None:
    verdict = decide(replace(STRANGER, friend=True))
    assert (verdict.welcome, verdict.reason) == (True, Reason.friend)


def test_only_friends_refuses_a_stranger() -> None:
    verdict = decide(STRANGER)
    assert (verdict.welcome, verdict.reason) == (False, Reason.not_a_friend)


def test_only_friends_refuses_a_noname_even_when_nonames_are_allowed() -> None:
    verdict = decide(replace(NONAME, allow_nonames=True))
    assert (verdict.welcome, verdict.reason) == (False, Reason.not_a_friend)


def test_noname_is_welcome_when_nonames_are_allowed() -> None:
    verdict = decide(replace(NONAME, only_friends=False, allow_nonames=True))
    assert (verdict.welcome, verdict.reason) == (True, Reason.noname_allowed)


def test_noname_is_refused_when_nonames_are_not_allowed() -> None:
    verdict = decide(replace(NONAME, only_friends=False))
    assert (verdict.welcome, verdict.reason) == (False, Reason.noname_refused)


def test_registered_stranger_is_welcome_when_not_only_friends() -> None:
    verdict = decide(replace(STRANGER, only_friends=False))
    assert (verdict.welcome, verdict.reason) == (True, Reason.open)


@pytest.mark.parametrize("allow_nonames", [True, False])
def test_registered_guest_does_not_depend_on_allow_nonames(allow_nonames: bool) -> None:
    verdict = decide(replace(STRANGER, only_friends=False, allow_nonames=allow_nonames))
    assert verdict.welcome
