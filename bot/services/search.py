"""/search and /trending: posts by words, phrases, tags, author and dates; the busiest tags.

Newest first pages walk by post id (keyset, like the feed). "Best match first" ranks the
newest ``BEST_WINDOW`` matches by the engine's relevance (FTS5's bm25, PostgreSQL's
ts_rank_cd) and pages through that ranking: ranking every match of a common word would
cost time in proportion to the whole history, on every page.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SearchSettings
from bot.db.engine import Database
from bot.db.models import Account, Post
from bot.domain.clock import Clock, utcnow
from bot.domain.cursors import BEST, NEWER, OLDER, SearchCursor, decode_search_cursor
from bot.domain.errors import AccountNotFound, ValidationError
from bot.domain.hashtags import HASH_SIGNS, tag_key
from bot.domain.rules import USERNAME_PUNCTUATION, username_key
from bot.domain.search_query import SearchOrder, SearchQuery, fold, parse_search
from bot.domain.values import Audience, ChatUser, PostView, SearchPage, TrendingTags
from bot.repositories.accounts import AccountRepository
from bot.repositories.posts import PostRepository
from bot.repositories.search import SearchCriteria, SearchRepository
from bot.repositories.tags import TagRepository
from bot.services.auth import AuthService

BEST_WINDOW = 1_000
TRENDING_LIMIT = 10
TRENDING_CACHE_SECONDS = 60.0  # /trending changes slowly; one count per minute per process
AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices
CHOICE_MAX = 100  # Discord's limit for a choice's name and value


class SearchRows(NamedTuple):
    """What one search read found: the page's rows and the cursors around it."""

    rows: list[tuple[Post, Account]]
    previous: str | None
    following: str | None
    best: tuple[int, int, int] | None  # window top, offset, ranked


