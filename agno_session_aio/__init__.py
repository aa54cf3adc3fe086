"""agno-session-aio: Agno AgentOS's /sessions API as a standalone aiohttp service."""

__version__ = "0.1.0"
