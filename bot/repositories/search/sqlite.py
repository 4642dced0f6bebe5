"""Search on SQLite. Costs measured at 1M posts: FTS5 streams a term's matches by rowid
(= post id) at about 0.3 µs each; checking a post's author or tag through an index costs
about 0.5 µs, through the post row itself 4 µs; but checking one given post against the
full-text index costs about 35 µs.

So the index leads: the newest ``FTS_WINDOW`` matches are read and the other criteria are
checked on each through indexes. Only if that does not fill the page (the author, tag or
dates are rarer than the terms) does the smallest of those sets lead instead, each of its
posts checked against the full-text index, provided it is small enough (``DRIVE_LIMIT``).
"""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import UTCDateTime
from bot.repositories.search.criteria import SearchCriteria, Sql, bounded, direction, where

FTS_WINDOW = 5_000  # matches read before deciding whether the index should lead (~2 ms)
DRIVE_LIMIT = 2_000  # posts of an author/tag/date range checked one by one (~35 µs each)
# bm25 is computed over every match between the lowest and highest id ranked; past this
# many, posts are ranked by how often they use the terms instead (bm25 of 500k rows: 1 s).
RANK_RANGE_LIMIT = 20_000


def match_expression(terms: tuple[str, ...]) -> str:
    """Each term as an FTS5 string: every character inside is text, never query syntax.
    A multi-word string is a phrase; strings side by side must all match."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def checks(criteria: SearchCriteria, sql: Sql, post_id: str, skip: str | None = None) -> list[str]:
    """Conditions on the post whose id is the SQL expression ``post_id``, for everything
    but the terms, each answered from an index where one exists. ``skip`` names the
    criterion the statement already walks ("author", "tag0", ...). Posts removed by a
    moderator are never found."""
    found = [
        "NOT EXISTS (SELECT 1 FROM post AS pr INDEXED BY ix_post_removed WHERE "
        f"pr.id = {post_id} AND pr.removed_at IS NOT NULL)"
    ]
    if criteria.author_id is not None and skip != "author":
        found.append(
            "EXISTS (SELECT 1 FROM post AS pa INDEXED BY ix_post_author_id_id WHERE "
            f"pa.author_id = {sql.param('author_id', criteria.author_id)} AND pa.id = {post_id})"
        )
    if criteria.excluded_author_ids:
        excluded = sql.param("excluded", list(criteria.excluded_author_ids), expanding=True)
        found.append(
            "NOT EXISTS (SELECT 1 FROM post AS px INDEXED BY ix_post_author_id_id WHERE "
            f"px.author_id IN {excluded} AND px.id = {post_id})"
        )
    for index, tag in enumerate(criteria.tags):
        if skip != f"tag{index}":
            found.append(
                f"EXISTS (SELECT 1 FROM post_tag AS t{index} WHERE t{index}.tag = "
                f"{sql.param(f'tag{index}', tag)} AND t{index}.post_id = {post_id})"
            )
    dates = _date_conditions(criteria, sql, "pd")
    if dates and skip != "dates":
        found.append(
            f"EXISTS (SELECT 1 FROM post AS pd WHERE pd.id = {post_id} AND {where(dates)})"
        )
    return found


def _in_index(match: str, sql: Sql, bound: int | None, descending: bool) -> str:
    """The full-text matches beyond the keyset bound."""
    return where(
        [f"post_fts MATCH {sql.param('match', match)}", *bounded("rowid", sql, bound, descending)]
    )


def _date_conditions(criteria: SearchCriteria, sql: Sql, alias: str) -> list[str]:
    found = []
    if criteria.created_from is not None:
        value = sql.param("created_from", criteria.created_from, UTCDateTime())
        found.append(f"{alias}.created_at >= {value}")
    if criteria.created_until is not None:
        value = sql.param("created_until", criteria.created_until, UTCDateTime())
        found.append(f"{alias}.created_at < {value}")
    return found


class SqliteSearch:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ids(
        self, criteria: SearchCriteria, *, limit: int, bound: int | None, descending: bool
    ) -> list[int]:
        if not criteria.terms:
            return await self._walk_smallest(criteria, limit, bound, descending, match=None)
        match = match_expression(criteria.terms)
        if not criteria.has_filters:
            return await self._walk_index(criteria, match, limit, bound, descending)
        found = await self._walk_index(criteria, match, limit, bound, descending, FTS_WINDOW)
        if len(found) >= limit:
            return found
        edge = await self._window_edge(match, bound, descending)
        if edge is None:
            return found  # the index had fewer matches than the window: all were checked
        rest = await self._walk_smallest(criteria, limit - len(found), edge, descending, match)
        return found + rest

    async def scores(self, criteria: SearchCriteria, ids: list[int]) -> dict[int, float]:
        """FTS5's bm25, computed in one index query over the id range of ``ids`` (asking
        for given rowids instead makes FTS5 recount each term's documents per row)."""
        sql = Sql()
        in_range = [
            f"post_fts MATCH {sql.param('match', match_expression(criteria.terms))}",
            f"rowid BETWEEN {sql.param('low', min(ids))} AND {sql.param('high', max(ids))}",
        ]
        if criteria.has_filters:  # the range may hold matches that are not among the ids
            statement = (
                f"SELECT count(*) FROM (SELECT rowid FROM post_fts WHERE {where(in_range)} "
                f"LIMIT {sql.param('cap', RANK_RANGE_LIMIT + 1)})"
            )
            if await self.session.scalar(sql.text(statement), sql.params(statement)) == (
                RANK_RANGE_LIMIT + 1
            ):
                return await self._term_counts(criteria, ids)
            # "+rowid": a filter applied to each row, not a lookup handed to FTS5 per id.
            ranked = sql.param("ids", json.dumps(ids))
            in_range.append(f"+rowid IN (SELECT value FROM json_each({ranked}))")
        statement = f"SELECT rowid, -bm25(post_fts) FROM post_fts WHERE {where(in_range)}"
        rows = await self.session.execute(sql.text(statement), sql.params(statement))
        wanted = set(ids)
        return {int(post_id): float(score) for post_id, score in rows if post_id in wanted}

    async def _term_counts(self, criteria: SearchCriteria, ids: list[int]) -> dict[int, float]:
        """Occurrences of the terms per length of the post: a plain stand-in for bm25."""
        sql = Sql()
        statement = "SELECT id, search_text FROM post WHERE id IN " + sql.param(
            "ids", ids, expanding=True
        )
        rows = await self.session.execute(sql.text(statement), sql.params(statement))
        scores = {}
        for post_id, text in rows:
            words = max(1, len(text.split()))
            scores[int(post_id)] = sum(text.count(term) for term in criteria.terms) / words
        return scores

    async def _walk_index(
        self,
        criteria: SearchCriteria,
        match: str,
        limit: int,
        bound: int | None,
        descending: bool,
        window: int | None = None,
    ) -> list[int]:
        """Matches in rowid order, the other criteria checked on each; with ``window``, only
        the first ``window`` matches are looked at."""
        sql = Sql()
        order = direction(descending)
        index_where = _in_index(match, sql, bound, descending)
        source = f"SELECT rowid AS id FROM post_fts WHERE {index_where} ORDER BY rowid {order}"
        if window is not None:
            source += f" LIMIT {sql.param('window', window)}"
        statement = (
            f"SELECT f.id FROM ({source}) AS f WHERE {where(checks(criteria, sql, 'f.id'))} "
            f"ORDER BY f.id {order} LIMIT {sql.param('limit', limit)}"
        )
        return list(await self.session.scalars(sql.text(statement), sql.params(statement)))

    async def _window_edge(self, match: str, bound: int | None, descending: bool) -> int | None:
        """The last rowid of the window just read, or None if the window was not full."""
        sql = Sql()
        index_where = _in_index(match, sql, bound, descending)
        statement = (
            f"SELECT rowid FROM post_fts WHERE {index_where} ORDER BY rowid "
            f"{direction(descending)} LIMIT 1 OFFSET {sql.param('offset', FTS_WINDOW - 1)}"
        )
        return await self.session.scalar(sql.text(statement), sql.params(statement))

    async def _walk_smallest(
        self,
        criteria: SearchCriteria,
        limit: int,
        bound: int | None,
        descending: bool,
        match: str | None,
    ) -> list[int]:
        """Walk the smallest of the author's posts, a tag's posts or the date range (each
        checked against the index when ``match`` is given), or else the index itself."""
        sizes = await self._set_sizes(criteria, bound, descending)
        if match is not None and (not sizes or min(sizes.values()) > DRIVE_LIMIT):
            return await self._walk_index(criteria, match, limit, bound, descending)
        leader = min(sizes, key=lambda name: sizes[name]) if sizes else "all"
        sql = Sql()
        order = direction(descending)
        if leader.startswith("tag"):
            post_id = "lead.post_id"
            walk = [f"lead.tag = {sql.param('leader_tag', criteria.tags[int(leader[3:])])}"]
            source = "post_tag AS lead"
        elif leader == "author":
            post_id = "lead.id"
            walk = [f"lead.author_id = {sql.param('author_id', criteria.author_id)}"]
            source = "post AS lead INDEXED BY ix_post_author_id_id"
        else:  # the date range (or, without any set, every post)
            post_id = "lead.id"
            walk = _date_conditions(criteria, sql, "lead")
            source = "post AS lead" + (" INDEXED BY ix_post_created_at_id" if walk else "")
        conditions = [*walk, *bounded(post_id, sql, bound, descending)]
        conditions += checks(criteria, sql, post_id, skip=leader)
        if match is not None:
            conditions.append(
                "EXISTS (SELECT 1 FROM post_fts WHERE post_fts MATCH "
                f"{sql.param('match', match)} AND post_fts.rowid = {post_id})"
            )
        statement = (
            f"SELECT {post_id} FROM {source} WHERE {where(conditions)} "
            f"ORDER BY {post_id} {order} LIMIT {sql.param('limit', limit)}"
        )
        return list(await self.session.scalars(sql.text(statement), sql.params(statement)))

    async def _set_sizes(
        self, criteria: SearchCriteria, bound: int | None, descending: bool
    ) -> dict[str, int]:
        """How many posts each criterion allows, counted up to DRIVE_LIMIT + 1 (index only)."""
        counts: dict[str, str] = {}
        sql = Sql()
        sql.param("cap", DRIVE_LIMIT + 1)
        if criteria.author_id is not None:
            conditions = [
                f"author_id = {sql.param('author_id', criteria.author_id)}",
                *bounded("id", sql, bound, descending),
            ]
            counts["author"] = f"SELECT 1 FROM post WHERE {where(conditions)}"
        for index, tag in enumerate(criteria.tags):
            conditions = [
                f"tag = {sql.param(f'tag{index}', tag)}",
                *bounded("post_id", sql, bound, descending),
            ]
            counts[f"tag{index}"] = f"SELECT 1 FROM post_tag WHERE {where(conditions)}"
        if dates := _date_conditions(criteria, sql, "post"):
            counts["dates"] = f"SELECT 1 FROM post WHERE {where(dates)}"
        sizes: dict[str, int] = {}
        for name, query in counts.items():
            statement = f"SELECT count(*) FROM ({query} LIMIT :cap)"
            sizes[name] = int(
                await self.session.scalar(sql.text(statement), sql.params(statement)) or 0
            )
        return sizes
