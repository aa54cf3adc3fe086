"""The store: everything that talks to PostgreSQL, the only package that runs SQL.

connections (pool and leases), prepared (PREPARE/EXECUTE bookkeeping), sql (every statement text),
schema (table names, bootstrap), queries (statements and parameters of a request, rows as records)
and sessions (SessionStore, which runs them).
"""

from .connections import ConnectionPool, connection_pool
from .schema import TableNames
from .sessions import SessionStore

__all__ = ["ConnectionPool", "SessionStore", "TableNames", "connection_pool"]
