"""Search on PostgreSQL: a GIN index over ``post.search_vector`` answers "which posts match",
but not in id order, and the planner's other choice (walk the primary key backwards, check
each post) is fast only when matches are common among recent posts. It picks between them
from estimated frequencies, which are poor for phrases (taken as the product of their
words') and for recent versus old posts; a wrong pick read 300k rows for one phrase.

So each search first checks the newest ``WINDOW`` posts of its leading set (all posts, the
author's, or a tag's), which costs a few milliseconds at most and answers every search
whose matches are not rare. Only when that leaves the page short does the GIN index
collect the older matches, with plans made for the actual terms (custom plans; no JIT, which
costs more than these queries).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.search_index import LANGUAGE_NAME
from bot.repositories.search.criteria import (
    SearchCriteria,
    Sql,
    bounded,
    direction,
    predicates,
    where,
)

WINDOW = 2_000  # newest posts of the leading set checked before the GIN index is asked
LEAD_COUNT_CAP = WINDOW + 1  # an author's or tag's posts counted up to this, to pick a leader
_PLAN_FOR_THESE_TERMS = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
    "set_config('jit', 'off', true)"
)


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
            return await self._walk(criteria, leader, limit, bound, descending, window=False)
        found = await self._walk(criteria, leader, limit, bound, descending, window=True)
        if len(found) >= limit:
            return found
        edge = await self._window_edge(criteria, leader, bound, descending)
        if edge is None:
            return found  # the leading set had no more than the window: all were checked
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
        window: bool,
    ) -> list[int]:
        sql = Sql()
        order = direction(descending)
        source = _source(leader, criteria, sql, bound, descending)
        conditions = predicates(criteria, sql)
        head = ""
        if criteria.terms:
            # Computed once (a materialized CTE), not once per post checked.
            head = f"WITH query AS MATERIALIZED (SELECT {self._tsquery(criteria.terms, sql)} AS q) "
            conditions.append("p.search_vector @@ (SELECT q FROM query)")
        if window:
            source += f" LIMIT {sql.param('window', WINDOW)}"
        statement = (
            f"{head}SELECT p.id FROM ({source}) AS w JOIN post AS p ON p.id = w.id "
            f"WHERE {where(conditions)} ORDER BY p.id {order} LIMIT {sql.param('limit', limit)}"
        )
        return list(await self.session.scalars(sql.text(statement), sql.params(statement)))

    async def _window_edge(
        self, criteria: SearchCriteria, leader: str, bound: int | None, descending: bool
    ) -> int | None:
        sql = Sql()
        source = _source(leader, criteria, sql, bound, descending)
        statement = f"{source} LIMIT 1 OFFSET {sql.param('offset', WINDOW - 1)}"
        return await self.session.scalar(sql.text(statement), sql.params(statement))

    async def _from_index(
        self, criteria: SearchCriteria, limit: int, bound: int, descending: bool
    ) -> list[int]:
        """The matches beyond ``bound``, collected through the GIN index, then ordered."""
        await self.session.execute(_PLAN_FOR_THESE_TERMS)
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
