"""Checks before load: every endpoint answers its 2xx on every server, and the servers agree on totals."""

from __future__ import annotations

import json
from typing import Any

from .errors import BenchError
from .load import Endpoint
from .servers import Server, http
from .settings import SESSION_PREFIX


def sample_request(endpoint: Endpoint, server: Server) -> tuple[str, Any]:
    """One concrete request of `endpoint` for the pre-flight check (its create is deleted by its delete)."""
    ident = {"random": f"{SESSION_PREFIX}{0:07d}", "fresh": f"check-{server.name}",
             "pool": f"check-{server.name}"}.get(endpoint.ids, "")  # fmt: skip
    body = json.loads(endpoint.body.replace("{id}", ident).replace("{n}", "0")) if endpoint.body else None
    return endpoint.path.replace("{id}", ident), body


def verify(servers: list[Server], eps: list[Endpoint]) -> dict[str, Any]:
    """Every endpoint answers its 2xx on every server, list pages are not empty, and both servers agree on totals."""
    failures = []
    totals: dict[str, dict[str, Any]] = {}
    for endpoint in eps:
        for server in servers:
            path, body = sample_request(endpoint, server)
            status, raw = http(server.base_url, endpoint.method, path, body)
            if status != endpoint.expect:
                failures.append(f"{server.label} {endpoint.method} {path} -> {status} (expected {endpoint.expect}):"
                                f" {raw[:300]!r}")
                continue
            if endpoint.name in ("list", "filtered"):
                page = json.loads(raw)
                if not page["data"]:
                    failures.append(f"{server.label} {path} answered an empty page (seed more sessions)")
                totals.setdefault(endpoint.name, {})[server.label] = page["meta"]["total_count"]
    for name, by_server in totals.items():
        if len(set(by_server.values())) > 1:
            failures.append(f"the servers disagree on total_count for {name}: {by_server}")
    if failures:
        raise BenchError("pre-flight check failed:\n  " + "\n  ".join(failures))
    return totals
