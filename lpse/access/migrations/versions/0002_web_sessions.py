"""The web application's sessions, kept server-side so that logout and a password change end them."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        # SHA-256 of the token in the browser's (signed) cookie: the table alone logs nobody in.
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("created", sa.String(20), nullable=False),
        sa.Column("seen", sa.String(20), nullable=False),
    )
    op.create_index("web_sessions_user", "web_sessions", ["username"])
