"""The targets, judged, and the results as markdown (printed, and saved next to the JSON)."""

from __future__ import annotations

from typing import Any

from bench import conversations, social
from bench.search import evaluate as search_targets
from bench.search import markdown_lines as search_lines

LABELS = {
    "ping": "/ping (floor)",
    "feed": "/feed",
    "feed_author": "/feed user:",
    "post": "/post",
    "feed_blocking": "/feed, reader with 1,000 blocks",  # bench/safety.py
}
STALL_LIMIT_MS = 50.0
STORM_FEED_P99_LIMIT_MS = 100.0
FLOOR_FACTOR = 2.0
FLAT_FACTOR = 1.2  # "flat": the largest size's /feed p50 within 20 % of the smallest's
_UNDER_20 = {"<=1", "<=2", "<=5", "<=10", "<=20"}  # loopwatch histogram labels up to 20 ms


def _p(summary: dict[str, Any], key: str) -> float | None:
    value = summary.get(key)
    return None if value is None else float(value)


def _sizes(backend: dict[str, Any]) -> list[str]:
    return sorted(backend["latency"], key=int)


def worst_stall(backend: dict[str, Any]) -> tuple[float | None, str]:
    """The worst stall seen in any measured phase, and the phase."""
    phases: list[tuple[float | None, str]] = [
        (backend["latency"][size].get("loop_max_ms"), f"latency at {int(size):,} posts")
        for size in _sizes(backend)
    ]
    phases.append((backend["storm"].get("loop_max_ms"), "login storm"))
    for kind, ramp in backend["throughput"].items():
        phases.append((ramp.get("loop_max_ms"), f"{kind} throughput ramp"))
    known = [(value, where) for value, where in phases if value is not None]
    return max(known) if known else (None, "no data")


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value; goals to report against, not assertions."""
    if results.get("only") in ("home", "conversations"):
        return social.targets(results) + conversations.targets(results)
    if results.get("only") == "search":
        return search_targets(results)
    targets: list[dict[str, Any]] = []
    backends = results["backends"]
    sqlite = backends.get("sqlite")
    if sqlite:
        largest = _sizes(sqlite)[-1]
        row = sqlite["latency"][largest]
        feed, floor = _p(row["feed"]["final_ms"], "p99"), _p(row["ping"]["final_ms"], "p99")
        ratio = feed / floor if feed is not None and floor else None
        targets.append(
            {
                "target": f"SQLite, {int(largest):,} posts: /feed p99 within "
                f"{FLOOR_FACTOR:g}x the /ping floor",
                "value": f"{feed} ms vs {floor} ms: {ratio:.2f}x" if ratio else "n/a",
                "met": ratio is not None and ratio <= FLOOR_FACTOR,
            }
        )
    for name, backend in backends.items():
        p99 = _p(backend["storm"]["feed_during"]["final_ms"], "p99")
        targets.append(
            {
                "target": f"{name}: /feed p99 under {STORM_FEED_P99_LIMIT_MS:g} ms "
                "during the login storm",
                "value": f"{p99} ms",
                "met": p99 is not None and p99 < STORM_FEED_P99_LIMIT_MS,
            }
        )
        stall, where = worst_stall(backend)
        targets.append(
            {
                "target": f"{name}: no event-loop stall over {STALL_LIMIT_MS:g} ms",
                "value": f"{stall} ms ({where})",
                "met": stall is not None and stall <= STALL_LIMIT_MS,
            }
        )
        sizes = _sizes(backend)
        small, large = backend["latency"][sizes[0]]["feed"], backend["latency"][sizes[-1]]["feed"]
        p50s = (_p(small["final_ms"], "p50"), _p(large["final_ms"], "p50"))
        p99s = (_p(small["final_ms"], "p99"), _p(large["final_ms"], "p99"))
        flat = p50s[0] and p50s[1] is not None and p50s[1] / p50s[0] <= FLAT_FACTOR
        targets.append(
            {
                "target": f"{name}: /feed time flat from {int(sizes[0]):,} to "
                f"{int(sizes[-1]):,} posts (p50 within {FLAT_FACTOR:g}x)",
                "value": f"p50 {p50s[0]} -> {p50s[1]} ms, p99 {p99s[0]} -> {p99s[1]} ms",
                "met": bool(flat),
            }
        )
    return (
        targets + search_targets(results) + social.targets(results) + conversations.targets(results)
    )


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return lines


def _trio(summary: dict[str, Any]) -> str:
    return f"{summary['p50']} / {summary['p95']} / {summary['p99']}"


def markdown(results: dict[str, Any]) -> str:
    machine, hashing = results["machine"], results["bcrypt"]
    lines = [
        "# Benchmark results",
        "",
        f"`{results['command']}`, {results['generated_at']}"
        + (" (quick smoke run: tiny sizes, few samples)" if results["quick"] else ""),
        "",
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['ram_gib']} GiB "
        f"RAM, Linux {machine['kernel']}; Python {machine['python']}, SQLite "
        f"{machine['sqlite']}, PostgreSQL {machine['postgresql'] or 'not used'}. The bot, the "
        "driver (loopback Discord + load) and PostgreSQL share these cores.",
        "",
        f"bcrypt cost {hashing['cost']}: {hashing['hash_seconds'] * 1000:.0f} ms per hash, so "
        f"at most {hashing['limit_per_second']} logins/s on {machine['cores']} cores.",
        "",
    ]
    if results.get("only") in ("home", "conversations"):
        sections = [*social.markdown(results), *conversations.markdown(results)]
        return "\n".join([*lines, *sections, *_targets(results)]) + "\n"
    if results.get("only") == "search":
        return "\n".join([*lines, *search_lines(results), "", *_targets(results)]) + "\n"
    lines += [
        "## Latency (ms, p50 / p95 / p99)",
        "",
        "*first*: INTERACTION_CREATE sent to the bot's first callback (the defer, for commands "
        "that defer). *final*: to the visible answer. *x floor*: final p99 over /ping's. "
        f"Open loop, {results['plan']['latency_rate']:g} interactions/s, the commands "
        "interleaved.",
        "",
    ]
    rows = []
    for name, backend in results["backends"].items():
        for size in _sizes(backend):
            row = backend["latency"][size]
            floor = _p(row["ping"]["final_ms"], "p99")
            for kind, label in LABELS.items():
                stats = row[kind]
                p99 = _p(stats["final_ms"], "p99")
                factor = f"{p99 / floor:.1f}" if p99 is not None and floor else ""
                rows.append(
                    [
                        name,
                        f"{int(size):,}",
                        label,
                        _trio(stats["first_ms"]),
                        _trio(stats["final_ms"]),
                        factor,
                        stats["ok"],
                        stats["errors"] + stats["timeouts"],
                    ]
                )
    lines += _table(
        ["backend", "posts", "command", "first", "final", "x floor", "n", "failed"], rows
    )
    lines += search_lines(results)
    lines += ["", "## Login storm", ""]
    rows = []
    for name, backend in results["backends"].items():
        storm = backend["storm"]
        rows.append(
            [
                name,
                storm["logins"]["ok"],
                f"{storm['logins_per_second']} (limit {storm['limit_per_second']})",
                storm["storm_seconds"],
                _trio(storm["logins"]["final_ms"]),
                _trio(storm["feed_before"]["final_ms"]),
                _trio(storm["feed_during"]["final_ms"]),
                storm["loop_max_ms"],
            ]
        )
    lines += _table(
        [
            "backend",
            "logins",
            "logins/s",
            "seconds",
            "login final",
            "/feed before",
            "/feed during",
            "max stall ms",
        ],
        rows,
    )
    lines += [
        "",
        "## Throughput (open loop, rate raised until final p99 >= 100 ms)",
        "",
    ]
    rows = []
    for name, backend in results["backends"].items():
        for kind, ramp in backend["throughput"].items():
            best = ramp["at_max"] or {}
            tried = ", ".join(
                f"{s['rate']:g}{'' if s['holds'] else ' ✗ ' + s['why']}" for s in ramp["steps"]
            )
            rows.append(
                [
                    name,
                    LABELS[kind],
                    ramp["max_rate"],
                    _trio(best["final_ms"]) if best else "",
                    best.get("bot_cpu_percent"),
                    best.get("driver_cpu_percent"),
                    tried,
                ]
            )
    lines += _table(
        ["backend", "command", "max/s", "final at max", "bot CPU %", "driver CPU %", "rates"],
        rows,
    )
    lines += [
        "",
        "## Event-loop stalls in the bot (worst timer lateness, ms)",
        "",
        "Measured inside the bot process (`bot/loopwatch.py`, a timer due every 10 ms). "
        "*Whole run*: from the watch's start (after migrations) to shutdown, seeding included.",
        "",
    ]
    rows = []
    for name, backend in results["backends"].items():
        latency = [row.get("loop_max_ms") for row in backend["latency"].values()]
        known = [value for value in latency if value is not None]
        ramps = backend["throughput"]
        histogram = backend["loop"].get("histogram_ms") or {}
        over_20 = sum(count for label, count in histogram.items() if label not in _UNDER_20)
        rows.append(
            [
                name,
                max(known) if known else None,
                backend["storm"].get("loop_max_ms"),
                ramps.get("ping", {}).get("loop_max_ms"),
                ramps.get("feed", {}).get("loop_max_ms"),
                backend["loop"].get("max_ms"),
                f"{over_20} of {backend['loop'].get('samples')}",
            ]
        )
    lines += _table(
        [
            "backend",
            "latency runs",
            "login storm",
            "/ping ramp",
            "/feed ramp",
            "whole run",
            "samples over 20 ms",
        ],
        rows,
    )
    lines += ["", "## Memory of the bot process (MiB)", ""]
    rows = [
        [
            name,
            backend["memory"]["idle"].get("VmRSS"),
            backend["memory"]["after_load"].get("VmRSS"),
            backend["memory"]["after_load"].get("VmHWM"),
        ]
        for name, backend in results["backends"].items()
    ]
    lines += _table(["backend", "idle RSS", "RSS after load", "peak RSS (VmHWM)"], rows)
    lines += ["", "## Seeding", ""]
    rows = [
        [name, f"{int(size):,}", seed["rows"], seed["seconds"], seed["rows_per_second"]]
        for name, backend in results["backends"].items()
        for size, seed in sorted(backend["seeding"].items(), key=lambda item: int(item[0]))
    ]
    lines += _table(["backend", "posts", "rows added", "seconds", "rows/s"], rows)
    lines += ["", *social.markdown(results), *conversations.markdown(results)]
    lines += _targets(results)
    return "\n".join(lines) + "\n"


def _targets(results: dict[str, Any]) -> list[str]:
    return [
        "## Targets",
        "",
        *_table(
            ["target", "measured", "met"],
            [
                [t["target"], t["value"], "yes" if t["met"] else "**no**"]
                for t in results["targets"]
            ],
        ),
    ]
