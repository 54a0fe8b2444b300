"""The schema, declared once as SQLAlchemy Core metadata; Alembic migrations are made from it.

Timestamps are epoch seconds (double precision): portable, cheap to compare, and formatted as
RFC 3339 only at the edge.
"""

from __future__ import annotations

from sqlalchemy import (
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
