"""Conversations beside /feed: /thread of a post with 1,000 replies (and 100,000 likes),
/notifications of an account with 100,000 notifications, and like throughput on that one
hot post.

Seeding (straight into the database, before the bot starts): a conversation whose first
post has ``replies`` direct replies from authors drawn at random and ``likes`` likes from
as many accounts (counters set as the bot keeps them); an account with ``notifications``
notifications (likes, reposts, follows, replies, mentions; all but the newest ten read)
and a Discord user logged into it.

Measurement, at the largest size, in one phase: /feed, /thread of the first post (its
first page), /thread of the 900th reply (a page deep in the conversation) and
/notifications, interleaved at the plan's latency rate. Then /like and /unlike on the hot
post, ramped like the /feed throughput: every press really changes something (the readers
take turns, each liking, then on their next turn unliking), so each is a write on the same
row. Afterwards the post's like_count is compared with its rows: exact, or the run says so.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bench.load import Probe, open_loop
from bench.seed import Seeder
from bot.domain.search_query import indexed_text
from discord_double import DiscordDouble, InteractionHandle, User

if TYPE_CHECKING:
    from bench.scenarios import BackendBench

THREAD_FACTOR = 1.5  # /thread and /notifications p99 within this many times /feed p99
LIKE = "like"
KINDS = (LIKE,)  # what BackendBench.send hands to this module
LABELS = {
    "feed": "/feed",
    "thread": "/thread, first page of {replies:,} replies",
    "thread_deep": "/thread, reply #900's page",
    "notifications": "/notifications, {notifications:,} of them",
}


@dataclass(frozen=True)
class Scale:
    replies: int
    likes: int
    notifications: int


FULL_SCALE = Scale(replies=1_000, likes=100_000, notifications=100_000)
QUICK_SCALE = Scale(replies=60, likes=500, notifications=2_000)


@dataclass(frozen=True)
class Seeded:
    scale: Scale
    root_id: int
    deep_reply_id: int
    reader: User  # logged into the account with all the notifications


async def seed(
    double: DiscordDouble,
    seeder: Seeder,
    author_ids: Sequence[int],
    password_hash: str,
    scale: Scale,
) -> Seeded:
    rng = seeder.rng
    now = seeder.now
    fans = [f"fan_{n:06d}" for n in range(scale.likes)]
    ids = await seeder.add_accounts(["thread.starter", "notified.reader", *fans], password_hash)
    reader = double.add_user("notified_reader_discord")
    await seeder.add_sessions([(reader.id, ids["notified.reader"])])
    stamp = seeder.stamp
    started = now - timedelta(minutes=30)
    question = "What should I read next?"
    await seeder.insert_rows(
        "post",
        ("author_id", "body", "search_text", "created_at", "reply_count", "like_count"),
        [
            (
                ids["thread.starter"],
                question,
                indexed_text(question),
                stamp(started),
                scale.replies,
                0,
            )
        ],
    )
    [(root_id,)] = await seeder.select_rows("SELECT max(id) FROM post")
    await seeder.insert_rows(
        "post",
        ("author_id", "body", "search_text", "created_at", "parent_id", "root_id"),
        (
            (
                rng.choice(author_ids),
                seeder.bodies[n % len(seeder.bodies)],
                indexed_text(seeder.bodies[n % len(seeder.bodies)]),
                stamp(started + timedelta(seconds=1 + n)),
                root_id,
                root_id,
            )
            for n in range(scale.replies)
        ),
    )
    replies = [
        int(row[0])
        for row in await seeder.select_rows(
            f"SELECT id FROM post WHERE root_id = {int(root_id)} ORDER BY id"  # noqa: S608
        )
    ]
    liked_at = stamp(started + timedelta(seconds=5))
    await seeder.insert_rows(
        "post_like",
        ("account_id", "post_id", "created_at"),
        ((ids[name], root_id, liked_at) for name in fans),
    )
    counted = f"UPDATE post SET like_count = {len(fans)} WHERE id = {int(root_id)}"  # noqa: S608
    await seeder.execute(counted)

    # The reader's own posts, then what happened to them: oldest first, ids rising.
    own_at = now - timedelta(days=30)
    await seeder.insert_rows(
        "post",
        ("author_id", "body", "search_text", "created_at"),
        [
            (
                ids["notified.reader"],
                seeder.bodies[n],
                indexed_text(seeder.bodies[n]),
                stamp(own_at + timedelta(minutes=n)),
            )
            for n in range(20)
        ],
    )
    own = [
        int(row[0])
        for row in await seeder.select_rows(
            "SELECT id FROM post WHERE author_id = "  # noqa: S608
            f"{int(ids['notified.reader'])} ORDER BY id"
        )
    ]
    kinds = ("like", "like", "repost", "follow", "like", "reply", "mention", "like")
    first = now - timedelta(days=20)
    step = timedelta(days=19) / scale.notifications

    def notification(n: int) -> tuple[Any, ...]:
        kind = kinds[n % len(kinds)]
        post = (
            None
            if kind == "follow"
            else rng.choice(replies)
            if kind in ("reply", "mention")
            else rng.choice(own)
        )
        actor = rng.choice(author_ids)
        return (ids["notified.reader"], kind, actor, post, stamp(first + step * n))

    await seeder.insert_rows(
        "notification",
        ("recipient_id", "kind", "actor_id", "post_id", "created_at"),
        (notification(n) for n in range(scale.notifications)),
    )
    reader_id = int(ids["notified.reader"])
    unread_ten = f"UPDATE account SET notifications_read_id = (SELECT max(id) - 10 FROM notification) WHERE id = {reader_id}"  # noqa: S608, E501
    await seeder.execute(unread_ten)
    await seeder.recount()
    deep = replies[min(899, len(replies) - 1)]
    return Seeded(scale=scale, root_id=root_id, deep_reply_id=deep, reader=reader)


def _thread_page(handle: InteractionHandle) -> bool:
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0].startswith("## Conversation #")


def _notifications_page(handle: InteractionHandle) -> bool:
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0].startswith("## Notifications for notified.reader")


def _feed_page(handle: InteractionHandle) -> bool:
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0] == "## Latest posts"


def _reacted(handle: InteractionHandle) -> bool:
    content = handle.messages[0].content if handle.messages else ""
    return content.startswith(("You liked post", "You no longer like post"))


async def latency(bench: BackendBench, seeded: Seeded, posts: int) -> dict[str, Any]:
    """/feed, /thread (twice) and /notifications interleaved: visible-answer latency."""
    double, tracker, plan = bench.double, bench.tracker, bench.plan
    kinds = ("feed", "thread", "thread_deep", "notifications")
    readers = bench.population.people

    def send(index: int) -> Awaitable[Probe]:
        kind = kinds[index % len(kinds)]
        reader = readers[index % len(readers)]
        slash = double.send_slash
        if kind == "feed":
            return tracker.send(kind, _feed_page, lambda: slash(reader, "feed"))
        if kind == "thread":
            options = {"post": seeded.root_id}
            return tracker.send(kind, _thread_page, lambda: slash(reader, "thread", options))
        if kind == "thread_deep":
            deep = {"post": seeded.deep_reply_id}
            return tracker.send(kind, _thread_page, lambda: slash(reader, "thread", deep))
        return tracker.send(
            kind, _notifications_page, lambda: slash(seeded.reader, "notifications")
        )

    warm = await open_loop(50, plan.warmup * len(kinds), send)
    await tracker.settle(warm, plan.settle_timeout)
    tracker.forget_finished()
    start = time.monotonic()
    probes = await open_loop(plan.latency_rate, plan.latency_per_command * len(kinds), send)
    await tracker.settle(probes, plan.settle_timeout)
    # Imported here: bench.scenarios imports this module (for the like presses).
    from bench.scenarios import describe_probes

    result: dict[str, Any] = {
        "posts": posts,
        "rate": plan.latency_rate,
        "scale": seeded.scale.__dict__,
        "rows": {kind: describe_probes([p for p in probes if p.kind == kind]) for kind in kinds},
        "window": (start, time.monotonic()),
    }
    tracker.forget_finished()
    return result


def prepare_likes(bench: BackendBench, seeded: Seeded) -> None:
    """What ``send`` needs: the hot post, and how many presses each reader has made."""
    bench.hot_post = seeded.root_id  # type: ignore[attr-defined]
    bench.like_presses = 0  # type: ignore[attr-defined]


def send(bench: BackendBench, kind: str, index: int) -> Awaitable[Probe]:
    """One press on the hot post: each reader in turn likes it, and unlikes it on its next
    turn, so every press is a write on the same post row."""
    people = bench.population.people
    presses: int = bench.like_presses  # type: ignore[attr-defined]
    bench.like_presses = presses + 1  # type: ignore[attr-defined]
    reader = people[presses % len(people)]
    command = "like" if (presses // len(people)) % 2 == 0 else "unlike"
    options = {"post": bench.hot_post}  # type: ignore[attr-defined]
    return bench.tracker.send(
        kind, _reacted, lambda: bench.double.send_slash(reader, command, options)
    )


async def like_counts(seeder: Seeder, post_id: int) -> dict[str, int]:
    """The hot post's counter and its rows, after the load: they must be equal."""
    [(counter,)] = await seeder.select_rows(
        f"SELECT like_count FROM post WHERE id = {int(post_id)}"  # noqa: S608
    )
    [(rows,)] = await seeder.select_rows(
        f"SELECT count(*) FROM post_like WHERE post_id = {int(post_id)}"  # noqa: S608
    )
    return {"like_count": int(counter), "rows": int(rows)}


