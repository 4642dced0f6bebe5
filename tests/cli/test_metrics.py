"""The operator's metrics, scraped from a real ``python -m bot run`` process over HTTP."""

from __future__ import annotations

import asyncio
import signal
import socket
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.config import write_config
from discord_double import DiscordDouble
from tests.cli.test_run_process import PASSWORD, double, start_process  # noqa: F401 (fixture)
from tests.cogs.conftest import Person, e2e_config
from tests.databases import copy_sqlite


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample: (name, labels) -> value."""
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict, metric: str, /, **labels: str) -> float:  # type: ignore[type-arg]
    return samples.get((metric, frozenset(labels.items())), 0.0)


async def test_metrics_endpoint_counts_what_people_did(
    double: DiscordDouble,  # noqa: F811 (the fixture)
    tmp_path: Path,
    sqlite_template: Path,
) -> None:
    port = _free_port()
    raw = e2e_config(double, copy_sqlite(sqlite_template, tmp_path))
    raw["metrics"] = {"host": "127.0.0.1", "port": port}
    config = write_config(tmp_path / "config.toml", raw)
    process = await start_process("run", "--config", str(config), cwd=tmp_path)
    try:
        await double.wait_for_ready(timeout=30)
        alice = Person(double, double.add_user("alice_discord"))
        await alice.run("ping")
        await alice.run("ping")
        assert "not logged in" in (await alice.run("post", content="too early")).content
        await alice.register("alice", PASSWORD)
        await alice.run("post", content="hello")
        samples = await asyncio.to_thread(_scrape, port)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, stderr.decode()[-3000:]
    counted = "microblog_interactions_total"
    assert _value(samples, counted, kind="command", name="ping", outcome="ok") == 2
    assert _value(samples, counted, kind="command", name="post", outcome="refused") == 1
    assert _value(samples, counted, kind="command", name="post", outcome="ok") == 1
    assert _value(samples, counted, kind="form", name="register", outcome="ok") == 1
    assert _value(samples, "microblog_errors_total", kind="NotLoggedIn") == 1
    # The register form defers (bcrypt takes a while); /post's write took milliseconds, so
    # it answered directly (front/answering.py), as /ping always does.
    assert _value(samples, "microblog_deferrals_total", kind="form", name="register") == 1
    assert _value(samples, "microblog_deferrals_total", kind="command", name="post") == 0
    assert _value(samples, "microblog_deferrals_total", kind="command", name="ping") == 0
    assert _value(samples, "microblog_answer_seconds_count", kind="command", name="ping") == 2
    assert _value(samples, "microblog_bcrypt_seconds_count") >= 1  # the registration's hash
    assert _value(samples, "microblog_bcrypt_queue_length") == 0
    assert _value(samples, "microblog_gateway_connected", shard="0") == 1
    assert _value(samples, "microblog_event_loop_stall_seconds_count") > 0
    assert ("microblog_db_connections_in_use", frozenset()) in samples


async def test_metrics_are_off_by_default(
    double: DiscordDouble,  # noqa: F811 (the fixture)
    tmp_path: Path,
    sqlite_template: Path,
) -> None:
    port = _free_port()
    config = write_config(
        tmp_path / "config.toml", e2e_config(double, copy_sqlite(sqlite_template, tmp_path))
    )
    process = await start_process("run", "--config", str(config), cwd=tmp_path)
    try:
        await double.wait_for_ready(timeout=30)
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0
