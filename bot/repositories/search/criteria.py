"""What a search matches, and the SQL both engines share to check it post by post."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """What a post must match: every term, every tag, the author, the time window."""

    terms: tuple[str, ...] = ()  # folded words and phrases; each must match (a phrase in order)
    tags: tuple[str, ...] = ()
    author_id: int | None = None
    created_from: datetime | None = None  # inclusive
    created_until: datetime | None = None  # exclusive
    # Authors whose posts this searcher does not see (blocks either way, mutes, accounts
    # hidden in the server, suspended accounts: PostRepository.hidden_author_ids).
    excluded_author_ids: tuple[int, ...] = field(default=())

    @property
    def has_filters(self) -> bool:
        return bool(
            self.tags
            or self.author_id is not None
            or self.created_from
            or self.created_until
            or self.excluded_author_ids
        )


class Sql:
    """A statement's bound parameters, named as the text refers to them."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._typed: dict[str, Any] = {}

    def param(self, name: str, value: Any, type_: Any = None, expanding: bool = False) -> str:
        self.values[name] = value
        if type_ is not None or expanding:
            self._typed[name] = bindparam(name, type_=type_, expanding=expanding)
        return f":{name}"

    def text(self, statement: str) -> TextClause:
        used = [bp for name, bp in self._typed.items() if _uses(statement, name)]
        return text(statement).bindparams(*used)

    def params(self, statement: str) -> dict[str, Any]:
        return {name: value for name, value in self.values.items() if _uses(statement, name)}


def _uses(statement: str, name: str) -> bool:
    return re.search(rf":{name}\b", statement) is not None


def bounded(column: str, sql: Sql, bound: int | None, descending: bool) -> list[str]:
    """``column`` beyond the keyset ``bound`` in the walking direction, if there is one."""
    if bound is None:
        return []
    return [f"{column} {'<' if descending else '>'} {sql.param('bound', bound)}"]


def where(conditions: list[str]) -> str:
    return " AND ".join(conditions) if conditions else "1 = 1"


def direction(descending: bool) -> str:
    return "DESC" if descending else "ASC"
