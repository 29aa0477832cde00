"""The chain of records, its head, and the accounts of the web application."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("visit", sa.String(32), nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_index("records_visit", "records", ["visit", "seq"])
    op.create_index("records_kind", "records", ["kind", "seq"])
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.execute(sa.text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :h)").bindparams(h=bytes(32)))
    op.create_table(
        "accounts",
        sa.Column("username", sa.String(32), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created", sa.String(20), nullable=False),
    )
