"""The benchmark's smoke run (``python -m bench --quick``): every section there, numbers sane.

Not a performance test: it proves the benchmark still measures what it claims (the bot in
its own process, both backends, every section) so the full run is worth starting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import search
from bench.__main__ import main
from bench.scenarios import LATENCY_COMMANDS, QUICK
from tests import databases

SECTIONS = (
    "## Latency",
    "## Search",
    "## Login storm",
    "## Throughput",
    "## Memory",
    "## Home timeline beside /feed",
    "## Conversations beside /feed",
    "## Likes on one hot post",
    "## Targets",
)


@pytest.fixture
def postgres_server() -> str:
    server = databases.postgres_server_url()
    reason = databases.run_blocking(databases.postgres_reachable(server))
    if reason is not None:
        if databases.postgres_required():
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    return server


def _check_summary(summary: dict[str, Any], count: int) -> None:
    assert summary["n"] == count
    assert 0 < summary["p50"] <= summary["p95"] <= summary["p99"] <= summary["max"] < 5_000


def test_quick_run_reports_every_section_on_both_backends(
    tmp_path: Path, postgres_server: str
) -> None:
    written = main(["--quick", "--out", str(tmp_path), "--postgres-url", postgres_server])
    results = json.loads(written.read_text())
    report = (tmp_path / "quick.md").read_text()
    assert all(section in report for section in SECTIONS)

    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["ram_gib"] > 0
    assert machine["sqlite"] and machine["postgresql"]
    hashing = results["bcrypt"]
    assert hashing["cost"] == 12
    assert 0.01 < hashing["hash_seconds"] < 5  # cost 12 takes a visible fraction of a second

    assert set(results["backends"]) == {"sqlite", "postgres"}
    for backend in results["backends"].values():
        assert backend["violations"] == []
        assert sum(seed["rows"] for seed in backend["seeding"].values()) == QUICK.sizes[-1]
        assert set(backend["latency"]) == {str(size) for size in QUICK.sizes}
        for row in backend["latency"].values():
            for kind in LATENCY_COMMANDS:
                stats = row[kind]
                assert (stats["ok"], stats["errors"], stats["timeouts"]) == (
                    QUICK.latency_per_command,
                    0,
                    0,
                ), stats
                _check_summary(stats["final_ms"], QUICK.latency_per_command)
                # The first callback never comes after the visible answer.
                assert stats["first_ms"]["p50"] <= stats["final_ms"]["p50"]
            assert row["loop_max_ms"] is not None and row["loop_max_ms"] >= 0

        assert set(backend["search"]) == {str(size) for size in QUICK.sizes}
        for run in backend["search"].values():
            for kind in (*search.FLOOR_KINDS, *search.KINDS):
                stats = run[kind]
                assert (stats["ok"], stats["errors"], stats["timeouts"]) == (
                    QUICK.latency_per_command,
                    0,
                    0,
                ), (kind, stats)
                _check_summary(stats["final_ms"], QUICK.latency_per_command)

        home = backend["home"]
        assert set(home["rows"]) == {"feed", *(f"home_{n}" for n in QUICK.home_follows)}
        for stats in home["rows"].values():
            assert (stats["ok"], stats["errors"], stats["timeouts"]) == (
                QUICK.latency_per_command,
                0,
                0,
            ), stats
            _check_summary(stats["final_ms"], QUICK.latency_per_command)

        storm = backend["storm"]
        assert storm["logins"]["ok"] == QUICK.storm_logins
        # Logins cannot beat the hardware: cores / hash time, with room for timing noise.
        assert 0 < storm["logins_per_second"] <= 1.5 * storm["limit_per_second"]
        assert storm["feed_during"]["ok"] >= 1 and storm["feed_during"]["errors"] == 0
        assert storm["loop_max_ms"] is not None

        for ramp in backend["throughput"].values():
            assert ramp["steps"] and ramp["max_rate"] in [step["rate"] for step in ramp["steps"]]
            assert ramp["at_max"]["final_ms"]["p99"] < 100
            assert ramp["loop_max_ms"] is not None

        memory = backend["memory"]
        assert 30 < memory["idle"]["VmRSS"] <= memory["after_load"]["VmHWM"] < 4_096
        assert backend["loop"]["samples"] > 0

    # 3 per backend, /home beside /feed, each search kind at the largest size, and /thread
    # (2), /notifications and the like count
    assert len(results["targets"]) == 1 + 4 * 2 + len(search.KINDS) * 2 + 4 * 2
    assert all(isinstance(target["met"], bool) for target in results["targets"])
