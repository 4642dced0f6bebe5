"""Moving people in from Flaskr or the Mega-Tutorial: accounts, posts and follows.

Rules worth knowing (also in the README, "Moving from Flaskr or the Flask Mega-Tutorial"):
- Stages run in order (users, posts, follows), each in source-id order, one write
  transaction per batch. A batch writes its rows, their mapping (source, id there -> our
  id) and the stage's position together, so a killed import resumes after the last
  committed batch: nothing twice, nothing missed. A re-run reads only rows past the
  positions, so it imports only what is new.
- Usernames pass our rules. A name that breaks them, or that is taken (same name after
  NFKC and case folding: Flaskr allows "Sam" and "sam"), is imported under a new name
  that is reported; nobody is dropped or merged.
- Passwords keep their werkzeug hash behind a marker (bot.domain.security); a hash we
  cannot check locks the account (reported) rather than dropping its posts.
- Posts keep every character: a Flaskr title becomes the first line; a post longer than
  [posts] max_length is kept whole and marked imported (as every imported post is).
- Counters on accounts change in the same transaction as the rows they count.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Post, PostTag
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import ValidationError
from bot.domain.hashtags import post_tag_keys
from bot.domain.imports import ImportSource, SourceFollow, SourcePost, SourceRefused, SourceUser
from bot.domain.rules import (
    USERNAME_MAX_CHARS,
    USERNAME_MIN_CHARS,
    USERNAME_PUNCTUATION,
    clean_bio,
    clean_username,
    username_key,
    username_skeletons,
)
from bot.domain.search_query import indexed_text
from bot.domain.security import LOCKED_MARKER, WERKZEUG_MARKER, is_werkzeug_hash
from bot.repositories.imports import ImportRepository, Mapped

DEFAULT_BATCH_SIZE = 5_000
HASH_COLUMN_LIMIT = 255  # account.password_hash
# A name is taken if any of its identities is: the folded key, or either look-alike
# skeleton (bot.domain.rules.username_skeletons), as registration checks them.
IDENTITY_COLUMNS = ("username_key", "username_skeleton", "shown_skeleton")
# Unicode's control characters (Cc) but line feed and tab, and lone surrogates (Cs): one
# regular expression, since a million posts cannot afford a category lookup per character.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SAMPLE = 20  # earlier users compared by name on a re-run
# The columns an import writes, in each table's order (ImportRepository.insert_rows).
ACCOUNT_COLUMNS = (
    *("id", "username", "username_key", "username_skeleton", "shown_skeleton"),
    *("skeleton_clash", "password_hash", "created_at", "bio"),
    *("post_count", "follower_count", "following_count"),
)
POST_COLUMNS = ("id", "author_id", "body", "search_text", "created_at", "imported")
TAG_COLUMNS = ("tag", "post_id", "created_at")


class ImportProgress(Protocol):
    """What the command line shows while an import runs (a bar, or log lines)."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


class _Quiet:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Renamed:
    source_id: int
    old: str
    new: str
    why: str


@dataclass
class ImportSummary:
    source: str
    dry_run: bool
    users: int = 0
    posts: int = 0
    follows: int = 0
    long_posts: int = 0  # kept whole though longer than [posts] max_length
    locked: int = 0  # imported, but their old password cannot be checked
    renamed: list[Renamed] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> rows
    notes: list[str] = field(default_factory=list)


@dataclass
class _Batch:
    """One batch's rows and what they change, before anything is written."""

    accounts: list[list[Any]] = field(default_factory=list)
    posts: list[list[Any]] = field(default_factory=list)
    follows: list[tuple[int, int]] = field(default_factory=list)
    mappings: list[Mapped] = field(default_factory=list)
    source_ids: list[int] = field(default_factory=list)  # posts: mapped once ids are known
    post_counts: Counter[int] = field(default_factory=Counter)


class ImportService:
    def __init__(self, database: Database, posts: PostSettings, clock: Clock = utcnow) -> None:
        self.db = database
        self.max_length = posts.max_length
        self.clock = clock

    async def run(
        self,
        source: ImportSource,
        *,
        source_name: str | None = None,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ImportProgress | None = None,
    ) -> ImportSummary:
        name = source_name or source.app
        if not 0 < len(name) <= 64:
            raise SourceRefused("A source name has 1 to 64 characters.")
        summary = ImportSummary(source=name, dry_run=dry_run)
        summary.notes.extend(await source.check())
        run = _Run(self, source, name, summary, batch_size, progress or _Quiet())
        await run.load()
        await run.users()
        await run.posts()
        await run.follows()
        return summary


