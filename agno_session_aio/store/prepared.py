"""Server-side prepared statements over the simple query protocol: PREPARE once per connection, then EXECUTE.

PostgreSQL plans every simple-protocol statement anew, and for the list and detail statements planning
cost about as much as running them (docs/performance.md). psycopg2 has no protocol-level prepare, so a
statement is PREPAREd in the same round trip as its first EXECUTE on a connection, and later requests on
that connection only EXECUTE it. SQL-level prepared statements live in one server session, which a
pooler in transaction mode does not keep: AGNO_PG_PREPARED_STATEMENTS=off runs every statement as is.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import re
import weakref
from collections.abc import Mapping
from typing import Any, Final

import attrs
import psycopg2.errors

logger = logging.getLogger(__name__)

# A pyformat parameter; `%%` (a literal percent) is matched so it is left alone.
PARAMETER: Final = re.compile(r"%\((\w+)\)s|%%")
# Statements kept prepared per connection; the least recently used one is deallocated beyond this.
CAPACITY: Final = 64


@attrs.frozen(slots=True)
class Statement:
    """One SQL statement in its plain form and as PREPARE / EXECUTE texts with the same parameters."""

    text: str
    name: str
    prepare: str
    execute: str


def statement(text: str, planned_for: Mapping[str, int] | None = None) -> Statement:
    """Derive the prepared forms of a pyformat statement; its parameters become $1, $2, ... by first use.

    Parameters in `planned_for` are written into the prepared text as integer literals instead, so the
    plan knows them: a plan for `LIMIT $1` assumes a tenth of the table (docs/performance.md).
    """
    fixed = {name: int(value) for name, value in (planned_for or {}).items()}
    positions: dict[str, int] = {}

    def positional(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)  # still interpolated by psycopg2, which turns %% into %
        if match.group(1) in fixed:
            return str(fixed[match.group(1)])
        return f"${positions.setdefault(match.group(1), len(positions) + 1)}"

    body = PARAMETER.sub(positional, text)
    name = "agno_" + hashlib.sha1(f"{text}\0{sorted(fixed.items())}".encode()).hexdigest()[:24]
    arguments = ", ".join(f"%({parameter})s" for parameter in positions)
    return Statement(
        text=text,
        name=name,
        prepare=f"PREPARE {name} AS {body}",
        execute=f"EXECUTE {name}({arguments})" if positions else f"EXECUTE {name}",
    )


class StatementCache:
    """The Statements of statements assembled per request, prepared from their second use on.

    Filters, sort orders and (through `planned_for`) page sizes and offsets give many variants; one a
    client sends once (a deep page while paging through) is run as it is rather than prepared, and at
    most `capacity` variants are remembered.
    """

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._seen: collections.OrderedDict[tuple[str, tuple[tuple[str, int], ...]], Statement | None] = (
            collections.OrderedDict()
        )

    def get(self, text: str, planned_for: Mapping[str, int] | None = None) -> Statement | None:
        """The Statement to EXECUTE, or None on first sight (run `text` unprepared)."""
        key = (text, tuple(sorted((planned_for or {}).items())))
        if key not in self._seen:
            self._seen[key] = None
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return None
        self._seen.move_to_end(key)
        found = self._seen[key]
        if found is None:
            found = self._seen[key] = statement(text, planned_for)
        return found


class PreparedStatements:
    """Which statements each pooled connection has prepared, and running them through EXECUTE."""

    def __init__(self, enabled: bool, capacity: int = CAPACITY) -> None:
        self.enabled = enabled
        self.capacity = capacity
        # Keyed by the aiopg connection: a reconnect is a new object and starts with nothing prepared.
        self._prepared: weakref.WeakKeyDictionary[Any, collections.OrderedDict[str, None]] = (
            weakref.WeakKeyDictionary()
        )
        self._switch_noted = False

    async def execute(self, cur: Any, stmt: Statement | str, params: dict[str, Any]) -> None:
        """Run `stmt` on the aiopg cursor `cur` (a plain string as it is); outside a transaction only (a
        failure is retried once)."""
        if isinstance(stmt, str) or not self.enabled:
            await cur.execute(stmt if isinstance(stmt, str) else stmt.text, params)
            return
        names = self._prepared.get(cur.connection)
        if names is None:
            names = self._prepared[cur.connection] = collections.OrderedDict()
        if stmt.name in names:
            names.move_to_end(stmt.name)
            try:
                await cur.execute(stmt.execute, params)
                return
            except psycopg2.errors.InvalidSqlStatementName:
                # The server session lost it (DISCARD ALL, a pooler that switched sessions): prepare again.
                del names[stmt.name]
            except psycopg2.errors.FeatureNotSupported:
                # "cached plan must not change result type": a table changed under the plan; plan again.
                del names[stmt.name]
                await _deallocate(cur, stmt.name)
        if len(names) >= self.capacity:
            oldest, _ = names.popitem(last=False)
            await _deallocate(cur, oldest)
        try:
            # One round trip; a PREPARE survives even when the EXECUTE after it fails.
            await cur.execute(f"{stmt.prepare}; {stmt.execute}", params)
        except psycopg2.errors.DuplicatePreparedStatement:
            # Prepared by an earlier attempt whose EXECUTE failed; or, behind a pooler in transaction mode,
            # on another server session than the one that just said it did not have it. The plain statement
            # runs on any session, so this request is answered either way.
            names[stmt.name] = None
            self._note_session_switch()
            await cur.execute(stmt.text, params)
            return
        names[stmt.name] = None

    def _note_session_switch(self) -> None:
        if not self._switch_noted:
            self._switch_noted = True
            logger.warning("prepared statements went missing and reappeared on one connection: a pooler in "
                           "transaction mode (PgBouncer) is in between? Set AGNO_PG_PREPARED_STATEMENTS=off for it")


async def _deallocate(cur: Any, name: str) -> None:
    try:
        await cur.execute(f"DEALLOCATE {name}")
    except psycopg2.errors.InvalidSqlStatementName:
        pass  # already gone on the server: nothing to free
