"""blocks end follows; follower and following counters recounted from their rows

The social graph (0003) and blocks (0006) were built side by side: until now a block left
the follows between the two accounts in place, and deleting an account took its follows
away without taking them off the other accounts' counters. From here on the services keep
both right; this makes the data already stored right too.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM follow WHERE EXISTS (SELECT 1 FROM block WHERE "
        "(block.blocker_id = follow.follower_id AND block.blocked_id = follow.followed_id) "
        "OR (block.blocker_id = follow.followed_id AND block.blocked_id = follow.follower_id))"
    )
    op.execute(
        "UPDATE account SET "
        "follower_count = (SELECT COUNT(*) FROM follow WHERE follow.followed_id = account.id), "
        "following_count = (SELECT COUNT(*) FROM follow WHERE follow.follower_id = account.id)"
    )


def downgrade() -> None:
    # Nothing to undo in the schema; the follows a block ended stay ended.
    pass