def label(kind: str, scale: dict[str, int]) -> str:
    return LABELS[kind].format(**scale)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """/thread and /notifications p99 within THREAD_FACTOR x /feed p99; likes exact."""
    found = []
    for name, backend in results["backends"].items():
        section = backend.get("conversations")
        if not section:
            continue
        rows, scale = section["rows"], section["scale"]
        feed_p99 = rows["feed"]["final_ms"]["p99"]
        for kind in ("thread", "thread_deep", "notifications"):
            p99 = rows[kind]["final_ms"]["p99"]
            ratio = p99 / feed_p99 if feed_p99 and p99 is not None else None
            found.append(
                {
                    "target": f"{name}, {section['posts']:,} posts: {label(kind, scale)} p99 "
                    f"within {THREAD_FACTOR:g}x /feed p99",
                    "value": f"{p99} ms vs {feed_p99} ms: {ratio:.2f}x" if ratio else "n/a",
                    "met": ratio is not None and ratio <= THREAD_FACTOR,
                }
            )
        counts = section["like_counts"]
        found.append(
            {
                "target": f"{name}: the hot post's like_count equals its rows after the ramp",
                "value": f"{counts['like_count']:,} vs {counts['rows']:,} rows",
                "met": counts["like_count"] == counts["rows"],
            }
        )
    return found


