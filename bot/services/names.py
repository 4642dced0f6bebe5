"""Look-alike usernames that existed before names were compared by skeleton (migration 0006).

They are reported, never changed: renaming someone is a decision for people, not for a
migration. ``python -m bot db check-names`` prints this report.
"""

from __future__ import annotations

from bot.db.engine import Database
from bot.domain.rules import username_skeletons
from bot.repositories.accounts import AccountRepository


async def look_alike_report(database: Database) -> list[str]:
    """One line per group of accounts whose names look alike, and one per account whose
    stored skeletons are out of date (the confusables data changed with an upgrade)."""
    async with database.read() as session:
        accounts = AccountRepository(session)
        groups = await accounts.look_alike_groups()
        names = await accounts.all_names()
    lines = [
        "Look alike: "
        + ", ".join(
            f"{username!r} (account {account_id}{', flagged' if flagged else ''})"
            for account_id, username, flagged in group
        )
        for group in groups
    ]
    for account_id, username, folded, shown in names:
        if username_skeletons(username) != (folded, shown):
            lines.append(f"Out of date skeleton: {username!r} (account {account_id})")
    return lines
