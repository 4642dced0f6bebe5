"""The one way a repository turns a constraint violation into a refusal the user reads."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Base
from bot.domain.errors import UserError


async def add_or_raise(
    session: AsyncSession, instance: Base, error: Callable[[], UserError]
) -> None:
    """Add and flush ``instance``; if the database refuses it (IntegrityError), raise ``error()``.

    Both happen in a savepoint, so losing a race for a unique value leaves the caller's
    transaction usable: PostgreSQL would refuse every later statement of an aborted one,
    and the refused row, added inside the savepoint, leaves the session with it instead of
    being flushed again by the next statement.
    """
    try:
        async with session.begin_nested():
            session.add(instance)
            await session.flush()
    except IntegrityError:
        raise error() from None
