"""The sandbox, as a newcomer meets it: one command, no token, typing (or piping) lines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.ops.sandbox import _TIMESTAMP, parse_options, relative_time
from tests.cli.test_run_process import start_process

SCRIPT = """\
/register
alice
correct horse battery staple
correct horse battery staple
/post hello @everyone from the sandbox
/post
second post, written in the form
/post third
/post fourth
/post fifth
/post sixth
/feed
press Older
as bob
/post I am not logged in
/login
alice
wrong password here
/feed alice
/search hello from:alice
/trending
as alice
/login
alice
correct horse battery staple
/feed
press Delete 2
press Yes, delete it
say straight from Discord
post that

/account link
as bob
profile alice
lang de
/beiträge nutzer:alice
lang en-US
as alice
/account profile
Alice A.
Writes things.
/home
as bob
/profile alice
/register
bobby
correct horse battery staple
correct horse battery staple
/reply 6 nice one @alice
/like 6
/thread 6
press Like
as alice
/notifications
/account notify on
/whoami
as bob
/block alice
/account blocked
/account
quit
"""


async def _sandbox(stdin: str, *args: str, cwd: Path) -> tuple[int, str, str]:
    process = await start_process(*args, cwd=cwd)
    stdout, stderr = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=90)
    return process.returncode or 0, stdout.decode(), stderr.decode()


async def test_scripted_sandbox_session(tmp_path: Path) -> None:
    # Cost 4 keeps the test quick; the sandbox otherwise uses the configured cost.
    (tmp_path / "config.toml").write_text(
        "[auth]\nbcrypt_rounds = 4\n[posts]\ncooldown_seconds = 0\n"
    )
    code, out, err = await _sandbox(SCRIPT, "sandbox", cwd=tmp_path)
    assert code == 0, err
    assert "Welcome, **alice**!" in out
    assert "correct horse battery staple" not in out  # passwords are masked even from a pipe
    assert "│ Your post (one line here): second post, written in the form" in out
    assert "│ hello @everyone from the sandbox" in out
    assert "[Older]" in out and "(Newer)" in out
    older_page = out.split("you> press Older", 1)[1].split("bob>", 1)[0]
    assert "hello @everyone from the sandbox" in older_page and "sixth" not in older_page
    assert "You are not logged in. Use /login first." in out
    assert "Incorrect username or password." in out
    assert "## Posts by alice" in out
    # Components V2 cards drawn as boxes, buttons pressed by label (the second Delete here).
    assert "│ **alice** · just now · #6\n│ sixth\n│ [Reply] [Like] [Repost] [Edit] [Delete]" in out
    assert "│ Delete post #5? This cannot be undone." in out
    assert "│ Deleted post #5." in out
    # A Discord message into the post form, and the profile it is linked to.
    assert "│ (filled in: 'straight from Discord'; an empty line keeps it)" in out
    assert "│ straight from Discord" in out
    assert "│ ## alice\n│ Alice on Discord · joined just now · 6 posts" in out
    assert "## Neueste Beiträge" not in out and "## Beiträge von alice" in out
    assert "│ ## Search: hello from:alice" in out  # "from:alice" is in the query, not an option
    assert "## Trending tags" in out
    assert "Profile saved." in out
    assert "│ ## Home timeline of alice" in out
    bob_sees = out.split("bob> /profile alice", 1)[1]
    assert "│ ## Alice A.\n│ @alice\n│ Writes things." in bob_sees
    assert "· Posts: 6 ·" in bob_sees and "[Follow]" in bob_sees
    assert "Blocked **alice**." in out  # a top-level command with a user option
    assert "Blocked (1)" in out  # a group's subcommand: /account blocked
    assert (
        "(/account needs one of: profile, link, unlink, notify, password, export, delete, "
        "blocked)" in out
    )
    # Conversations: a reply that mentions, a like, the thread, and what alice hears of it.
    assert "│ -# ↪ replying to @alice\n│ nice one **@alice**" in out
    assert "You liked post #6 by **alice**. It has 1 like." in out
    assert "│ ## Conversation #6" in out and "[Reply · 1] [Liked · 1]" in out
    assert "│ 🔵 **bobby** liked your post #6: “sixth”" in out
    assert "│ 🔵 **bobby** replied (#8): “nice one @alice”" in out
    assert "Notification DMs are on: at most one every 60 minutes" in out
    assert "Traceback" not in out + err
    assert not list(tmp_path.glob("*.db"))  # the throwaway database is gone


async def test_no_token_means_sandbox(tmp_path: Path) -> None:
    code, out, err = await _sandbox("/whoami\nquit\n", cwd=tmp_path)
    assert code == 0, err
    assert "Starting the sandbox" in out
    assert "You are not logged in" in out


def test_relative_time_in_words() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def words(seconds_ago: int) -> str:
        stamp = f"<t:{int(now.timestamp()) - seconds_ago}:R>"
        match = _TIMESTAMP.fullmatch(stamp)
        assert match is not None
        return relative_time(match, now)

    assert words(2) == "just now"
    assert words(90) == "1 minute ago"
    assert words(7200) == "2 hours ago"
    assert words(-3 * 86400) == "in 3 days"


def test_parse_options_by_position_and_name() -> None:
    post = {"options": [{"name": "content", "type": 3}]}
    edit = {"options": [{"name": "post", "type": 4}, {"name": "content", "type": 3}]}
    feed = {"options": [{"name": "user", "type": 3}, {"name": "share", "type": 5}]}
    assert parse_options("hello world", post) == {"content": "hello world"}
    assert parse_options("note:this stays text", post) == {"content": "note:this stays text"}
    assert parse_options("#3 new words here", edit) == {"post": 3, "content": "new words here"}
    assert parse_options("alice share:true", feed) == {"user": "alice", "share": True}
    assert parse_options("share:yes user:alice", feed) == {"share": True, "user": "alice"}
    assert parse_options("", post) == {}
    search = {
        "options": [
            {"name": "query", "type": 3},
            {"name": "order", "type": 3, "choices": [{"name": "best", "value": "best"}]},
            {"name": "share", "type": 5},
        ]
    }
    assert parse_options("tea from:bob", search) == {"query": "tea from:bob"}
    assert parse_options("tea order:best", search) == {"query": "tea", "order": "best"}
    german = {"options": [{"name": "user", "type": 3, "name_localizations": {"de": "nutzer"}}]}
    assert parse_options("nutzer:alice", german, "de") == {"user": "alice"}
