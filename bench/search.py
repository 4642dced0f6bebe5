"""/search at each size: a rare word, a common word, a phrase, from: + word, a #tag, with
/ping (the floor) and /feed interleaved in the same open-loop run, so each row sits beside
the feed it competes with.

The queries come from what was seeded (``bench/corpus.py`` counts every word it draws): a
rare word was drawn 2 to 10 times, a common one is among the twenty most frequent (in most
posts), a phrase is three neighbouring words of a seeded post, from: pairs an author drawn
by the same Zipf weights as /feed user: with a mid-frequency word, and a tag is drawn by
its own Zipf weights. Twenty of each rotate, so no one answer is warmed by repetition.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from bench.corpus import Corpus
from bench.load import Probe, open_loop
from bench.scenarios import BackendBench, describe_probes
from discord_double import InteractionHandle

KINDS = {
    "search_rare": "/search rare word",
    "search_common": "/search common word",
    "search_phrase": '/search "phrase"',
    "search_from": "/search from: + word",
    "search_tag": "/search #tag",
}
FLOOR_KINDS = ("ping", "feed")
QUERIES_PER_KIND = 20
P99_TARGET_MS = 100.0


@dataclass(frozen=True)
class SearchQueries:
    by_kind: dict[str, list[str]]

    @classmethod
    def pick(cls, corpus: Corpus, authors: list[str], author_weights: list[float]) -> SearchQueries:
        rng = random.Random(14)  # noqa: S311 (repeatable load, not secrets)
        count = QUERIES_PER_KIND
        rare = corpus.words_drawn_between(2, 10) or corpus.words_drawn_between(1, 1_000)
        ranked = [word for word, _ in corpus.drawn.most_common(1_000)]
        common, middle = ranked[:count], ranked[200:1_000] or ranked
        phrases = [" ".join(body.split()[1:4]).lower() for body in corpus.samples[:count]]
        cumulative = list(accumulate(author_weights))
        tags = [tag for tag, _ in corpus.tag_uses.most_common()]
        tag_weights = list(accumulate(1 / rank for rank in range(1, len(tags) + 1)))
        return cls(
            {
                "search_rare": rng.sample(rare, min(count, len(rare))),
                "search_common": common,
                "search_phrase": [f'"{phrase}"' for phrase in phrases],
                "search_from": [
                    f"from:{author} {rng.choice(middle)}"
                    for author in rng.choices(authors, cum_weights=cumulative, k=count)
                ],
                "search_tag": [
                    f"#{tag}" for tag in rng.choices(tags, cum_weights=tag_weights, k=count)
                ],
            }
        )


def _answered(handle: InteractionHandle) -> bool:
    """A page of results, or the page saying there are none; not an error or an apology."""
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0].startswith("## Search: ")


async def search_latency(
    bench: BackendBench, queries: SearchQueries, per_kind: int, rate: float
) -> dict[str, Any]:
    """The five search kinds, /ping and /feed, ``per_kind`` of each, interleaved."""
    kinds = (*FLOOR_KINDS, *KINDS)
    people = bench.population.people

    def send(index: int) -> Any:
        kind = kinds[index % len(kinds)]
        if kind in FLOOR_KINDS:
            return bench.send(kind, index)
        options = queries.by_kind[kind]
        query = options[(index // len(kinds)) % len(options)]
        user = people[index % len(people)]
        return bench.tracker.send(
            kind,
            _answered,
            lambda: bench.double.send_slash(user, "search", {"query": query}),
        )

    # Warm-up: each kind a few times (first connections, first pages off disk).
    warm = await open_loop(50, len(kinds) * 3, send)
    await bench.tracker.settle(warm, bench.plan.settle_timeout)
    bench.tracker.forget_finished()
    start = time.monotonic()
    probes: list[Probe] = await open_loop(rate, per_kind * len(kinds), send)
    await bench.tracker.settle(probes, bench.plan.settle_timeout)
    result: dict[str, Any] = {
        kind: describe_probes([p for p in probes if p.kind == kind]) for kind in kinds
    }
    result["queries"] = {kind: queries.by_kind[kind][:3] for kind in KINDS}
    result["window"] = (start, time.monotonic())
    bench.tracker.forget_finished()
    return result


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every search kind's p99 under the target at the largest size, per backend."""
    targets = []
    for name, backend in results["backends"].items():
        runs = backend.get("search") or {}
        if not runs:
            continue
        largest = max(runs, key=int)
        for kind, label in KINDS.items():
            p99 = runs[largest][kind]["final_ms"].get("p99")
            targets.append(
                {
                    "target": f"{name}, {int(largest):,} posts: {label} p99 under "
                    f"{P99_TARGET_MS:g} ms",
                    "value": f"{p99} ms",
                    "met": p99 is not None and p99 < P99_TARGET_MS,
                }
            )
    return targets


def markdown_lines(results: dict[str, Any]) -> list[str]:
    """The search table (empty when the run had no search section)."""
    rows = []
    for name, backend in results["backends"].items():
        for size, run in sorted((backend.get("search") or {}).items(), key=lambda i: int(i[0])):
            floor = run["ping"]["final_ms"].get("p99")
            for kind, label in {"ping": "/ping (floor)", "feed": "/feed", **KINDS}.items():
                stats = run[kind]
                p99 = stats["final_ms"].get("p99")
                factor = f"{p99 / floor:.1f}" if p99 is not None and floor else ""
                rows.append(
                    [
                        name,
                        f"{int(size):,}",
                        label,
                        f"{stats['final_ms']['p50']} / {stats['final_ms']['p99']}",
                        factor,
                        stats["ok"],
                        stats["errors"] + stats["timeouts"],
                    ]
                )
    if not rows:
        return []
    lines = [
        "",
        "## Search (visible answer, ms, p50 / p99)",
        "",
        "Open loop, the seven commands interleaved; queries rotate through twenty of each kind "
        "(`bench/search.py` says how they are picked). *x floor*: p99 over /ping's.",
        "",
        "| backend | posts | command | final p50 / p99 | x floor | n | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    examples: dict[str, list[str]] = {}
    for backend in results["backends"].values():
        for run in (backend.get("search") or {}).values():
            examples = run.get("queries", examples)
    if examples:
        lines += [
            "",
            "Example queries: "
            + "; ".join(
                f"{KINDS[kind]}: `{', '.join(values)}`" for kind, values in examples.items()
            ),
        ]
    return lines
