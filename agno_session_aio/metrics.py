"""Prometheus metrics: request counts and latency by route, pool usage per db_id, query latency."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from . import __version__

if TYPE_CHECKING:
    from .databases import Databases

LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """One registry per app, so several apps in one process (tests, workers) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "agno_session_http_requests", "HTTP requests answered", ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "agno_session_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        # The running version, as a label (the usual build-info gauge, always 1).
        Gauge("agno_session_build_info", "Version of the running service", ["version"],
              registry=self.registry).labels(__version__).set(1)
        self.query_seconds = Histogram(
            "agno_session_db_query_duration_seconds", "Time a store operation spent on its connection",
            ["db_id", "operation"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )

    def watch_pools(self, databases: Callable[[], Databases | None]) -> None:
        """Report pool gauges read at scrape time from the app's current databases."""
        self.registry.register(_PoolCollector(databases))


class _PoolCollector(Collector):
    def __init__(self, databases: Callable[[], Databases | None]) -> None:
        self._databases = databases

    def collect(self) -> Iterator[Metric]:
        size = GaugeMetricFamily("agno_session_db_pool_size", "Open connections in the pool", labels=["db_id"])
        in_use = GaugeMetricFamily("agno_session_db_pool_in_use", "Connections handed out", labels=["db_id"])
        waiting = GaugeMetricFamily("agno_session_db_pool_waiting", "Requests waiting for a connection",
                                    labels=["db_id"])
        maximum = GaugeMetricFamily("agno_session_db_pool_max", "Configured pool maximum", labels=["db_id"])
        # Databases with a read replica only (docs/scaling.md).
        staleness = GaugeMetricFamily(
            "agno_session_db_replica_staleness_seconds",
            "Seconds since the newest moment the read replica is known to show (+Inf until it is sampled)",
            labels=["db_id"])
        replica_reads = CounterMetricFamily("agno_session_db_replica_reads", "Reads the read replica answered",
                                            labels=["db_id"])
        databases = self._databases()
        for db_id, store in (databases.stores.items() if databases else ()):
            pool = store.pool
            size.add_metric([db_id], pool.size)
            in_use.add_metric([db_id], pool.size - pool.freesize)
            waiting.add_metric([db_id], store.waiting)
            maximum.add_metric([db_id], pool.maxsize or 0)
            if store.replica is not None:
                staleness.add_metric([db_id], store.replica.staleness)
                replica_reads.add_metric([db_id], store.replica.reads)
        yield from (size, in_use, waiting, maximum, staleness, replica_reads)