class _Run:
    """One import: what is known so far (names taken, users mapped) and the stages."""

    def __init__(
        self,
        service: ImportService,
        source: ImportSource,
        name: str,
        summary: ImportSummary,
        batch_size: int,
        progress: ImportProgress,
    ) -> None:
        self.service = service
        self.db = service.db
        self.source = source
        self.name = name
        self.summary = summary
        self.batch_size = batch_size
        self.progress = progress
        self.dry_run = summary.dry_run
        self.now = service.clock()
        self.positions: dict[str, str] = {}
        self.users_map: dict[int, int] = {}
        self.gone_users: set[int] = set()
        self.taken: set[tuple[int, str]] = set()  # (identity column, value)
        self._placeholder = 0  # dry run: stand-in ids for accounts not written

    async def load(self) -> None:
        async with self.db.read() as session:
            imports = ImportRepository(session)
            self.positions = await imports.positions(self.name)
            self.users_map, self.gone_users = await imports.user_map(self.name)
            for identities in await imports.name_identities(IDENTITY_COLUMNS):
                self.taken.update(enumerate(identities))
            earlier = await imports.mapped_user_names(self.name, _SAMPLE)
        await self._check_same_source(earlier)

    async def _check_same_source(self, earlier: list[tuple[int, str | None]]) -> None:
        """Refuse a different database under a name an earlier import used: its ids would
        be taken for the earlier one's, merging strangers' posts into imported accounts."""
        differ = 0
        for source_id, old_name in earlier:
            found = await self.source.users(source_id - 1, 1)
            if not found or found[0].id != source_id or found[0].username != old_name:
                differ += 1
        if earlier and differ * 2 > len(earlier):
            raise SourceRefused(
                f"{self.source.description} does not look like the database imported before "
                f"as {self.name!r} ({differ} of {len(earlier)} earlier users are missing or "
                "have other names there). To import it as well, give it its own name with "
                "--source NAME."
            )

    # Users.

    async def users(self) -> None:
        after = int(self.positions.get("users", "0"))
        await self._start("users", after)
        while batch := await self.source.users(after, self.batch_size):
            planned = _Batch()
            for user in batch:
                self._plan_user(user, planned)
            if self.dry_run:
                for source_id, _, _, _ in planned.mappings:
                    self._placeholder -= 1  # posts and follows of this user count as imported
                    self.users_map[int(source_id)] = self._placeholder
            else:
                async with self.db.write() as session:
                    imports = ImportRepository(session)
                    ids = await imports.reserve_ids(Account.__table__, len(planned.accounts))
                    for row, account_id in zip(planned.accounts, ids, strict=True):
                        row[0] = account_id
                    await imports.insert_rows(Account.__table__, ACCOUNT_COLUMNS, planned.accounts)
                    mappings = [
                        (source_id, 0, account_id, old)
                        for (source_id, _, _, old), account_id in zip(
                            planned.mappings, ids, strict=True
                        )
                    ]
                    await imports.add_mappings(self.name, "user", mappings)
                    await imports.set_position(self.name, "users", str(batch[-1].id), self.now)
                for source_id, _, account_id, _ in mappings:
                    self.users_map[source_id] = int(account_id or 0)
            self.summary.users += len(planned.accounts)
            after = batch[-1].id
            self.progress.advance(len(batch))
        self.progress.finish()

    def _plan_user(self, user: SourceUser, batch: _Batch) -> None:
        original = user.username or ""
        display, why = self._choose_name(original, user.id)
        if why is not None:
            self.summary.renamed.append(Renamed(user.id, original, display, why))
        skeletons = username_skeletons(display)
        row = {
            "id": None,  # reserved when the batch is written
            "username": display,
            "username_key": username_key(display),
            "username_skeleton": skeletons[0],
            "shown_skeleton": skeletons[1],
            "skeleton_clash": False,
            "password_hash": self._password_hash(user.password_hash),
            "created_at": user.first_seen or self.now,
            "bio": self._bio(user.bio),
            "post_count": 0,
            "follower_count": 0,
            "following_count": 0,
        }
        batch.accounts.append([row[column] for column in ACCOUNT_COLUMNS])
        batch.mappings.append((user.id, 0, None, original))

    def _choose_name(self, original: str, source_id: int) -> tuple[str, str | None]:
        """(our username, why it differs from the original, or None if it does not)."""
        try:
            display, _ = clean_username(original)
            why = None if display == original else "spaces around it"
        except ValidationError as error:
            display, why = _sanitized(original, source_id), str(error)
        base = display
        for suffix in range(1, 10_000):
            candidate = base if suffix == 1 else _with_suffix(base, suffix)
            identities = set(enumerate(self._identities(candidate)))
            clash = identities & self.taken
            if not clash:
                self.taken.update(identities)
                return candidate, why
            if why is None:
                why = (
                    "the name is taken (names are compared ignoring case and width)"
                    if (0, username_key(base)) in clash
                    else "it looks like another account's name"
                )
        raise SourceRefused(f"No free name near {original!r} (user {source_id}).")

    @staticmethod
    def _identities(display: str) -> tuple[str, ...]:
        return (username_key(display), *username_skeletons(display))

    def _password_hash(self, stored: str | None) -> str:
        if not stored:
            self.summary.locked += 1
            self.summary.skipped["password: none in the source (account locked)"] += 1
            return LOCKED_MARKER + "no password in the source"
        marked = WERKZEUG_MARKER + stored
        if is_werkzeug_hash(stored) and len(marked) <= HASH_COLUMN_LIMIT:
            return marked
        method = stored.split("$", 1)[0][:24]
        self.summary.locked += 1
        self.summary.skipped[f"password: unsupported hash {method!r} (account locked)"] += 1
        return LOCKED_MARKER + f"unsupported hash {method}"

    def _bio(self, about_me: str | None) -> str | None:
        if not about_me:
            return None
        try:
            return clean_bio(_without_controls(about_me))
        except ValidationError as error:
            self.summary.skipped[f"bio left out: {error}"] += 1
            return None

    # Posts.

    async def posts(self) -> None:
        after = int(self.positions.get("posts", "0"))
        await self._start("posts", after)
        batches = _Prefetch(self.source.posts, after, self.batch_size)
        # While one batch is being written (the database working in its own thread or
        # server), the next is read and planned. Writes still run one after another, in
        # order, so a batch commits only after the one before it.
        writing: asyncio.Task[None] | None = None
        try:
            while batch := await batches.next():
                planned = _Batch()
                for post in batch:
                    self._plan_post(post, planned)
                if writing is not None:
                    await writing
                    writing = None
                if not self.dry_run:
                    writing = asyncio.ensure_future(self._write_posts(planned, batch[-1].id))
                self.summary.posts += len(planned.posts)
                self.progress.advance(len(batch))
            if writing is not None:
                await writing
        except Exception:
            # The source failed (or this batch's plan did): the write in flight is sound,
            # so let it commit before giving up; less to do again on the re-run.
            if writing is not None:
                await writing
                writing = None
            raise
        finally:
            batches.cancel()
            if writing is not None and not writing.done():  # cancelled (Ctrl-C): roll back
                writing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writing
        self.progress.finish()

    async def _write_posts(self, planned: _Batch, last_source_id: int) -> None:
        async with self.db.write() as session:
            imports = ImportRepository(session)
            ids = await imports.reserve_ids(Post.__table__, len(planned.posts))
            for row, post_id in zip(planned.posts, ids, strict=True):
                row[0] = post_id
            await imports.insert_rows(Post.__table__, POST_COLUMNS, planned.posts)
            tags = [[tag, row[0], row[4]] for row in planned.posts for tag in post_tag_keys(row[2])]
            if tags:
                await imports.insert_rows(PostTag.__table__, TAG_COLUMNS, tags)
            await imports.add_mappings(
                self.name,
                "post",
                (
                    (source_id, 0, post_id, None)
                    for source_id, post_id in zip(planned.source_ids, ids, strict=True)
                ),
            )
            await imports.add_to_counts("post_count", dict(planned.post_counts))
            await imports.set_position(self.name, "posts", str(last_source_id), self.now)

    def _plan_post(self, post: SourcePost, batch: _Batch) -> None:
        author = self.users_map.get(post.author_id)
        if author is None:
            reason = (
                "post: its author's account was deleted here"
                if post.author_id in self.gone_users
                else "post: its author is not in the source"
            )
            self.summary.skipped[reason] += 1
            return
        body = _post_text(post)
        if body is None:
            self.summary.skipped["post: no text"] += 1
            return
        if len(body) > self.service.max_length:
            self.summary.long_posts += 1
        created_at = post.created_at
        if created_at is None:
            created_at = self.now
            self.summary.skipped["post time unreadable: given the import's time"] += 1
        # POST_COLUMNS; the search index's text and #tags, as PostService writes them.
        batch.posts.append([None, author, body, indexed_text(body), created_at, True])
        batch.source_ids.append(post.id)
        batch.post_counts[author] += 1

    # Follows.

    async def follows(self) -> None:
        position = self.positions.get("follows", "0:0")
        after = tuple(int(part) for part in position.split(":"))
        await self._start("follows", None if position == "0:0" else position)
        while batch := await self.source.follows((after[0], after[1]), self.batch_size):
            planned = _Batch()
            for follow in batch:
                self._plan_follow(follow, planned)
            if self.dry_run:
                self.summary.follows += len(planned.follows)
            else:
                async with self.db.write() as session:
                    imports = ImportRepository(session)
                    added = await imports.add_follows(planned.follows, self.now)
                    await imports.add_mappings(self.name, "follow", planned.mappings)
                    await imports.add_to_counts(
                        "following_count", Counter(follower for follower, _ in added)
                    )
                    await imports.add_to_counts(
                        "follower_count", Counter(followed for _, followed in added)
                    )
                    await imports.set_position(self.name, "follows", batch[-1].key, self.now)
                self.summary.follows += len(added)
                if len(planned.follows) > len(added):
                    already = len(planned.follows) - len(added)
                    self.summary.skipped["follow: already following here"] += already
            after = (batch[-1].follower_id, batch[-1].followed_id)
            self.progress.advance(len(batch))
        self.progress.finish()

    def _plan_follow(self, follow: SourceFollow, batch: _Batch) -> None:
        follower = self.users_map.get(follow.follower_id)
        followed = self.users_map.get(follow.followed_id)
        if follow.follower_id == follow.followed_id:
            self.summary.skipped["follow: of oneself"] += 1
        elif follower is None or followed is None:
            self.summary.skipped["follow: one side is not imported"] += 1
        else:
            batch.follows.append((follower, followed))
            batch.mappings.append((follow.follower_id, follow.followed_id, follower, None))

    async def _start(self, stage: str, after: int | str | None) -> None:
        total = await self.source.count(stage, str(after) if after else None)
        self.progress.start(stage, total)