def markdown(results: dict[str, Any]) -> list[str]:
    """The conversations tables (empty when the run had no such section)."""
    latency_rows, like_rows = [], []
    for name, backend in results["backends"].items():
        section = backend.get("conversations")
        if not section:
            continue
        feed_p99 = section["rows"]["feed"]["final_ms"]["p99"]
        for kind, stats in section["rows"].items():
            final = stats["final_ms"]
            factor = f"{final['p99'] / feed_p99:.2f}" if final["p99"] and feed_p99 else ""
            latency_rows.append(
                [
                    name,
                    f"{section['posts']:,}",
                    label(kind, section["scale"]),
                    f"{final['p50']} / {final['p95']} / {final['p99']}",
                    factor,
                    stats["ok"],
                    stats["errors"] + stats["timeouts"],
                    section.get("loop_max_ms"),
                ]
            )
        ramp = section["likes"]
        best = ramp.get("at_max") or {}
        final = best.get("final_ms") or {}
        like_rows.append(
            [
                name,
                f"{section['scale']['likes']:,}",
                ramp.get("max_rate"),
                f"{final.get('p50')} / {final.get('p95')} / {final.get('p99')}",
                best.get("bot_cpu_percent"),
                next((s["why"] for s in ramp["steps"] if not s["holds"]), "none"),
                f"{section['like_counts']['like_count']:,} = "
                f"{section['like_counts']['rows']:,} rows",
            ]
        )
    if not latency_rows:
        return []
    header = ["backend", "posts", "command", "final", "x /feed p99", "n", "failed", "max stall"]
    lines = [
        "## Conversations beside /feed (ms, p50 / p95 / p99)",
        "",
        "*final*: INTERACTION_CREATE sent to the visible answer. /feed, /thread (a first post "
        "with 1,000 replies and 100,000 likes: its first page, and the page of reply #900) "
        "and /notifications (an account with 100,000) interleaved in one phase (open loop).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in latency_rows]
    header = [
        "backend",
        "likes before",
        "max /like per s (p99 < 100 ms)",
        "final at max",
        "bot CPU %",
        "first limit",
        "after the ramp",
    ]
    lines += [
        "",
        "## Likes on one hot post",
        "",
        "/like and /unlike on the same post by the readers in turn (each press a real write "
        "on that post's row), the rate raised step by step as for /feed throughput.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in like_rows]
    return [*lines, ""]
