"""The sync API's rules: who may read and write a session's source of truth."""

from __future__ import annotations

from lobbyd.config import Settings
from lobbyd.kit.clock import Clock
from lobbyd.sessions.service import SessionsService
from lobbyd.store.base import SyncStore


class SyncService:
    """Reads and writes of source-of-truth documents, checked against session membership."""

    def __init__(
        self, store: SyncStore, sessions: SessionsService, settings: Settings, clock: Clock
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
