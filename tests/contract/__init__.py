"""Side-by-side contract tests: the real Agno AgentOS 3.1.10 versus agno_session_aio (see README.md)."""