class _Prefetch:
    """Reads the next batch from the source while this one is written: the two databases
    work at the same time (each in its own thread or server) instead of taking turns.
    Only reading runs ahead, so what is committed, and where a re-run resumes, is unchanged.
    """

    def __init__(
        self,
        read: Callable[[int, int], Awaitable[list[SourcePost]]],
        after: int,
        size: int,
    ) -> None:
        self.read = read
        self.size = size
        self.pending: asyncio.Task[list[SourcePost]] | None = asyncio.ensure_future(
            read(after, size)
        )

    async def next(self) -> list[SourcePost]:
        if self.pending is None:
            return []
        batch = await self.pending
        self.pending = (
            asyncio.ensure_future(self.read(batch[-1].id, self.size))
            if len(batch) == self.size
            else None
        )
        return batch

    def cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()


def _post_text(post: SourcePost) -> str | None:
    """Title as the first line, then the body; every character kept but control ones."""
    title = _without_controls(post.title).strip() if post.title else ""
    body = _without_controls(post.body).strip() if post.body else ""
    text = f"{title}\n{body}" if title and body else title or body
    if text.isascii():  # stripped ASCII has no invisible characters left: a fast answer
        return text or None
    visible = any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)
    return text if visible else None


def _without_controls(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def _sanitized(original: str, source_id: int) -> str:
    """The nearest name our rules allow: other characters become "_", cut to the limit."""
    name = unicodedata.normalize("NFC", original.strip())
    chars = [ch if ch.isalnum() or ch in USERNAME_PUNCTUATION else "_" for ch in name]
    name = "_".join(part for part in "".join(chars).split("_") if part)
    if not any(ch.isalnum() for ch in name):
        name = f"user{source_id}"
    name = name[:USERNAME_MAX_CHARS]
    if len(name) < USERNAME_MIN_CHARS:
        name = f"{name}_{source_id}"[:USERNAME_MAX_CHARS]
    return name


def _with_suffix(base: str, number: int) -> str:
    suffix = f"-{number}"
    return base[: USERNAME_MAX_CHARS - len(suffix)] + suffix
