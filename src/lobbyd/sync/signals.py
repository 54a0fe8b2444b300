"""Signaling between members: `signal` on the sync socket and `POST /sync/{key}/signals`.

A member sends `{to, data}`; the addressee's open sockets, on whichever replica, receive
`{"type": "signal", "from", "data"}`. Signals are ephemeral (store.signals): not versioned,
not in the change log, never replayed, at most once, in order per sender and addressee. The
addressee must be a member of the document now; `data` is an object of at most 16 KiB of
compact JSON; each socket (and, over HTTP, each caller on each document) may send
`LOBBYD_SIGNAL_RATE` signals a second.
"""

from __future__ import annotations

from lobbyd.auth.tokens import Claims
from lobbyd.config import Settings
from lobbyd.errors import RateLimited
from lobbyd.kit.bucket import TokenBucket
from lobbyd.kit.clock import Clock
from lobbyd.kit.ids import canonical_uuid
from lobbyd.store import codec
from lobbyd.store.base import JSON, Document, SyncStore
from lobbyd.store.signals import Inbox, SignalBus
from lobbyd.sync.service import SyncService

#: The largest `data` of a signal, in bytes of compact JSON.
MAX_DATA = 16 * 1024
#: HTTP senders whose rate is remembered; all are forgotten beyond this.
SENDERS_KEPT = 100_000


class Signals:
    """Checks and sends signals; opens the inboxes sockets listen on."""

    def __init__(
        self, bus: SignalBus, sync: SyncService, store: SyncStore, settings: Settings, clock: Clock
    ) -> None:
        self.bus = bus
        self.sync = sync
        self.store = store
        self.rate = settings.signal_rate
        self.clock = clock
        self._http_buckets: dict[tuple[str, str], TokenBucket] = {}

    def bucket(self) -> TokenBucket:
        """A fresh rate limit (one per socket)."""
        return TokenBucket(self.rate, self.clock)

    async def listen(self, key: str, player: str) -> Inbox:
        """The inbox of one of `player`'s sockets on document `key`."""
        return await self.bus.listen(key, player)

    async def send(
        self, sender: str, key: str, to: str, data: JSON, *, admin: bool = False
    ) -> None:
        """Send from a socket's player (authorized when the socket opened, and still a member
        now unless an admin): 404 no_document, 409 session_ended or not_member, 413
        too_large."""
        text = encode(sender, data)
        document = await self.store.get(key)
        if not admin and sender not in document.members:
            raise codec.no_document()  # it just left: its socket is about to close
        await self._deliver(document, key, to, text)

    async def post(self, principal: Claims, key: str, to: str, data: JSON) -> None:
        """Send over HTTP: the caller must be a member or an admin (else 404 no_document, as
        for every sync read); 429 past the rate."""
        document = await self.sync.get(principal, key)
        if not self._http_bucket(principal.subject, key).take():
            raise RateLimited(1)
        await self._deliver(document, key, to, encode(principal.subject, data))

    async def _deliver(self, document: Document, key: str, to: str, text: str) -> None:
        to = canonical_uuid(to) or to
        if document.ended:
            raise codec.session_ended()
        if to not in document.members:
            raise codec.not_member(to)
        await self.bus.publish(key, to, text)

    def _http_bucket(self, subject: str, key: str) -> TokenBucket:
        bucket = self._http_buckets.get((subject, key))
        if bucket is None:
            if len(self._http_buckets) >= SENDERS_KEPT:
                self._http_buckets.clear()
            bucket = self._http_buckets[(subject, key)] = self.bucket()
        return bucket


def encode(sender: str, data: JSON) -> str:
    """The message the addressee receives; 413 too_large past MAX_DATA."""
    data_text = codec.dumps(data)
    if codec.size(data_text) > MAX_DATA:
        raise codec.too_large("a signal's data", MAX_DATA)
    return f'{{"type":"signal","from":{codec.dumps(sender)},"data":{data_text}}}'
