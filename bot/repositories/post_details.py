"""What a page of posts needs besides the posts: the authors replied to, the names
mentioned, and what the reader liked or reposted, in one query for the whole page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Mention, Post, PostLike, Repost


@dataclass
class PostDetails:
    parent_authors: dict[int, str] = field(default_factory=dict)  # parent post id -> username
    mentions: dict[int, list[str]] = field(default_factory=dict)  # post id -> usernames
    liked: set[int] = field(default_factory=set)  # post ids the reader liked
    reposted: set[int] = field(default_factory=set)


class PostDetailsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_page(
        self,
        *,
        parent_ids: Sequence[int],
        mentioning_ids: Sequence[int],
        reader_ids: Sequence[int],
        reader_id: int | None,
    ) -> PostDetails:
        """``parent_ids``: posts replied to; ``mentioning_ids``: posts that may mention
        someone (they contain an @); ``reader_ids``: posts whose like and repost buttons
        show the reader's state. Nothing to ask, no query."""
        parts: list[Any] = []
        if parent_ids:
            parts.append(
                select(literal("p").label("kind"), Post.id, Account.username)
                .join(Account, Account.id == Post.author_id)
                .where(Post.id.in_(list(parent_ids)))
            )
        if mentioning_ids:
            parts.append(
                select(literal("m"), Mention.post_id, Account.username)
                .join(Account, Account.id == Mention.account_id)
                .where(Mention.post_id.in_(list(mentioning_ids)))
            )
        if reader_id is not None and reader_ids:
            for kind, table in (("l", PostLike), ("r", Repost)):
                parts.append(
                    select(literal(kind), table.post_id, null()).where(
                        table.account_id == reader_id, table.post_id.in_(list(reader_ids))
                    )
                )
        details = PostDetails()
        if not parts:
            return details
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        for kind, post_id, name in await self.session.execute(statement):
            if kind == "p":
                details.parent_authors[post_id] = name
            elif kind == "m":
                details.mentions.setdefault(post_id, []).append(name)
            elif kind == "l":
                details.liked.add(post_id)
            else:
                details.reposted.add(post_id)
        return details
