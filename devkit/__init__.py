"""Scaffolding the tests, the contract suite and the benchmark share: PostgreSQL servers and throw-away
databases, free ports, and the launcher of the real AgentOS. Not part of the installed package."""
