"""The hosts API's rules; every write is one transaction that starts by locking the host row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from lobbyd.auth.scopes import ADMIN_SUBJECT, HOST_SCOPES
from lobbyd.auth.tokens import Claims, Tokens
from lobbyd.config import Settings
from lobbyd.db import Connection, Database, IntegrityError
from lobbyd.errors import BadRequest, Forbidden, Unauthorized, not_found_other, not_found_this
from lobbyd.hosts import repository as repo
from lobbyd.hosts.repository import HostRecord
from lobbyd.hosts.schemas import Host, HostPublic, Registered, Token
from lobbyd.kit.clock import Clock
from lobbyd.kit.etags import etag_of
from lobbyd.kit.ids import digest, digest_matches, new_secret, new_uuid

AfterCommit = Callable[[], Awaitable[None]]
#: Called inside a ban's transaction with (conn, host, banned guest).
BanHook = Callable[[Connection, str, str], Awaitable[AfterCommit | None]]
#: Called inside a host deletion's transaction with (conn, host).
DeleteHook = Callable[[Connection, str], Awaitable[AfterCommit | None]]


@dataclass(frozen=True, slots=True)
class Relationship:
    """What the welcome rule needs to know about a host and a guest."""

    only_friends: bool
    allow_nonames: bool
    friend: bool
    banned: bool
    registered: bool


class HostsService:
    """Registration, login, and a host's settings and lists."""

    def __init__(self, db: Database, tokens: Tokens, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.tokens = tokens
        self.settings = settings
        self.clock = clock
        self.ban_hooks: list[BanHook] = []
        self.delete_hooks: list[DeleteHook] = []
        #: Called with the host's uuid once a secret rotation or the deletion has committed.
        self.rotated_hooks: list[Callable[[str], None]] = []

    async def register(self) -> Registered:
        """Create a host; its secret is returned once and only its digest is kept."""
        secret = new_secret()
        async with self.db.autocommit() as conn:  # one INSERT: no transaction round trips
            record = await repo.insert(conn, new_uuid(), digest(secret), self.clock.now())
        return Registered(**self._view(record, [], []).model_dump(), secret=secret)

    async def login(self, host: str, username: str | None, password: str | None) -> Token:
        """A token for a host proving its secret (or its uuid alone with LOBBYD_LOGIN=uuid)."""
        record = await repo.get(self.db, host)
        if record is None:
            raise not_found_this()
        if self.settings.login != "uuid":
            self._prove(record, username, password)
        return self._token(record)

    async def renew(self, principal: Claims) -> Token:
        """A fresh token for the caller."""
        if principal.player is None:  # a service token: the same scopes, never more
            token = self.tokens.issue(ADMIN_SUBJECT, principal.scopes)
            return Token(token=token, expires_in=self.tokens.ttl)
        record = await repo.get(self.db, principal.player)
        if record is None:
            raise not_found_this()
        return self._token(record)

    async def etag(self, principal: Claims, host: str) -> str | None:
        """The ETag GET /hosts/{host} would carry, from one cheap read; None if no such host."""
        record = await repo.get(self.db, host)
        return None if record is None else self._etag(principal, record)

    async def get(self, principal: Claims, host: str) -> tuple[Host | HostPublic, str]:
        """The owner's (or an admin's) whole view, or anyone else's public view, with its ETag."""
        owner = self._owns(principal, host)
        found = await (repo.view(self.db, host) if owner else repo.get(self.db, host))
        if found is None:
            raise not_found_this() if principal.player == host else not_found_other()
        if isinstance(found, HostRecord):
            public = HostPublic(
                uuid=found.uuid, only_friends=found.only_friends, allow_nonames=found.allow_nonames
            )
            return public, self._etag(principal, found)
        record, friends, banlist = found
        return self._view(record, friends, banlist), self._etag(principal, record)

    async def set_only_friends(self, principal: Claims, host: str, value: bool) -> Host:
        """Welcome only friends, or not."""
        return await self._set_flag(principal, host, "only_friends", value)

    async def set_allow_nonames(self, principal: Claims, host: str, value: bool) -> Host:
        """Welcome nonames, or not."""
        return await self._set_flag(principal, host, "allow_nonames", value)

    async def befriend(self, principal: Claims, host: str, friend: str) -> Host:
        """Add a registered host to the friends list; already a friend is not an error."""
        self._require_owner(principal, host)
        async with self.db.transaction() as conn:
            record = await self._lock(conn, principal, host)
            if friend == host:
                raise BadRequest("a host cannot befriend itself", "befriend_self")
            relation = await repo.relationship(conn, host, friend)
            assert relation is not None  # the host row is locked: it exists
            if not relation["registered"]:
                raise not_found_other()
            if relation["banned"]:
                raise BadRequest("this host is banned; unban it first", "friend_banned")
            if not relation["friend"]:
                if record.friend_count >= self.settings.max_friends:
                    raise BadRequest("the friends list is full", "list_full")
                try:
                    await repo.add_friend(conn, host, friend, self.clock.now())
                except IntegrityError as exc:  # the friend was deleted meanwhile
                    raise not_found_other() from exc
            return await self._reload(conn, record)

    async def unfriend(self, principal: Claims, host: str, former_friend: str) -> Host:
        """Remove a friend; 404 not found other if it was not one."""
        self._require_owner(principal, host)
        async with self.db.transaction() as conn:
            record = await self._lock(conn, principal, host)
            if not await repo.remove_friend(conn, host, former_friend):
                raise not_found_other()
            return await self._reload(conn, record)

    async def ban(self, principal: Claims, host: str, guest: str) -> Host:
        """Ban a guest: it leaves the friends list and the host's live session at once."""
        self._require_owner(principal, host)
        after: list[AfterCommit] = []
        async with self.db.transaction() as conn:
            record = await self._lock(conn, principal, host)
            if guest == host:
                raise BadRequest("a host cannot ban itself", "ban_self")
            full = record.ban_count >= self.settings.max_banlist
            if full and not await repo.is_banned(conn, host, guest):
                raise BadRequest("the banlist is full", "list_full")
            await repo.add_ban(conn, host, guest, self.clock.now())
            await repo.remove_friend(conn, host, guest)
            for hook in self.ban_hooks:
                action = await hook(conn, host, guest)
                if action is not None:
                    after.append(action)
            view = await self._reload(conn, record)
        for action in after:
            await action()
        return view

    async def unban(self, principal: Claims, host: str, banned: str) -> Host:
        """Lift a ban; 404 not found other if the guest was not banned."""
        self._require_owner(principal, host)
        async with self.db.transaction() as conn:
            record = await self._lock(conn, principal, host)
            if not await repo.remove_ban(conn, host, banned):
                raise not_found_other()
            return await self._reload(conn, record)

    async def delete(self, principal: Claims, host: str) -> None:
        """Delete the account: its session ends and it leaves every friends list."""
        self._require_owner(principal, host)
        after: list[AfterCommit] = []
        async with self.db.transaction() as conn:
            if await repo.lock_for_delete(conn, host) is None:
                raise not_found_this() if principal.player == host else not_found_other()
            for hook in self.delete_hooks:
                action = await hook(conn, host)
                if action is not None:
                    after.append(action)
            await repo.delete(conn, host)
        for forget in self.rotated_hooks:  # its tokens stop working here at once
            forget(host)
        for action in after:
            await action()

    async def rotate_secret(
        self, host: str, principal: Claims | None, username: str | None, password: str | None
    ) -> Registered:
        """A new secret; every token issued before stops working. The caller proves the current
        secret (HTTP Basic) or is an admin: a stolen token alone cannot take the account."""
        if principal is not None:
            if not principal.is_admin:
                raise Forbidden("rotating a secret needs the current secret or an admin token")
        else:
            await self._check_secret(host, username, password)
        secret = new_secret()
        async with self.db.transaction() as conn:
            record = await repo.lock(conn, host)
            if record is None:
                raise not_found_other() if principal is not None else not_found_this()
            if principal is None:
                # Proved again under the row lock: of concurrent rotations with the same old
                # secret, only the first may succeed (the read above only turns away cheap misses).
                self._prove(record, username, password)
            await repo.set_secret(conn, host, digest(secret))
            view = await self._reload(conn, record)
        for hook in self.rotated_hooks:
            hook(host)
        return Registered(**view.model_dump(), secret=secret)

    async def _check_secret(self, host: str, username: str | None, password: str | None) -> None:
        record = await repo.get(self.db, host)
        if record is None:
            raise not_found_this()
        self._prove(record, username, password)

    @staticmethod
    def _prove(record: HostRecord, username: str | None, password: str | None) -> None:
        if username is None or password is None:
            raise Unauthorized(
                "log in with HTTP Basic: the host uuid and its secret", scheme="Basic"
            )
        if username.lower() != record.uuid or not digest_matches(password, record.secret_digest):
            raise Unauthorized("wrong host or secret", scheme="Basic")

    async def secret_generation(self, host: str) -> int | None:
        """The host's current secret generation (None if gone); tokens must carry it."""
        return await repo.secret_generation(self.db, host)

    async def relationship(self, conn: Connection, host: str, guest: str) -> Relationship | None:
        """The host's flags and lists as they concern one guest; None if no such host."""
        row = await repo.relationship(conn, host, guest)
        if row is None:
            return None
        return Relationship(
            only_friends=bool(row["only_friends"]),
            allow_nonames=bool(row["allow_nonames"]),
            friend=bool(row["friend"]),
            banned=bool(row["banned"]),
            registered=bool(row["registered"]),
        )

    async def registered(self, player: str) -> bool:
        """True when the player id is a registered host's uuid (not a noname)."""
        return await repo.exists(self.db, player)

    async def nonames(self, conn: Connection, players: Sequence[str]) -> list[str]:
        """The players that are not registered hosts, in order."""
        registered = await repo.registered_among(conn, players)
        return [player for player in players if player not in registered]

    async def exists(self, conn: Connection, host: str) -> bool:
        """True when the host is registered."""
        return await repo.exists(conn, host)

    async def _set_flag(self, principal: Claims, host: str, flag: repo.Flag, value: bool) -> Host:
        self._require_owner(principal, host)
        async with self.db.transaction() as conn:
            record = await self._lock(conn, principal, host)
            await repo.set_flag(conn, host, flag, value)
            return await self._reload(conn, record)

    async def _lock(self, conn: Connection, principal: Claims, host: str) -> HostRecord:
        record = await repo.lock(conn, host)
        if record is None:
            raise not_found_this() if principal.player == host else not_found_other()
        return record

    async def _reload(self, conn: Connection, record: HostRecord) -> Host:
        found = await repo.view(conn, record.uuid)
        assert found is not None
        return self._view(*found)

    def _token(self, record: HostRecord) -> Token:
        token = self.tokens.issue(record.uuid, HOST_SCOPES, generation=record.secret_gen)
        return Token(token=token, expires_in=self.tokens.ttl)

    @staticmethod
    def _owns(principal: Claims, host: str) -> bool:
        return principal.player == host or principal.is_admin

    def _require_owner(self, principal: Claims, host: str) -> None:
        if not self._owns(principal, host):
            raise Forbidden("this belongs to another host")

    def _etag(self, principal: Claims, record: HostRecord) -> str:
        if self._owns(principal, record.uuid):
            return etag_of("host", record.uuid, record.version, "owner")
        # Only what the public view shows: the owner's lists are none of a stranger's business,
        # and a tag that changed with them would tell that they did.
        return etag_of("host", record.uuid, record.only_friends, record.allow_nonames, "public")

    @staticmethod
    def _view(record: HostRecord, friends: list[str], banlist: list[str]) -> Host:
        return Host(
            uuid=record.uuid,
            only_friends=record.only_friends,
            allow_nonames=record.allow_nonames,
            friends=friends,
            banlist=banlist,
        )
