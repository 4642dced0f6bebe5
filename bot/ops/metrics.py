"""Serves the operator metrics (bot.telemetry) as Prometheus text on ``[metrics] port``.

prometheus-client's own HTTP server runs in a thread: a scrape never waits for the event
loop, and a stuck loop still shows in the metrics (the stall histogram, stale latencies).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.config import MetricsSettings
from bot.db.engine import Database
from bot.telemetry import REGISTRY

if TYPE_CHECKING:
    from prometheus_client import Metric

_log = logging.getLogger(__name__)


class PoolCollector(Collector):
    """Database connections in use and in the pool, read at scrape."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        pool = self.database.engine.pool
        in_use = GaugeMetricFamily(
            "microblog_db_connections_in_use", "Database connections checked out of the pool."
        )
        in_use.add_metric([], float(getattr(pool, "checkedout", lambda: 0)()))
        yield in_use
        size = GaugeMetricFamily(
            "microblog_db_pool_size", "Connections the pool keeps open (its configured size)."
        )
        size.add_metric([], float(getattr(pool, "size", lambda: 0)()))
        yield size


@contextmanager
def serving_metrics(settings: MetricsSettings, *collectors: Collector) -> Iterator[int | None]:
    """Serve while the block runs; yields the port, or None when metrics are off."""
    if settings.port == 0:
        yield None
        return
    for collector in collectors:
        REGISTRY.register(collector)
    server, thread = start_http_server(settings.port, addr=settings.host, registry=REGISTRY)
    _log.info("Metrics at http://%s:%s/metrics", settings.host, settings.port)
    try:
        yield settings.port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        for collector in collectors:
            REGISTRY.unregister(collector)