class SearchService:
    def __init__(
        self,
        database: Database,
        auth: AuthService,
        settings: SearchSettings,
        clock: Clock = utcnow,
    ) -> None:
        self.db = database
        self.auth = auth  # who is reading: their blocks and mutes
        self.settings = settings
        self.clock = clock
        self._trending: tuple[float, TrendingTags] | None = None

    async def search(
        self,
        query: str,
        cursor: str | None = None,
        order: str = SearchOrder.NEWEST,
        *,
        reader: ChatUser | None = None,
        guild_id: int | None = None,
    ) -> SearchPage:
        """One page of posts matching ``query``; ``cursor`` comes from a previous page.

        ``reader`` (who asked) and ``guild_id`` (where it is shown) decide what is visible,
        by the rule the feeds follow (PostRepository.visible_to).
        """
        parsed = parse_search(query)
        try:
            order = SearchOrder(order)
        except ValueError:
            raise ValidationError("order", "Order the results by newest or best.") from None
        position = decode_search_cursor(cursor) if cursor else None
        if position is not None and (position.direction == BEST) != (order is SearchOrder.BEST):
            raise ValidationError("cursor", "That page link is not valid any more.")
        now = self.clock()

        async def read(session: AsyncSession) -> tuple[Audience, SearchRows]:
            audience = Audience(
                now=now, account_id=await self.auth.viewer(session, reader), guild_id=guild_id
            )
            hidden = await PostRepository(session).hidden_author_ids(audience)
            criteria = await self._criteria(AccountRepository(session), parsed, hidden)
            results = SearchRepository(session, self.settings.language)
            if order is SearchOrder.BEST:
                ids, previous, following, best = await self._best(results, criteria, position)
            else:
                ids, previous, following = await self._newest(results, criteria, position)
                best = None
            return audience, SearchRows(await results.posts(ids), previous, following, best)

        # One hop, as the feeds read (bot/db/reads.py): a search asks several queries.
        audience, found = await self.db.run_read(read)
        rows, previous, following, best = found
        return SearchPage(
            posts=[_view(post, author) for post, author in rows],
            query=parsed.canonical(),
            order=order.value,
            next=following,
            previous=previous,
            ranked_of=best[2] if best else None,
            window_top=best[0] if best else None,
            offset=best[1] if best else 0,
            viewer_id=audience.account_id,
        )

    async def _criteria(
        self, accounts: AccountRepository, query: SearchQuery, hidden: list[int]
    ) -> SearchCriteria:
        author_id = None
        if query.author_key is not None:
            author = await accounts.get_by_key(query.author_key)
            if author is None:
                raise AccountNotFound(query.author or query.author_key)
            author_id = author.id
        return SearchCriteria(
            terms=query.words + query.phrases,
            tags=query.tags,
            author_id=author_id,
            created_from=query.created_from,
            created_until=query.created_until,
            excluded_author_ids=tuple(hidden),
        )

    async def _newest(
        self, results: SearchRepository, criteria: SearchCriteria, position: SearchCursor | None
    ) -> tuple[list[int], str | None, str | None]:
        """Ids of the page, and cursors for the page before and after it."""
        size = self.settings.page_size
        # One row more than shown says whether there is more in that direction.
        if position is not None and position.direction == NEWER:
            ids = await results.ids(criteria, limit=size + 1, above=position.post_id)
            if len(ids) > size:
                ids = ids[-size:]  # newest first: the extra row is the newest
                return ids, _cursor(NEWER, ids[0]), _cursor(OLDER, ids[-1])
            # Reached the top: show the first page rather than a stub.
            position = None
        below = position.post_id if position is not None else None
        ids = await results.ids(criteria, limit=size + 1, below=below)
        more = len(ids) > size
        ids = ids[:size]
        if not ids:
            return [], None, None
        # A page reached by Older has the page it came from above it.
        previous = _cursor(NEWER, ids[0]) if position is not None else None
        return ids, previous, _cursor(OLDER, ids[-1]) if more else None

    async def _best(
        self, results: SearchRepository, criteria: SearchCriteria, position: SearchCursor | None
    ) -> tuple[list[int], str | None, str | None, tuple[int, int, int] | None]:
        size = self.settings.page_size
        # The window is pinned to its newest post, so new posts do not shift later pages.
        below = position.post_id + 1 if position is not None else None
        window = await results.ids(criteria, limit=BEST_WINDOW, below=below)
        if not window:
            return [], None, None, None
        scores = await results.scores(criteria, window)
        ranked = sorted(window, key=lambda post_id: (-scores.get(post_id, 0.0), -post_id))
        offset = position.offset if position is not None else 0
        offset = min(offset, (len(ranked) - 1) // size * size)  # past the end: the last page
        top = window[0]
        following = SearchCursor(BEST, top, offset + size).encode()
        previous = SearchCursor(BEST, top, max(0, offset - size)).encode()
        return (
            ranked[offset : offset + size],
            previous if offset > 0 else None,
            following if offset + size < len(ranked) else None,
            (top, offset, len(ranked)),
        )

    async def trending(self) -> TrendingTags:
        """The most used tags of the last 24 hours and 7 days (counted at most once a minute)."""
        cached = self._trending
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        now = self.clock()
        async with self.db.read() as session:
            tags = TagRepository(session)
            found = TrendingTags(
                day=await tags.trending(now - timedelta(days=1), now, TRENDING_LIMIT),
                week=await tags.trending(now - timedelta(days=7), now, TRENDING_LIMIT),
            )
        self._trending = (time.monotonic() + TRENDING_CACHE_SECONDS, found)
        return found

    async def usernames(self, prefix: str) -> list[str]:
        """Usernames starting with ``prefix`` (compared as usernames are), for autocomplete."""
        typed = prefix.strip().removeprefix("@")
        if not all(char.isalnum() or char in USERNAME_PUNCTUATION for char in typed):
            return []
        async with self.db.read() as session:
            return await AccountRepository(session).usernames_starting(
                username_key(typed), AUTOCOMPLETE_LIMIT
            )

    async def tags(self, prefix: str) -> list[str]:
        """Tags (keys, without "#") starting with ``prefix``, for autocomplete."""
        typed = fold(prefix.strip()).lstrip(HASH_SIGNS)
        if typed and tag_key(typed + "a") is None:  # "+a": a prefix need not have a letter yet
            return []
        async with self.db.read() as session:
            return await TagRepository(session).with_prefix(typed, AUTOCOMPLETE_LIMIT)

    async def complete_query(self, current: str) -> list[str]:
        """Whole queries for /search's autocomplete: its last word completed when it is
        ``from:name`` or ``#tag``; otherwise nothing to suggest."""
        head, _, last = current.rpartition(" ")
        head = f"{head} " if head else ""
        if last.casefold().startswith("from:"):
            names = await self.usernames(last[len("from:") :])
            options = [f"{head}from:{name}" for name in names]
        elif last[:1] in HASH_SIGNS:
            options = [f"{head}#{tag}" for tag in await self.tags(last[1:])]
        else:
            return []
        return [option for option in options if len(option) <= CHOICE_MAX]


def _cursor(direction: str, post_id: int) -> str:
    return SearchCursor(direction, post_id).encode()


def _view(post: Post, author: Account) -> PostView:
    return PostView(
        id=post.id,
        author_id=post.author_id,
        author=author.username,
        body=post.body,
        created_at=post.created_at,
        edited_at=post.edited_at,
        display_name=author.display_name,
        avatar_url=author.avatar_url,
    )
