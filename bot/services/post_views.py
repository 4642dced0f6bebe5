"""Posts as the services hand them out (PostView), and the details a page adds to them.

The counters (replies, likes, reposts) live on the post row, so every page has them for
free. What lives elsewhere, whom a reply answers, whom a post mentions and what the reader
liked or reposted, comes in one query for the whole page (``with_details``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Post
from bot.domain.values import PostView
from bot.repositories.post_details import PostDetailsRepository


def view_of(
    post: Post,
    author: str | Account,
    *,
    avatar_url: str | None = None,
    display_name: str | None = None,
    reposted_by: str | None = None,
) -> PostView:
    """``post`` by ``author`` (a username, or the account with its display name and avatar)."""
    if isinstance(author, Account):
        author, avatar_url, display_name = author.username, author.avatar_url, author.display_name
    return PostView(
        id=post.id,
        author_id=post.author_id,
        author=author,
        body=post.body,
        created_at=post.created_at,
        edited_at=post.edited_at,
        display_name=display_name,
        avatar_url=avatar_url,
        parent_id=post.parent_id,
        root_id=post.root_id,
        reply_count=post.reply_count,
        like_count=post.like_count,
        repost_count=post.repost_count,
        reposted_by=reposted_by,
    )


async def with_details(
    session: AsyncSession, views: Sequence[PostView], reader_id: int | None
) -> list[PostView]:
    """``views`` with the authors they reply to, the names they mention and the reader's
    likes and reposts filled in. One query at most; none when nothing needs asking."""
    if not views:
        return []
    details = await PostDetailsRepository(session).for_page(
        parent_ids=sorted({v.parent_id for v in views if v.parent_id is not None}),
        # Only a post with an @ in it can mention anyone: most pages skip this part.
        mentioning_ids=[v.id for v in views if "@" in v.body or "＠" in v.body],
        reader_ids=[v.id for v in views],
        reader_id=reader_id,
    )
    return [
        dataclasses.replace(
            view,
            parent_author=details.parent_authors.get(view.parent_id)
            if view.parent_id is not None
            else None,
            mentions=tuple(sorted(details.mentions.get(view.id, ()))),
            liked=view.id in details.liked,
            reposted=view.id in details.reposted,
        )
        for view in views
    ]
