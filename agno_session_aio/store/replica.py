"""A read replica of one database, and how fresh it is: the rule that decides which reads it may answer.

A streaming standby shows a past state of the primary. Every POLL_INTERVAL the primary's WAL insert position
is sampled, then the standby's replay position; once the standby has replayed past a sample taken at time t,
everything committed before t is visible there, so the replica is "fresh as of t". A read goes to the
replica only when it is fresh as of both the latest write this process made to the database (a caller
sees its own writes) and AGNO_READ_REPLICA_MAX_LAG ago (nobody sees an older state than that); otherwise,
or while the replica cannot be sampled, the primary answers (docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import math
import time
from typing import Any, Final

import aiopg
import attrs
import psycopg2

from . import sql
from ..config import redact_dsn
from .connections import ConnectionPool

logger = logging.getLogger(__name__)

# Seconds between samples; a write becomes readable on the replica one or two intervals after it replays.
POLL_INTERVAL: Final = 0.1
# Samples kept while the replica falls behind (at POLL_INTERVAL, about 15 minutes of them).
MAX_SAMPLES: Final = 10_000


@attrs.define(eq=False)
class ReadReplica:
    """The replica's pool, the DSN its side connections use, and how fresh it is (monotonic seconds)."""

    pool: ConnectionPool
    dsn: str
    max_lag: float
    fresh_as_of: float = -math.inf
    # Reads the replica answered, for /metrics.
    reads: int = 0
    _samples: collections.deque[tuple[float, int]] = attrs.field(factory=collections.deque)
    _not_standby_noted: bool = False

    def usable(self, last_write: float) -> bool:
        """Whether a read may go here: it shows every write of this process, and nothing older than max_lag."""
        return self.fresh_as_of >= max(last_write, time.monotonic() - self.max_lag)

    @property
    def staleness(self) -> float:
        """Seconds since the newest moment the replica is known to show (infinite before the first sample)."""
        return time.monotonic() - self.fresh_as_of

    def mark_stale(self) -> None:
        """It failed a read: the primary answers until a sample shows the replica again."""
        self.fresh_as_of = -math.inf
        self._samples.clear()

    async def track(self, primary_dsn: str, db_id: str) -> None:
        """Sample both servers until cancelled; a failed sample leaves the replica stale until one succeeds.

        On connections of its own: a busy pool must not make the replica look stale when it is needed most.
        """
        primary, replica = _SideConnection(primary_dsn), _SideConnection(self.dsn)
        sampled: bool | None = None  # whether the last attempt succeeded; logged when that changes
        try:
            while True:
                try:
                    await self._sample(primary, replica)
                except (psycopg2.Error, OSError, TimeoutError) as exc:
                    if sampled is not False:
                        logger.warning("database %s: read replica not sampled (%s); the primary answers its reads",
                                       db_id, " ".join(str(exc).split()) or type(exc).__name__)
                    sampled = False
                    self.mark_stale()
                else:
                    if sampled is False:
                        logger.info("database %s: read replica sampled again", db_id)
                    sampled = True
                await asyncio.sleep(POLL_INTERVAL)
        finally:
            primary.close()
            replica.close()

    async def _sample(self, primary: _SideConnection, replica: _SideConnection) -> None:
        taken = time.monotonic()
        self._samples.append((taken, int(await primary.value(sql.WAL_INSERTED))))
        if len(self._samples) > MAX_SAMPLES:
            self._samples.popleft()
        replayed = await replica.value(sql.WAL_REPLAYED)
        if replayed is None:
            if not self._not_standby_noted:
                self._not_standby_noted = True
                logger.warning("the read replica %s is not a standby (pg_is_in_recovery() is false); its "
                               "freshness cannot be known, so the primary answers every read", redact_dsn(self.dsn))
            self.mark_stale()
            return
        covered = None
        while self._samples and self._samples[0][1] <= int(replayed):
            covered = self._samples.popleft()
        if covered is not None:
            self.fresh_as_of = covered[0]


class _SideConnection:
    """One connection, opened when first needed and again after it failed."""

    def __init__(self, dsn: str, timeout: float = 2.0) -> None:
        self.dsn = dsn
        self.timeout = timeout
        self._conn: aiopg.Connection | None = None

    async def value(self, statement: str) -> Any:
        """The one value `statement` selects."""
        try:
            async with asyncio.timeout(self.timeout):
                if self._conn is None or self._conn.closed:
                    self._conn = await aiopg.connect(self.dsn, timeout=self.timeout, enable_json=False,
                                                     enable_hstore=False, enable_uuid=False)
                async with self._conn.cursor() as cur:
                    await cur.execute(statement)
                    (value,) = await cur.fetchone()
        except BaseException:
            self.close()
            raise
        return value

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
