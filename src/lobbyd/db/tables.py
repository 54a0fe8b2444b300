"""The schema, declared once as SQLAlchemy Core metadata; Alembic migrations are made from it.

Timestamps are epoch seconds (double precision): portable, cheap to compare, and formatted as
RFC 3339 only at the edge.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

hosts = Table(
    "hosts",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("secret_digest", String(64), nullable=False),
    # Bumped when the secret is rotated; tokens carry it, so older tokens stop working.
    Column("secret_gen", Integer, nullable=False, server_default="0"),
    Column("only_friends", Boolean, nullable=False),
    Column("allow_nonames", Boolean, nullable=False),
    Column("created_at", Double, nullable=False),
    # Bumped by every write; the ETag of the host resource and the row lock of host writes.
    Column("version", Integer, nullable=False, server_default="0"),
    # Kept by the same transactions that change the lists, so limits need no count(*).
    Column("friend_count", Integer, nullable=False, server_default="0"),
    Column("ban_count", Integer, nullable=False, server_default="0"),
)

friends = Table(
    "friends",
    metadata,
    Column("host", String(36), ForeignKey("hosts.uuid", ondelete="CASCADE"), primary_key=True),
    Column("friend", String(36), ForeignKey("hosts.uuid", ondelete="CASCADE"), primary_key=True),
    Column("added_at", Double, nullable=False),
    Index(None, "friend"),
)

bans = Table(
    "bans",
    metadata,
    Column("host", String(36), ForeignKey("hosts.uuid", ondelete="CASCADE"), primary_key=True),
    Column("banned", String(128), primary_key=True),
    Column("added_at", Double, nullable=False),
)

# BIGINT on PostgreSQL (a sequence: never reused); INTEGER PRIMARY KEY AUTOINCREMENT on SQLite
# (AUTOINCREMENT also guarantees an id is never reused, even after deletes).
SessionId = BigInteger().with_variant(Integer, "sqlite")

sessions = Table(
    "sessions",
    metadata,
    Column("id", SessionId, primary_key=True, autoincrement=True),
    Column("host", String(36), nullable=False),
    Column("key", String(64), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("visibility", String(8), nullable=False),
    Column("labels", Text, nullable=False),  # JSON object
    Column("keywords", Text, nullable=False),  # JSON array (also rows of session_keywords)
    Column("connection", Text, nullable=True),  # JSON object
    Column("turn", Text, nullable=False),  # JSON array of players
    Column("status", String(8), nullable=False),  # active | ended
    Column("end_reason", String(32), nullable=True),
    Column("created_at", Double, nullable=False),
    Column("ended_at", Double, nullable=True),
    Column("host_seen_at", Double, nullable=False),
    # Bumped by every change to the session; its row lock serializes joins, bans and kicks.
    Column("version", Integer, nullable=False),
    # Number of the last membership event written to session_events.
    Column("event_seq", Integer, nullable=False),
    # Lobby features: "none" | "automatic" host migration; the join code (NULL: none); the
    # argon2id hash of the session password (NULL: no password).
    Column("migration", String(10), nullable=False, server_default="none"),
    Column("join_code", String(6), nullable=True),
    Column("password_hash", Text, nullable=True),
    sqlite_autoincrement=True,
)
# A join code names one active session; the database enforces it under any concurrency.
Index(
    "uq_sessions_active_join_code",
    sessions.c.join_code,
    unique=True,
    postgresql_where=text("status = 'active' AND join_code IS NOT NULL"),
    sqlite_where=text("status = 'active' AND join_code IS NOT NULL"),
)
# One active session per host; launch relies on it to stay idempotent under concurrency.
Index(
    "uq_sessions_active_host",
    sessions.c.host,
    unique=True,
    postgresql_where=text("status = 'active'"),
    sqlite_where=text("status = 'active'"),
)
# The sweep finds silent hosts through this.
Index(
    "ix_sessions_active_seen",
    sessions.c.host_seen_at,
    postgresql_where=text("status = 'active'"),
    sqlite_where=text("status = 'active'"),
)

members = Table(
    "members",
    metadata,
    Column(
        "session_id", SessionId, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("player", String(128), primary_key=True),
    Column("role", String(8), nullable=False),  # host | guest
    Column("joined_at", Double, nullable=False),
    Column("seen_at", Double, nullable=False),
    # Rows exist only while the session is active, so this is "a player is in at most one
    # active session", enforced by the database under any concurrency.
    Index("uq_members_player", "player", unique=True),
    Index(None, "seen_at"),
)

invites = Table(
    "invites",
    metadata,
    Column(
        "session_id", SessionId, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("player", String(128), primary_key=True),
    Column("inviter", String(36), nullable=False),
    Column("created_at", Double, nullable=False),
    Index(None, "player"),
)

reservations = Table(
    "reservations",
    metadata,
    Column(
        "session_id", SessionId, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("player", String(128), primary_key=True),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
    Index(None, "player"),
    Index(None, "expires_at"),
)

session_keywords = Table(
    "session_keywords",
    metadata,
    Column(
        "session_id", SessionId, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("keyword", String(64), primary_key=True),
    Index(None, "keyword", "session_id"),
)

# Membership events, written in the transaction that makes the change and relayed to the sync
# store after it commits: nothing is announced for a rolled-back change, nothing committed is
# lost if the store is briefly away (the sweep relays what is left).
session_events = Table(
    "session_events",
    metadata,
    Column(
        "session_id", SessionId, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("seq", Integer, primary_key=True),
    Column("type", String(16), nullable=False),
    Column("player", String(128), nullable=True),
    Column("reason", String(32), nullable=True),
    Column("created_at", Double, nullable=False),
)

# Directory (docs/directory.md). Keyset pages of "all active sessions" (admin listings), also
# by type, walk these instead of every session ever ended.
Index(
    "ix_sessions_active_id",
    sessions.c.id,
    postgresql_where=text("status = 'active'"),
    sqlite_where=text("status = 'active'"),
)
Index(
    "ix_sessions_active_type",
    sessions.c.type,
    sessions.c.id,
    postgresql_where=text("status = 'active'"),
    sqlite_where=text("status = 'active'"),
)

# A platform's own session (Steam lobby, PSN session, ...) linked to a lobbyd session; at most one
# link per (lobbyd session, platform), and a platform session links to one lobbyd session.
platform_sessions = Table(
    "platform_sessions",
    metadata,
    Column("platform", String(16), primary_key=True),
    # Ids may be 4096 characters, past what a B-tree entry holds; their SHA-256 is the key.
    Column("id_digest", String(64), primary_key=True),
    Column("platform_session_id", Text, nullable=False),
    Column("platform_session_type", String(128), nullable=False),
    Column("custom_data", Text, nullable=False),  # JSON object of strings
    Column("session_id", SessionId, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("updated_at", Double, nullable=False),
    Index(None, "session_id", "platform", unique=True),
)
