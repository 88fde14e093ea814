"""product systems: enterprises' ISO 14067 product models

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("gwp_set", sa.String(length=8), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_product_systems_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_product_systems_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_product_systems_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_systems")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_product_systems_org_id")),
    )
    with op.batch_alter_table("product_systems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_systems_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product_systems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_systems_org_id"))
    op.drop_table("product_systems")
