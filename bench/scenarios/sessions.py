"""Scenarios of sessions and the directory (sections 6 and 8 of the contract). They run as soon
as the routes they need appear in /openapi.json; until then they are "not available yet"."""

from __future__ import annotations

from functools import partial

import httpx

from bench.scenarios.base import Scenario, Target, gather_limited
from bench.seed import HostCred

#: Sessions (and their hosts) the read scenarios rotate through.
SESSION_POOL = 500
KEYWORDS = 10


class Launch(Scenario):
    """POST /sessions by a host with no session yet."""

    name = "launch"
    title = "launch"
    description = "POST /sessions {host}: every request launches a new session for a fresh host."
    needs = (("POST", "/sessions"),)
    expected = frozenset({200, 201})  # 200: replayed after wrapping (launch is idempotent)

    async def render(self, count: int) -> list[bytes]:
        """`count` launches by hosts that never launched."""
        hosts = await self.target.fresh_hosts(count)
        minter = self.target.minter
        return [
            self.target.request(
                "POST", "/sessions", token=minter.host(h.uuid), json_body={"host": h.uuid}
            )
            for h in hosts
        ]


class JoinLeave(Scenario):
    """POST /sessions/players, then DELETE /sessions/{id}/players/{guest}, as one stream.

    A cycle of M pairs (M a multiple of the guest count G): step i joins pair i+LAG and makes
    pair i leave, so joins and leaves are always half and half. Pairs 0..LAG-1 are joined before
    the timed part, and the cycle ends with them joined again, so replaying it stays valid. A
    join must have been answered when its leave is sent, although wrk sends on whichever
    connection is free: LAG is 256 pairs (8 times wrk's connections) in a closed loop, and
    about 2 s of requests at an open-loop rate, where latency near the peak can pass 0.5 s.
    LAG is a multiple of the S sessions, at most capacity-3 pairs each (a session holds LAG/S
    guests besides its host, one more while a join precedes its pair's leave, and a seat is
    spare for requests that overtake each other). Pair k goes to session
    k mod S with the next of that session's own guests; a guest comes back only after G >= 2 LAG
    pairs.

    With `friends=N` the hosts welcome only friends and each has N friends: its own guests
    plus filler hosts (the friends-list scaling scenario).
    """

    name = "join_leave"
    title = "join+leave cycle"
    description = (
        "POST /sessions/players {host, guest} by the guest (a registered host), then "
        "DELETE /sessions/{id}/players/{guest}, half and half; 256 open sessions, 2,048 "
        "guests, each leave sent 256 pairs after its join (about 2 s after it at a fixed "
        "offered rate)."
    )
    needs = (("POST", "/sessions/players"), ("DELETE", "/sessions/{id}/players/{guest}"))
    expected = frozenset({200, 204})
    LAG = 256
    GUESTS = 2048
    #: How far behind its join a leave is sent at an open-loop rate.
    LAG_SECONDS = 2.0

    def __init__(self, target: Target, friends: int | None = None) -> None:
        super().__init__(target)
        self.friends = friends
        # Fewer, larger sessions when every host carries a long friends list.
        self.sessions = 256 if friends is None or friends <= 100 else 16
        self.capacity = 8 if self.sessions == 256 else 64

    async def _hosts(self) -> list[HostCred]:
        if self.friends is None:
            return await self.target.fresh_hosts(self.sessions)
        return await self.target.seeder.hosts(self.sessions, only_friends=True)

    async def _befriend(self, hosts: list[HostCred], slices: list[list[HostCred]]) -> None:
        if self.friends is None:
            return
        fillers = await self.target.pool(f"fillers-{self.friends}", self.friends)
        pairs = []
        for host, own in zip(hosts, slices, strict=True):
            extra = fillers[: max(0, self.friends - len(own))]
            pairs += [(host.uuid, friend.uuid) for friend in [*own, *extra]]
        await self.target.seeder.friends(pairs)

    def _lag(self) -> int:
        """Pairs between a join and its leave (see the class docstring)."""
        wanted = self.LAG
        if self.rate_hint is not None:
            # rate_hint requests/s are rate_hint/2 pairs/s.
            wanted = max(wanted, int(self.rate_hint / 2 * self.LAG_SECONDS))
        per_session = min(self.capacity - 3, -(-wanted // self.sessions))
        return max(1, per_session) * self.sessions

    async def render(self, count: int) -> list[bytes]:
        """About `count` requests: joins and the matching leaves."""
        target, minter = self.target, self.target.minter
        lag = self._lag()
        guest_count = max(self.GUESTS, 2 * lag)
        hosts = await self._hosts()
        guests = await target.fresh_hosts(guest_count)
        per = guest_count // self.sessions
        slices = [guests[i * per : (i + 1) * per] for i in range(self.sessions)]
        await self._befriend(hosts, slices)
        launched = await target.launch(hosts, lambda _: {"capacity": self.capacity})
        cycle = guest_count * max(1, -(-count // 2 // guest_count))

        def guest_of(k: int) -> HostCred:
            return slices[k % self.sessions][(k // self.sessions) % per]

        def join(k: int) -> bytes:
            guest = guest_of(k)
            return target.request(
                "POST",
                "/sessions/players",
                token=minter.host(guest.uuid),
                json_body={"host": hosts[k % self.sessions].uuid, "guest": guest.uuid},
            )

        def leave(k: int) -> bytes:
            guest = guest_of(k)
            return target.request(
                "DELETE",
                f"/sessions/{launched[k % self.sessions]['session_id']}/players/{guest.uuid}",
                token=minter.host(guest.uuid),
            )

        await self._prejoin([guest_of(k) for k in range(lag)], hosts)
        made: list[bytes] = []
        for i in range(cycle):
            made.append(join((i + lag) % cycle))
            made.append(leave(i))
        return made

    async def _prejoin(self, guests: list[HostCred], hosts: list[HostCred]) -> None:
        """Join the first LAG pairs over HTTP before the timed part (the cycle's starting state)."""
        minter = self.target.minter

        async def one(client: httpx.AsyncClient, k: int, guest: HostCred) -> None:
            reply = await client.post(
                "/sessions/players",
                json={"host": hosts[k % self.sessions].uuid, "guest": guest.uuid},
                headers={"Authorization": f"Bearer {minter.host(guest.uuid)}"},
            )
            if reply.status_code != 200:
                raise RuntimeError(f"join before the run: {reply.status_code} {reply.text[:200]}")

        async with self.target.client() as client:
            await gather_limited([partial(one, client, k, g) for k, g in enumerate(guests)])


class _WithSessions(Scenario):
    """Base of the read scenarios: 500 open sessions with keywords mode0..mode9."""

    async def prepare(self) -> None:
        """Launch the sessions once per server (shared by the read scenarios)."""
        self.hosts: list[HostCred] = await self.target.pool("session-hosts", SESSION_POOL)
        if "session-hosts-launched" not in self.target.pools:
            await self.target.launch(
                self.hosts, lambda i: {"keywords": ["bench", f"mode{i % KEYWORDS}"]}
            )
            self.target.pools["session-hosts-launched"] = []


class PlayerSessions(_WithSessions):
    """GET /players/{player}/sessions by the player."""

    name = "player_sessions"
    title = "per-player sessions"
    description = "GET /players/{player}/sessions by the player itself, 500 hosts in sessions."
    needs = (("GET", "/players/{player}/sessions"),)

    async def render(self, count: int) -> list[bytes]:
        """Each player reads its own sessions, rotating."""
        minter = self.target.minter
        return [
            self.target.request("GET", f"/players/{h.uuid}/sessions", token=minter.host(h.uuid))
            for h in self.hosts
        ]


class Query(_WithSessions):
    """GET /sessions?keyword=...&take=20."""

    name = "query"
    title = "query"
    description = (
        "GET /sessions?keyword=modeN&take=20: keyword search over 500 open sessions "
        "(50 match each keyword)."
    )
    needs = (("GET", "/sessions"),)

    async def render(self, count: int) -> list[bytes]:
        """Every host searches, rotating keywords."""
        minter = self.target.minter
        return [
            self.target.request(
                "GET",
                f"/sessions?keyword=mode{i % KEYWORDS}&take=20",
                token=minter.host(h.uuid),
            )
            for i, h in enumerate(self.hosts)
        ]


class Heartbeat(Scenario):
    """POST /sessions/{id}/heartbeat by the host, rotating through many live sessions."""

    name = "heartbeat"
    title = "host heartbeat"
    description = (
        "POST /sessions/{id}/heartbeat by the host (no body), rotating through 10,000 live "
        "sessions (full profile: 100,000) seeded straight into the database: the busiest "
        "write of a real deployment (10^5 sessions heartbeating every 20 s make 5,000 a "
        "second)."
    )
    needs = (("POST", "/sessions/{id}/heartbeat"),)

    async def prepare(self) -> None:
        """Seed the live sessions (each with its host as member) and their hosts' tokens."""
        target = self.target
        hosts = await target.fresh_hosts(target.live_sessions)
        ids = await target.seeder.sessions(hosts)
        await target.seeder.analyze()
        self.beats = [(ids[h.uuid], target.minter.host(h.uuid)) for h in hosts]
        self.next_beat = 0

    async def render(self, count: int) -> list[bytes]:
        """The next `count` heartbeats in rotation (each session's host, in turn)."""
        made: list[bytes] = []
        beats = self.beats
        for k in range(self.next_beat, self.next_beat + count):
            session_id, token = beats[k % len(beats)]
            made.append(
                self.target.request("POST", f"/sessions/{session_id}/heartbeat", token=token)
            )
        self.next_beat = (self.next_beat + count) % len(beats)
        return made


SESSIONS_SCENARIOS: tuple[type[Scenario], ...] = (
    Launch,
    JoinLeave,
    PlayerSessions,
    Query,
    Heartbeat,
)
