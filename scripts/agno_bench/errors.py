"""The benchmark's error: a step failed (the entry point prints it as `bench: <message>` and exits non-zero)."""

from __future__ import annotations


class BenchError(RuntimeError):
    """A step failed; the message says which and why."""
