"""sessions: host migration policy, join code, password hash

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ACTIVE_CODE = "status = 'active' AND join_code IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("migration", sa.String(length=10), server_default="none", nullable=False)
        )
        batch_op.add_column(sa.Column("join_code", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.Text(), nullable=True))
        batch_op.create_index(
            "uq_sessions_active_join_code",
            ["join_code"],
            unique=True,
            postgresql_where=sa.text(_ACTIVE_CODE),
            sqlite_where=sa.text(_ACTIVE_CODE),
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sessions_active_join_code",
            postgresql_where=sa.text(_ACTIVE_CODE),
            sqlite_where=sa.text(_ACTIVE_CODE),
        )
        batch_op.drop_column("password_hash")
        batch_op.drop_column("join_code")
        batch_op.drop_column("migration")
