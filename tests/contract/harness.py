"""Drives one step against both servers and compares what they answered.

How both servers see the same state
-----------------------------------
Both servers run on ONE database.  Its seeded state is snapshotted once (``dbstate.DbState``), and
the invariant between steps is "the database holds the seeded state":

* a read-only step (only GET/HEAD, no setup SQL) is sent to AgentOS, then to ours;
* a mutating step (any other method, or setup SQL) is run whole against AgentOS, the resulting
  tables are dumped, the snapshot is restored; then the same step is run against ours, dumped and
  restored again.  The two answers AND the two resulting table dumps are compared.

So every step sees exactly the same starting rows on both sides, steps are independent of one
another (``-k`` selects any subset), and our writes are checked against the rows agno itself
writes, not only against the HTTP answers.
"""

from __future__ import annotations

import http.client
import json
import os
from typing import Any, List, Optional, Tuple

import httpx

from .compare import (
    Observed,
    StepResult,
    canonicalize_ties,
    diff_observed,
    diff_values,
    sort_all_data,
)
from .dbstate import DbState
from .known_differences import KNOWN_BY_STEP, KnownDifference
from .normalize import Normalizer, find_uuids
from .steps import NO_BODY, Req, Step

#: how deep key order is checked: None = every object; 0 = top-level objects (and items of
#: top-level arrays / of ``data``) only.  AGNO_CONTRACT_KEY_ORDER=top|all
ORDER_DEPTH: Optional[int] = 0 if os.environ.get("AGNO_CONTRACT_KEY_ORDER", "all") == "top" else None


class Side:
    def __init__(self, name: str, base_url: str) -> None:
        self.name = name
        # a fresh connection per request: uvicorn closes the connection after an unhandled
        # exception (500), and a reused keep-alive connection would then be reset
        self.client = httpx.Client(
            base_url=base_url,
            timeout=30.0,
            follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        self.client.close()

    def send(self, req: Req, answers: List[Any]) -> Tuple[str, httpx.Response]:
        path = req.path(answers) if callable(req.path) else req.path
        headers = dict(req.headers)
        content: Optional[bytes] = None
        if req.json is not NO_BODY:
            content = json.dumps(req.json, ensure_ascii=False, separators=(",", ":")).encode()
            headers.setdefault("content-type", "application/json")
        elif req.content is not None:
            content = req.content.encode() if isinstance(req.content, str) else req.content
        if req.wire_headers is not None or req.fresh_headers is not None:
            wire = list(req.wire_headers or []) + (req.fresh_headers() if req.fresh_headers else [])
            return path, self._send_wire(req.method, path, content, list(headers.items()) + wire)
        resp = self.client.request(req.method, path, content=content, headers=headers)
        return path, resp

    def _send_wire(self, method: str, path: str, content: Optional[bytes], headers: List[Tuple[str, str]]) -> httpx.Response:
        """One request through ``http.client``, headers exactly as given (see ``Req.wire_headers``)."""
        url = self.client.base_url
        conn = http.client.HTTPConnection(url.host, url.port, timeout=30.0)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            if content is not None:
                conn.putheader("content-length", str(len(content)))
            conn.endheaders(content)
            resp = conn.getresponse()
            body = resp.read()
            return httpx.Response(resp.status, headers=resp.getheaders(), content=body)
        finally:
            conn.close()


def observe(method: str, path: str, resp: httpx.Response, norm: Normalizer) -> Tuple[Observed, Any]:
    raw = resp.content
    headers = {k.lower(): v for k, v in resp.headers.items()}
    body: Any = None
    is_json = False
    compact: Optional[bool] = None
    if raw:
        try:
            body = json.loads(raw)
            is_json = True
            compact = raw == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        except ValueError:
            pass
    parsed = body
    obs = Observed(
        method=method,
        path=norm.path(path),
        status=resp.status_code,
        headers={k: norm(v) for k, v in headers.items()},
        raw=raw,
        body=norm(body) if is_json else None,
        is_json=is_json,
        compact=compact,
    )
    return obs, parsed


class Harness:
    def __init__(self, agentos_url: str, ours_url: str, db: DbState, now_threshold: int, self_check: bool) -> None:
        self.agentos = Side("agentos", agentos_url)
        self.ours = Side("ours", ours_url)
        self.db = db
        self.now_threshold = now_threshold
        self.self_check = self_check
        self.baseline = db.dump()
        self.known_uuids = set(find_uuids(self.baseline))
        self.results: List[StepResult] = []
        self._tie_cache: dict = {}

    def close(self) -> None:
        self.agentos.close()
        self.ours.close()

    # ------------------------------------------------------------------------------------------
    def _run_side(self, side: Side, step: Step) -> Tuple[List[Observed], List[str], Any]:
        norm = Normalizer(self.now_threshold, self.known_uuids)
        for sql in step.setup_sql:
            self.db.execute(sql)
        answers: List[Any] = []
        observed: List[Observed] = []
        described: List[str] = []
        for req in step.requests:
            path, resp = side.send(req, answers)
            obs, parsed = observe(req.method, path, resp, norm)
            if step.ties is not None and obs.is_json:
                obs.body = self._untie(obs.body, step.ties)
            observed.append(obs)
            answers.append(parsed)
            described.append(req.describe(obs.path))
        dump = norm(self.db.dump()) if step.check_db else None
        if dump is not None:
            for table, rows in dump.items():
                rows.sort(key=lambda r: json.dumps(r, sort_keys=True, default=str))
        return observed, described, dump

    def _untie(self, body: Any, ties: str) -> Any:
        if ties == "*":
            return sort_all_data(body)
        if ties not in self._tie_cache:
            self._tie_cache[ties] = self.db.tie_groups(ties)
        return canonicalize_ties(body, self._tie_cache[ties])

    def run(self, step: Step) -> StepResult:
        if step.mutating:
            try:
                a_obs, described, a_dump = self._run_side(self.agentos, step)
            finally:
                self.db.restore()
            try:
                b_obs, _, b_dump = self._run_side(self.ours, step)
            finally:
                self.db.restore()
        else:
            a_obs, described, a_dump = self._run_side(self.agentos, step)
            b_obs, _, b_dump = self._run_side(self.ours, step)

        result = StepResult(step.id, step.description, requests=described, agentos=a_obs, ours=b_obs)
        known: Optional[KnownDifference] = None if self.self_check else KNOWN_BY_STEP.get(step.id)
        for a, b in zip(a_obs, b_obs):
            result.differences.append(diff_observed(a, b, ORDER_DEPTH))
        if known is not None:
            result.known = f"{known.reason} (ours must: {known.ours_expected})"
            result.exempt = set(range(len(a_obs))) if known.request is None else {known.request}
            result.known_failures = known.check(a_obs, b_obs)
        elif step.check_db and a_dump is not None and b_dump is not None:
            result.db_differences = diff_values(a_dump, b_dump, "$db", kind="db")
        self.results.append(result)
        return result
