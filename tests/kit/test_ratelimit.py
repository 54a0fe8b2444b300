"""lobbyd.kit.ratelimit.RateLimiter: `limit` a minute per key, bursts up to `limit`, 0 = off."""

from __future__ import annotations

import pytest

from lobbyd.kit import ratelimit
from lobbyd.kit.clock import ManualClock
from lobbyd.kit.ratelimit import RateLimiter

START = 1_900_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    """Time that moves only when told."""
    return ManualClock(START)


def test_a_burst_of_limit_events_is_allowed_at_once(clock: ManualClock) -> None:
    limiter = RateLimiter(5, clock)
    assert [limiter.hit("a") for _ in range(5)] == [0] * 5


def test_the_event_past_the_burst_is_refused(clock: ManualClock) -> None:
    limiter = RateLimiter(5, clock)
    for _ in range(5):
        limiter.hit("a")
    assert limiter.hit("a") > 0


def test_one_event_is_refilled_every_minute_divided_by_the_limit(clock: ManualClock) -> None:
    limiter = RateLimiter(6, clock)  # one every 10 s
    for _ in range(6):
        limiter.hit("a")
    clock.advance(9.5)
    assert limiter.hit("a") > 0
    clock.advance(0.5)
    assert limiter.hit("a") == 0
    assert limiter.hit("a") > 0


def test_a_whole_minute_refills_the_whole_burst(clock: ManualClock) -> None:
    limiter = RateLimiter(3, clock)
    for _ in range(3):
        limiter.hit("a")
    clock.advance(60)
    assert [limiter.hit("a") for _ in range(4)] == [0, 0, 0, 20]


def test_idle_time_does_not_bank_more_than_one_burst(clock: ManualClock) -> None:
    limiter = RateLimiter(2, clock)
    clock.advance(3600)
    assert [limiter.hit("a") for _ in range(3)][-1] > 0


def test_retry_after_is_the_whole_seconds_until_the_next_event_is_allowed(
    clock: ManualClock,
) -> None:
    limiter = RateLimiter(2, clock)  # one every 30 s
    limiter.hit("a")
    limiter.hit("a")
    assert limiter.hit("a") == 30
    clock.advance(10.5)
    assert limiter.hit("a") == 20  # 19.5 s, rounded up
    clock.advance(19.5)
    assert limiter.hit("a") == 0


def test_retry_after_is_at_least_one_second(clock: ManualClock) -> None:
    limiter = RateLimiter(60, clock)
    for _ in range(60):
        limiter.hit("a")
    clock.advance(0.999)
    assert limiter.hit("a") == 1


def test_a_refused_event_does_not_use_up_the_budget(clock: ManualClock) -> None:
    limiter = RateLimiter(2, clock)
    limiter.hit("a")
    limiter.hit("a")
    for _ in range(100):
        limiter.hit("a")
    clock.advance(30)
    assert limiter.hit("a") == 0


def test_keys_have_separate_budgets(clock: ManualClock) -> None:
    limiter = RateLimiter(1, clock)
    assert limiter.hit("a") == 0
    assert limiter.hit("a") > 0
    assert limiter.hit("b") == 0


def test_a_limit_of_zero_allows_everything(clock: ManualClock) -> None:
    limiter = RateLimiter(0, clock)
    assert all(limiter.hit("a") == 0 for _ in range(10_000))


def test_key_memory_is_bounded(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 100)
    limiter = RateLimiter(10, clock)
    for n in range(1_000):
        limiter.hit(f"198.51.100.{n}")
        clock.advance(1)
        assert len(limiter._tat) <= 100


def test_keys_whose_budget_is_full_again_are_forgotten_first(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 3)
    limiter = RateLimiter(1, clock)
    limiter.hit("old-1")
    limiter.hit("old-2")
    clock.advance(60)  # old-1 and old-2 are full again
    limiter.hit("busy")
    limiter.hit("new")  # the table is full: the idle keys make room
    assert limiter.hit("busy") > 0  # the busy key is still remembered
