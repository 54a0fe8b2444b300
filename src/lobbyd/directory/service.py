"""The directory's rules: per-player sessions, invites, reservations, queries, platforms."""

from __future__ import annotations

from lobbyd.config import Settings
from lobbyd.db import Database
from lobbyd.hosts.service import HostsService
from lobbyd.kit.clock import Clock
from lobbyd.sessions.service import SessionsService


class DirectoryService:
    """What the four comparable session APIs offer, over lobbyd's sessions."""

    def __init__(
        self,
        db: Database,
        sessions: SessionsService,
        hosts: HostsService,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self.db = db
        self.sessions = sessions
        self.hosts = hosts
        self.settings = settings
        self.clock = clock
