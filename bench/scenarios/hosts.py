"""Scenarios of the hosts API (section 4 of the contract)."""

from __future__ import annotations

from functools import partial

import httpx

from bench.scenarios.base import Scenario, gather_limited
from bench.seed import HostCred


class Register(Scenario):
    """POST /hosts."""

    name = "register"
    title = "register"
    description = "POST /hosts: a new host with a fresh secret (registration limit off)."
    needs = (("POST", "/hosts"),)
    hot = False

    async def render(self, count: int) -> list[bytes]:
        """The same request every time."""
        return [self.target.request("POST", "/hosts")]


class Login(Scenario):
    """GET /hosts/{host}/access_token with HTTP Basic."""

    name = "login"
    title = "login"
    description = "GET /hosts/{host}/access_token with HTTP Basic uuid:secret, 1,000 hosts."
    needs = (("GET", "/hosts/{host}/access_token"),)

    async def prepare(self) -> None:
        """Pick the hosts."""
        self.hosts = await self.target.fresh_hosts(self.target.read_pool)

    async def render(self, count: int) -> list[bytes]:
        """One login per host, rotating."""
        return [
            self.target.request("GET", f"/hosts/{h.uuid}/access_token", basic=h) for h in self.hosts
        ]


class Renew(Scenario):
    """GET /hosts/access_token/renew."""

    name = "renew"
    title = "renew"
    description = "GET /hosts/access_token/renew with a host's bearer token, 1,000 hosts."
    needs = (("GET", "/hosts/access_token/renew"),)

    async def prepare(self) -> None:
        """Pick the hosts."""
        self.hosts = await self.target.fresh_hosts(self.target.read_pool)

    async def render(self, count: int) -> list[bytes]:
        """One renewal per host, rotating."""
        minter = self.target.minter
        return [
            self.target.request("GET", "/hosts/access_token/renew", token=minter.host(h.uuid))
            for h in self.hosts
        ]


class GetHost(Scenario):
    """GET /hosts/{host} by its owner."""

    name = "get_host"
    title = "GET own host"
    description = "GET /hosts/{host} by its owner (the whole resource and its ETag), 1,000 hosts."
    needs = (("GET", "/hosts/{host}"),)

    async def prepare(self) -> None:
        """Pick the reader hosts (shared with the 304 scenario; nothing writes to them)."""
        self.hosts = await self.target.pool("readers", self.target.read_pool)

    async def render(self, count: int) -> list[bytes]:
        """Each host reads itself, rotating."""
        minter = self.target.minter
        return [
            self.target.request("GET", f"/hosts/{h.uuid}", token=minter.host(h.uuid))
            for h in self.hosts
        ]


class GetHostNotModified(GetHost):
    """GET /hosts/{host} with If-None-Match naming the current ETag."""

    name = "get_host_304"
    title = "GET host, If-None-Match -> 304"
    description = "GET /hosts/{host} by its owner with If-None-Match: the current ETag (304)."
    expected = frozenset({304})

    async def prepare(self) -> None:
        """Fetch every reader host's current ETag (not timed)."""
        await super().prepare()
        minter = self.target.minter

        async def etag(client: httpx.AsyncClient, host: HostCred) -> str:
            reply = await client.get(
                f"/hosts/{host.uuid}", headers={"Authorization": f"Bearer {minter.host(host.uuid)}"}
            )
            reply.raise_for_status()
            return reply.headers["etag"]

        async with self.target.client() as client:
            self.etags = await gather_limited([partial(etag, client, h) for h in self.hosts])

    async def render(self, count: int) -> list[bytes]:
        """Each host revalidates its copy, rotating."""
        minter = self.target.minter
        return [
            self.target.request(
                "GET",
                f"/hosts/{h.uuid}",
                token=minter.host(h.uuid),
                headers={"If-None-Match": tag},
            )
            for h, tag in zip(self.hosts, self.etags, strict=True)
        ]


class Befriend(Scenario):
    """POST /hosts/{host}/friends?friend=UUID, always a new friend."""

    name = "befriend"
    title = "befriend"
    description = (
        "POST /hosts/{host}/friends?friend=UUID: 500 hosts each add a host that is not yet a "
        "friend (a new pair every request)."
    )
    needs = (("POST", "/hosts/{host}/friends"),)

    async def prepare(self) -> None:
        """Hosts that befriend, and hosts they befriend."""
        self.hosts = await self.target.fresh_hosts(self.target.write_pool)
        self.friends = await self.target.fresh_hosts(2 * self.target.read_pool)
        self.next_pair = 0

    async def render(self, count: int) -> list[bytes]:
        """`count` pairs never sent before (until all 1,000,000 are used)."""
        minter = self.target.minter
        made: list[bytes] = []
        hosts, friends = self.hosts, self.friends
        for k in range(self.next_pair, self.next_pair + count):
            host = hosts[k % len(hosts)]
            friend = friends[(k // len(hosts)) % len(friends)]
            made.append(
                self.target.request(
                    "POST",
                    f"/hosts/{host.uuid}/friends?friend={friend.uuid}",
                    token=minter.host(host.uuid),
                )
            )
        self.next_pair += count
        return made


class Ban(Scenario):
    """POST /hosts/{host}/banlist?banned=GUEST, always a new noname."""

    name = "ban"
    title = "ban"
    description = "POST /hosts/{host}/banlist?banned=ID: 500 hosts each ban a new noname."
    needs = (("POST", "/hosts/{host}/banlist"),)

    async def prepare(self) -> None:
        """The banning hosts."""
        self.hosts = await self.target.fresh_hosts(self.target.write_pool)
        self.next_ban = 0

    async def render(self, count: int) -> list[bytes]:
        """`count` bans of guests never banned before."""
        minter = self.target.minter
        made = [
            self.target.request(
                "POST",
                f"/hosts/{self.hosts[k % len(self.hosts)].uuid}/banlist?banned=noname-{k}",
                token=minter.host(self.hosts[k % len(self.hosts)].uuid),
            )
            for k in range(self.next_ban, self.next_ban + count)
        ]
        self.next_ban += count
        return made


HOSTS_SCENARIOS: tuple[type[Scenario], ...] = (
    Register,
    Login,
    Renew,
    GetHost,
    GetHostNotModified,
    Befriend,
    Ban,
)
