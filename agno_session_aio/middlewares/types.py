"""The type of a new-style aiohttp middleware (aiohttp's own alias)."""

from aiohttp.typedefs import Middleware

__all__ = ["Middleware"]
