"""Search on PostgreSQL: a GIN index over ``post.search_vector`` answers "which posts match",
but not in id order, and the planner's other choice (walk the primary key backwards, check
each post) is fast only when matches are common among recent posts. It picks between them
from estimated frequencies, which are poor for phrases (taken as the product of their
words') and for recent versus old posts; a wrong pick read 300k rows for one phrase.

So each search first checks the newest ``WINDOW`` posts of its leading set (all posts, the
author's, or a tag's), which costs a few milliseconds and answers every search whose
matches are not rare. If the page is not full yet, the matches found so far say how many
more posts the page would take; within ``PROBE_BUDGET`` the walk goes on (a best-match
window of 1,000 posts of a common word), beyond it the GIN index collects the older
matches, with plans made for the actual terms (the read connections use custom plans and
no JIT, which costs more than these queries: bot/db/reads.py).

A phrase of only very common words stays slow-ish here ("a were of": 21k posts have all
three words, and each must be read to check their positions: ~100-200 ms at 1M posts,
depending on how much of the table is in shared_buffers). FTS5 checks positions inside its
index and does not have this cost.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import UTCDateTime
from bot.db.search_index import LANGUAGE_NAME
from bot.repositories.search.criteria import SearchCriteria, Sql, bounded, direction, where

WINDOW = 2_000  # newest posts of the leading set checked before the GIN index is asked
PROBE_BUDGET = 20_000  # posts walked at most before the GIN index is asked (~20 ms)
LEAD_COUNT_CAP = WINDOW + 1  # an author's or tag's posts counted up to this, to pick a leader


class PostgresSearch:
    def __init__(self, session: AsyncSession, language: str) -> None:
        if not LANGUAGE_NAME.fullmatch(language):
            raise ValueError(f"not a text search configuration name: {language!r}")
        self.session = session
        self.language = language  # checked above: safe to write into the SQL as a literal

    def _tsquery(self, terms: tuple[str, ...], sql: Sql) -> str:
        """Every term as a phrase query, all required; the text is never parsed as syntax."""
        config = f"'{self.language}'::regconfig"
        return (
            "("
            + " && ".join(
                f"phraseto_tsquery({config}, {sql.param(f'term{index}', term)})"
                for index, term in enumerate(terms)
            )
            + ")"
        )

    async def ids(
        self, criteria: SearchCriteria, *, limit: int, bound: int | None, descending: bool
    ) -> list[int]:
        leader = await self._leader(criteria, bound, descending)
        if not criteria.terms:
            return await self._walk(criteria, leader, limit, bound, descending, window=None)
        found: list[int] = []
        window, walked = WINDOW, 0
        while True:
            found += await self._walk(
                criteria, leader, limit - len(found), bound, descending, window=window
            )
            if len(found) >= limit:
                return found
            edge = await self._window_edge(criteria, leader, bound, descending, window)
            if edge is None:
                return found  # the leading set ended inside the window: all were checked
            walked += window
            # At the rate found so far, how many more posts would fill the page?
            needed = (limit - len(found)) * walked / len(found) if found else PROBE_BUDGET
            if walked + needed > PROBE_BUDGET:
                break
            bound, window = edge, min(int(needed * 1.25) + 1, PROBE_BUDGET - walked)
        return found + await self._from_index(criteria, limit - len(found), edge, descending)

    async def scores(self, criteria: SearchCriteria, ids: list[int]) -> dict[int, float]:
        sql = Sql()
        # Normalisation 1: divided by 1 + log(length), so long posts do not win by length.
        statement = (
            f"SELECT id, ts_rank_cd(search_vector, {self._tsquery(criteria.terms, sql)}, 1) "
            f"FROM post WHERE id IN {sql.param('ids', ids, expanding=True)}"
        )
        rows = await self.session.execute(sql.text(statement), sql.params(statement))
        return {int(post_id): float(score) for post_id, score in rows}

    async def _leader(self, criteria: SearchCriteria, bound: int | None, descending: bool) -> str:
        """The smallest of the author's posts and each tag's posts, or "all"."""
        sources = {
            name: _source(name, criteria, Sql(), bound, descending)
            for name in _candidates(criteria)
        }
        if len(sources) <= 1:
            return next(iter(sources), "all")
        sizes: dict[str, int] = {}
        for name in sources:
            sql = Sql()
            source = _source(name, criteria, sql, bound, descending)
            statement = (
                f"SELECT count(*) FROM ({source} LIMIT {sql.param('cap', LEAD_COUNT_CAP)}) AS s"
            )
            sizes[name] = int(
                await self.session.scalar(sql.text(statement), sql.params(statement)) or 0
            )
        return min(sizes, key=lambda name: sizes[name])

    async def _walk(
        self,
        criteria: SearchCriteria,
        leader: str,
        limit: int,
        bound: int | None,
        descending: bool,
        *,
        window: int | None,
    ) -> list[int]:
        sql = Sql()
        order = direction(descending)
        source = _source(leader, criteria, sql, bound, descending)
        conditions = predicates(criteria, sql)
        head = ""
        if criteria.terms:
            # Computed once (a materialized CTE), not once per post checked; checked with the
            # function behind @@, which the planner cannot hand to the GIN index (it did,
            # reading all 766k posts with "the" to check 2,000).
            head = f"WITH query AS MATERIALIZED (SELECT {self._tsquery(criteria.terms, sql)} AS q) "
            conditions.append("ts_match_vq(p.search_vector, (SELECT q FROM query))")
        if window is not None:
            source += f" LIMIT {sql.param('window', window)}"
        statement = (
            f"{head}SELECT p.id FROM ({source}) AS w JOIN post AS p ON p.id = w.id "
            f"WHERE {where(conditions)} ORDER BY p.id {order} LIMIT {sql.param('limit', limit)}"
        )
        return list(await self.session.scalars(sql.text(statement), sql.params(statement)))

    async def _window_edge(
        self,
        criteria: SearchCriteria,
        leader: str,
        bound: int | None,
        descending: bool,
        window: int,
    ) -> int | None:
        """The last id of the window just walked, or None if the window was not full."""
        sql = Sql()
        source = _source(leader, criteria, sql, bound, descending)
        statement = f"{source} LIMIT 1 OFFSET {sql.param('offset', window - 1)}"
        return await self.session.scalar(sql.text(statement), sql.params(statement))

    async def _from_index(
        self, criteria: SearchCriteria, limit: int, bound: int, descending: bool
    ) -> list[int]:
        """The matches beyond ``bound``, collected through the GIN index, then ordered."""
        sql = Sql()
        conditions = [
            f"p.search_vector @@ {self._tsquery(criteria.terms, sql)}",
            *predicates(criteria, sql),
            *bounded("p.id", sql, bound, descending),
        ]
        statement = (
            f"WITH m AS MATERIALIZED (SELECT p.id FROM post AS p WHERE {where(conditions)}) "
            f"SELECT id FROM m ORDER BY id {direction(descending)} "
            f"LIMIT {sql.param('limit', limit)}"
        )
        return list(await self.session.scalars(sql.text(statement), sql.params(statement)))


def _candidates(criteria: SearchCriteria) -> list[str]:
    names = [f"tag{index}" for index in range(len(criteria.tags))]
    return names + (["author"] if criteria.author_id is not None else [])


def _source(
    leader: str, criteria: SearchCriteria, sql: Sql, bound: int | None, descending: bool
) -> str:
    """``SELECT id`` of the leading set, in id order through an index (no LIMIT yet)."""
    order = direction(descending)
    if leader.startswith("tag"):
        tag = sql.param("lead_tag", criteria.tags[int(leader[3:])])
        conditions = [f"tag = {tag}", *bounded("post_id", sql, bound, descending)]
        return (
            f"SELECT post_id AS id FROM post_tag WHERE {where(conditions)} ORDER BY post_id {order}"
        )
    conditions = bounded("id", sql, bound, descending)
    if leader == "author":
        conditions.insert(0, f"author_id = {sql.param('lead_author', criteria.author_id)}")
    return f"SELECT id FROM post WHERE {where(conditions)} ORDER BY id {order}"


def predicates(criteria: SearchCriteria, sql: Sql, alias: str = "p") -> list[str]:
    """SQL conditions on ``post AS alias`` for everything but the terms (and never a post
    removed by a moderator)."""
    found = [f"{alias}.removed_at IS NULL"]
    if criteria.author_id is not None:
        found.append(f"{alias}.author_id = {sql.param('author_id', criteria.author_id)}")
    if criteria.created_from is not None:
        value = sql.param("created_from", criteria.created_from, UTCDateTime())
        found.append(f"{alias}.created_at >= {value}")
    if criteria.created_until is not None:
        value = sql.param("created_until", criteria.created_until, UTCDateTime())
        found.append(f"{alias}.created_at < {value}")
    if criteria.excluded_author_ids:
        value = sql.param(
            "excluded", list(criteria.excluded_author_ids), BigInteger(), expanding=True
        )
        found.append(f"{alias}.author_id NOT IN {value}")
    for index, tag in enumerate(criteria.tags):
        found.append(
            f"EXISTS (SELECT 1 FROM post_tag AS t{index} WHERE t{index}.tag = "
            f"{sql.param(f'tag{index}', tag)} AND t{index}.post_id = {alias}.id)"
        )
    return found
