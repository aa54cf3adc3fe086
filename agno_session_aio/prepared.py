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
import re
import weakref
from typing import Any, Final

import attrs
import psycopg2.errors

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


def statement(text: str) -> Statement:
    """Derive the prepared forms of a pyformat statement; its parameters become $1, $2, ... by first use."""
    positions: dict[str, int] = {}

    def positional(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)  # still interpolated by psycopg2, which turns %% into %
        return f"${positions.setdefault(match.group(1), len(positions) + 1)}"

    body = PARAMETER.sub(positional, text)
    name = "agno_" + hashlib.sha1(text.encode()).hexdigest()[:24]
    arguments = ", ".join(f"%({parameter})s" for parameter in positions)
    return Statement(
        text=text,
        name=name,
        prepare=f"PREPARE {name} AS {body}",
        execute=f"EXECUTE {name}({arguments})" if positions else f"EXECUTE {name}",
    )


class PreparedStatements:
    """Which statements each pooled connection has prepared, and running them through EXECUTE."""

    def __init__(self, enabled: bool, capacity: int = CAPACITY) -> None:
        self.enabled = enabled
        self.capacity = capacity
        # Keyed by the aiopg connection: a reconnect is a new object and starts with nothing prepared.
        self._prepared: weakref.WeakKeyDictionary[Any, collections.OrderedDict[str, None]] = (
            weakref.WeakKeyDictionary()
        )

    async def execute(self, cur: Any, stmt: Statement, params: dict[str, Any]) -> None:
        """Run `stmt` on the aiopg cursor `cur`; outside a transaction only (a failure is retried once)."""
        if not self.enabled:
            await cur.execute(stmt.text, params)
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
                await cur.execute(f"DEALLOCATE {stmt.name}")
        if len(names) >= self.capacity:
            oldest, _ = names.popitem(last=False)
            await cur.execute(f"DEALLOCATE {oldest}")
        try:
            # One round trip; a PREPARE survives even when the EXECUTE after it fails.
            await cur.execute(f"{stmt.prepare}; {stmt.execute}", params)
        except psycopg2.errors.DuplicatePreparedStatement:
            # Prepared by an earlier attempt whose EXECUTE failed.
            names[stmt.name] = None
            await cur.execute(stmt.execute, params)
            return
        names[stmt.name] = None
