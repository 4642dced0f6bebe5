"""Search: queries only, on each database's own full-text engine.

Results come newest first by post id (the order posts were published in), because that is
the order both engines can stream matches in without collecting them all: FTS5 walks its
index by rowid, and PostgreSQL walks the primary key. Ordering by ``created_at`` would make
a common word collect and sort every one of its matches (hundreds of thousands at 1M posts).

What makes a search fast is where it starts. A word, an author, a tag and a date range each
name a set of posts, and the smallest set should be walked while the others are checked
per post. Neither engine can estimate those sizes well (FTS5 does not try; PostgreSQL
guesses a phrase's frequency from its words'), so each strategy measures instead: it walks
the cheapest side for a bounded number of rows, and only if that did not fill the page
does it switch (``sqlite.py``, ``postgres.py``).

Every value reaches the database as a bound parameter. The search terms reach FTS5 as
quoted strings and PostgreSQL through ``phraseto_tsquery``, so no query syntax typed by a
user is ever interpreted by an engine.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Post
from bot.repositories.search.criteria import SearchCriteria
from bot.repositories.search.postgres import PostgresSearch
from bot.repositories.search.sqlite import SqliteSearch

__all__ = ["SearchCriteria", "SearchRepository"]


class SearchRepository:
    """Finds matching post ids page by page, ranks them, and loads them."""

    def __init__(self, session: AsyncSession, language: str = "simple") -> None:
        self.session = session
        self._engine: SqliteSearch | PostgresSearch
        if session.bind.dialect.name == "sqlite":
            self._engine = SqliteSearch(session)
        else:
            self._engine = PostgresSearch(session, language)

    async def ids(
        self,
        criteria: SearchCriteria,
        *,
        limit: int,
        below: int | None = None,
        above: int | None = None,
    ) -> list[int]:
        """Up to ``limit`` matching ids, newest first: the newest ones below ``below``, or the
        oldest ones above ``above`` (the page before), or the newest of all."""
        if above is not None:
            return (await self._engine.ids(criteria, limit=limit, bound=above, descending=False))[
                ::-1
            ]
        return await self._engine.ids(criteria, limit=limit, bound=below, descending=True)

    async def scores(self, criteria: SearchCriteria, ids: list[int]) -> dict[int, float]:
        """Relevance of each of ``ids`` to the terms (higher is better; 0 without terms)."""
        if not criteria.terms or not ids:
            return dict.fromkeys(ids, 0.0)
        return await self._engine.scores(criteria, ids)

    async def posts(self, ids: list[int]) -> list[tuple[Post, Account]]:
        """The posts with their authors, in the order of ``ids`` (deleted ones left out)."""
        if not ids:
            return []
        rows = await self.session.execute(
            select(Post, Account)
            .join(Account, Account.id == Post.author_id)
            .where(Post.id.in_(ids))
        )
        found = {post.id: (post, author) for post, author in rows}
        return [found[post_id] for post_id in ids if post_id in found]
