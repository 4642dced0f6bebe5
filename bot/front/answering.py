"""Answer at once when the work is quick; defer only when it is not.

Discord wants a first answer within 3 s of an interaction. Deferring first ("thinking...",
then a follow-up) always meets that, but costs a round trip and a second message on every
command, although reading a page takes milliseconds. ``answer`` runs the work as a task and
waits for it up to ``[discord] answer_deadline_seconds``, counted from when Discord created
the interaction: done by then, the page is the initial response (type 4, or type 7 for a
button that replaces its page); not done, the bot defers (type 5, or type 6 for a page
edit) and sends the page when it is ready. Either way Discord hears from the bot once, and
an error raised by the work leaves here for the one error path (``tree.report_error``),
which replies or follows up depending on whether the deferral happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import discord

from bot.front.tree import reply

#: What the work produces: a sentence, or a whole message (a page of cards, a notice).
Shown = str | discord.ui.View | discord.ui.LayoutView
Work = Awaitable[Shown]


def deadline(interaction: discord.Interaction) -> float:
    """Seconds left to answer directly: the configured deadline minus the time the
    interaction spent reaching us (never more than the deadline, whatever the clocks say)."""
    limit: float = interaction.client.answer_deadline  # type: ignore[attr-defined]
    waited = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    return min(limit, max(0.0, limit - waited))


def in_place(interaction: discord.Interaction) -> bool:
    """Whether a button's answer replaces the page it is on: only a private page is replaced;
    a shared one stays as it is for everyone, and the clicker gets a private answer."""
    message = interaction.message
    return message is not None and message.flags.ephemeral


async def answer(
    interaction: discord.Interaction, work: Work, *, ephemeral: bool = True, edit: bool = False
) -> None:
    """Send what ``work`` (a coroutine, not yet awaited) produces: directly if it is ready
    within the deadline, else after a deferral. ``edit``: a page that replaces the message
    the clicked button is on."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=deadline(interaction))
        if not done:
            await _defer(interaction, task, ephemeral=ephemeral, edit=edit)
        shown = await task  # the work's error, if any, goes to the caller's error path
    finally:
        task.cancel()  # only if the handler itself is cancelled; a no-op once it is done
    if isinstance(shown, str):  # a sentence never replaces a page: it is said privately
        await reply(interaction, shown, ephemeral=ephemeral)
    elif edit:
        await _replace_page(interaction, shown)
    else:
        await reply(interaction, view=_stopped(shown), ephemeral=ephemeral)


async def show_page(interaction: discord.Interaction, work: Work) -> None:
    """A paging button (or one that changes a page): a private page is replaced in place;
    on a shared page the clicker gets the new page privately."""
    await answer(interaction, work, edit=in_place(interaction))


async def _defer(
    interaction: discord.Interaction,
    task: asyncio.Future[Shown],
    *,
    ephemeral: bool,
    edit: bool,
) -> None:
    try:
        if edit:
            await interaction.response.defer()  # type 6: the page updates when ready
        else:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except discord.HTTPException:
        # Too late to answer at all. A write is not cut off halfway: the work finishes, and
        # a bug it hit still reaches the error path (whose own reply will fail and be logged).
        await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:
            task.result()
        raise


async def _replace_page(
    interaction: discord.Interaction, view: discord.ui.View | discord.ui.LayoutView
) -> None:
    kwargs: dict[str, Any] = {
        "view": _stopped(view),
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    message = interaction.message
    if isinstance(view, discord.ui.LayoutView) and (
        message is not None and not message.flags.components_v2
    ):
        # A page sent before the bot spoke Components V2 had content or an embed: they go.
        kwargs.update(content=None, embeds=[])
    if interaction.response.is_done():
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.edit_message(**kwargs)


def _stopped(
    view: discord.ui.View | discord.ui.LayoutView,
) -> discord.ui.View | discord.ui.LayoutView:
    """discord.py keeps every unfinished view sent as an interaction response for its
    timeout; the bot's buttons are answered by their classes, so no copy is needed."""
    if not view.is_finished():
        view.stop()
    return view
