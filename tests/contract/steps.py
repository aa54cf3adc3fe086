"""The scripted request sequence, driven identically against AgentOS and our service.

Every step starts from the seeded database state (see ``harness.py``).  A step is one request or a
short sequence (e.g. create, then read back); paths may be callables of the side's earlier parsed
answers, so a server-generated id can be read back.  Ids of seeded sessions and runs are the
constants of ``seed.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote

from . import seed as S

NO_BODY = object()
READ_METHODS = ("GET", "HEAD")


@dataclass
class Req:
    method: str
    path: Union[str, Callable[[List[Any]], str]]
    json: Any = NO_BODY  # serialised compactly, content-type application/json
    content: Optional[Union[str, bytes]] = None  # raw body, sent as is
    headers: Dict[str, str] = field(default_factory=dict)
    #: headers sent byte-for-byte through ``http.client`` (order, duplicates and surrounding
    #: whitespace kept: httpx refuses ``"Bearer  key "``); None: httpx as usual
    wire_headers: Optional[List[Tuple[str, str]]] = None
    #: called at send time for headers that must be made then (a token that is valid for seconds);
    #: sent after ``wire_headers``
    fresh_headers: Optional[Callable[[], List[Tuple[str, str]]]] = None

    def describe(self, resolved_path: Optional[str] = None) -> str:
        path = resolved_path or (self.path if isinstance(self.path, str) else "<path from previous answer>")
        text = f"{self.method} {path}"
        if self.json is not NO_BODY:
            text += " " + json.dumps(self.json, ensure_ascii=False, separators=(",", ":"))
        elif self.content is not None:
            body = self.content if isinstance(self.content, str) else self.content.decode("utf-8", "replace")
            text += f" <{self.headers.get('content-type', 'no content-type')}> {body!r}"
        if self.wire_headers is not None:
            text += " headers=" + (repr(self.wire_headers) if self.wire_headers else "[]")
        if self.fresh_headers is not None:
            text += f" + headers made at send time ({getattr(self.fresh_headers, '__doc__', None) or 'fresh'})"
        return text


@dataclass
class Step:
    id: str
    description: str
    requests: List[Req]
    setup_sql: Sequence[str] = ()
    #: SQL expression of the list's sort key over agno_sessions: items whose key ties may come in
    #: any order (``"*"``: the order is undefined altogether, compare ``data`` as a set)
    ties: Optional[str] = None
    compare_db: Optional[bool] = None

    @property
    def mutating(self) -> bool:
        return bool(self.setup_sql) or any(r.method not in READ_METHODS for r in self.requests)

    @property
    def check_db(self) -> bool:
        return self.mutating if self.compare_db is None else self.compare_db


def with_headers(req: Req, headers: Any) -> Req:
    """`req` sent with exactly these wire headers, or with a function making them at send time."""
    if callable(headers):
        return Req(req.method, req.path, json=req.json, content=req.content, headers=dict(req.headers),
                   wire_headers=[], fresh_headers=headers)
    return Req(req.method, req.path, json=req.json, content=req.content, headers=dict(req.headers),
               wire_headers=list(headers))


STEPS: List[Step] = []


def step(id: str, description: str, *requests: Req, **kw: Any) -> None:
    assert all(s.id != id for s in STEPS), f"duplicate step id {id}"
    STEPS.append(Step(id, description, list(requests), **kw))


def get(path: Any, **kw: Any) -> Req:
    return Req("GET", path, **kw)


def post(path: Any, body: Any = NO_BODY, **kw: Any) -> Req:
    return Req("POST", path, json=body, **kw)


def patch(path: Any, body: Any = NO_BODY, **kw: Any) -> Req:
    return Req("PATCH", path, json=body, **kw)


def delete(path: Any, body: Any = NO_BODY, **kw: Any) -> Req:
    return Req("DELETE", path, json=body, **kw)


def raw(method: str, path: str, content: Union[str, bytes], content_type: Optional[str]) -> Req:
    headers = {"content-type": content_type} if content_type else {}
    return Req(method, path, content=content, headers=headers)


def created_id(answers: List[Any], index: int = 0) -> str:
    body = answers[index]
    return quote(body.get("session_id", "<none>") if isinstance(body, dict) else "<none>", safe="")


# =============================================================================================
# GET /sessions
# =============================================================================================
step("list-default", "default page", get("/sessions"))
step("list-trailing-slash", "trailing slash is stripped", get("/sessions/"))
step("list-unknown-param", "unknown query parameters are ignored", get("/sessions?foo=bar&limit=3"))
step("list-all", "every session in one page", get("/sessions?limit=100"))
for t in ("agent", "team", "workflow"):
    step(f"list-type-{t}", f"type={t}", get(f"/sessions?type={t}&limit=50"))
step("list-type-repeated", "repeated scalar parameter: the last value wins", get("/sessions?type=agent&type=team"))
step("list-limit-repeated", "repeated limit: the last value wins", get("/sessions?limit=2&limit=3"))
step("list-component-no-type", "component_id matches agent/team/workflow id", get("/sessions?component_id=planner"))
step("list-component-blog", "component_id of a workflow", get("/sessions?component_id=blog-wf"))
step("list-component-team", "component_id with type=team", get("/sessions?component_id=research-team&type=team"))
step("list-component-wrong-type", "component_id with a non-matching type", get("/sessions?component_id=planner&type=team"))
step("list-component-workflow", "component_id with type=workflow", get("/sessions?component_id=blog-wf&type=workflow"))
step("list-component-unknown", "unknown component_id", get("/sessions?component_id=nope"))
step("list-component-empty", "empty component_id", get("/sessions?component_id="))
step("list-user-1", "user_id filter", get("/sessions?user_id=user-1"))
step("list-user-2-workflow", "user_id and type", get("/sessions?user_id=user-2&type=workflow"))
step("list-user-empty", "user_id='' matches only ''", get("/sessions?user_id="))
step("list-user-unknown", "unknown user", get("/sessions?user_id=nobody"))
step("list-user-case", "user_id is exact (case-sensitive)", get("/sessions?user_id=USER-1"))
step("list-combined", "all filters together", get("/sessions?type=agent&component_id=planner&user_id=user-1&session_name=trip"))
for label, value in [
    ("substring", "trip"),
    ("case", "TRIP"),
    ("percent", "%25"),
    ("underscore", "_"),
    ("literal-percent", "100%25"),
    ("underscore-inside", "done_ok"),
    ("empty", ""),
    ("unicode", quote("café")),
    ("unicode-upper", quote("CAFÉ")),
    ("unicode-raw", "Caf%C3%A9%20r%C3%A9sum%C3%A9"),
    ("space", "Filler%200"),
    ("plus-is-space", "Filler+0"),
    ("quote", "o'brien"),
    ("derived-not-matched", "weather"),
    ("no-match", "zzz"),
]:
    step(f"list-name-{label}", f"session_name={value}", get(f"/sessions?session_name={value}&limit=50"))
for value in ("1", "5", "24", "25", "1000000"):
    step(f"list-limit-{value}", f"limit={value}", get(f"/sessions?limit={value}"))
for page, limit in [(1, 5), (2, 5), (5, 5), (6, 5), (100, 20), (3, 10), (2, 1000000)]:
    step(f"list-page-{page}-limit-{limit}", "page edges", get(f"/sessions?page={page}&limit={limit}"))
step("list-page-2-type-team", "pagination with a filter", get("/sessions?type=team&limit=2&page=2"))
step("list-page-beyond-empty-filter", "no rows at all: total_pages 0", get("/sessions?user_id=nobody&page=3"))

SORT_KEYS = {
    "session_id": "session_id",
    "session_type": "session_type",
    "agent_id": "agent_id",
    "team_id": "team_id",
    "workflow_id": "workflow_id",
    "user_id": "user_id",
    "session_data": "session_data",
    "agent_data": "agent_data",
    "team_data": "team_data",
    "workflow_data": "workflow_data",
    "metadata": "metadata",
    "summary": "summary",
    "created_at": "created_at",
    "updated_at": "COALESCE(updated_at, created_at)",
    "runs": "runs",  # the legacy 2.x column, present in the contract database (see conftest)
}
for column, expr in SORT_KEYS.items():
    for order in ("asc", "desc"):
        step(
            f"list-sort-{column}-{order}",
            f"sort_by={column} sort_order={order}",
            get(f"/sessions?sort_by={column}&sort_order={order}&limit=100"),
            ties=expr,
        )
step("list-sort-default-asc", "sort_order=asc with the default sort_by", get("/sessions?sort_order=asc&limit=7"))
step("list-sort-created-paged", "sorted pages", get("/sessions?sort_by=created_at&sort_order=asc&limit=4&page=3"))
step("list-sort-updated-paged", "sorted by COALESCE(updated_at, created_at), paged", get("/sessions?sort_by=updated_at&limit=4&page=1"))
step("list-sort-unknown", "unknown sort_by: no ORDER BY, never an error", get("/sessions?sort_by=bogus&limit=100"), ties="*")
step("list-sort-empty", "empty sort_by", get("/sessions?sort_by=&limit=100"), ties="*")
step("list-sort-injection", "sort_by is not SQL", get("/sessions?sort_by=created_at%3B%20DROP%20TABLE%20x&limit=100"), ties="*")
# Names of the SQLAlchemy column collection's own attributes, not columns.
SORT_BY_ATTRIBUTES = ("compare", "keys", "items", "get", "__class__", "values", "index", "c", "__init__")
for name in SORT_BY_ATTRIBUTES:
    step(f"list-sort-attribute-{name.strip('_')}", f"sort_by={name}: not a column", get(f"/sessions?sort_by={name}&limit=100"),
         ties="*")
step("list-sort-order-desc", "explicit desc", get("/sessions?sort_order=desc&limit=3"))

# 422s of the list endpoint
for label, query in [
    ("type-bogus", "type=bogus"),
    ("type-upper", "type=AGENT"),
    ("type-empty", "type="),
    ("limit-zero", "limit=0"),
    ("limit-negative", "limit=-1"),
    ("limit-abc", "limit=abc"),
    ("limit-empty", "limit="),
    ("limit-float", "limit=1.5"),
    ("page-negative", "page=-1"),
    ("page-abc", "page=abc"),
    ("page-empty", "page="),
    ("sort-order-upper", "sort_order=ASC"),
    ("sort-order-empty", "sort_order="),
    ("sort-order-bogus", "sort_order=up"),
    ("two-errors", "limit=0&page=-1"),
    ("three-errors", "sort_order=ASC&type=bogus&limit=x"),
    ("error-before-db", "limit=0&db_id=nope"),
]:
    step(f"list-422-{label}", f"invalid {query}", get(f"/sessions?{query}"))
# integer / enum parsing corner cases (pydantic's lax str -> int rules)
for label, query in [
    ("limit-leading-zero", "limit=05"),
    ("limit-plus", "limit=%2B5"),
    ("limit-spaces", "limit=%205%20"),
    ("limit-underscore", "limit=1_0"),
    ("limit-float-zero", "limit=5.0"),
    ("limit-exponent", "limit=1e1"),
    ("limit-hex", "limit=0x10"),
    ("limit-unicode-digit", "limit=%D9%A5"),
    ("page-minus-zero", "page=-0"),
    ("type-trailing-space", "type=agent%20"),
    ("name-invalid-utf8", "session_name=%E9"),
    ("name-null-byte", "session_name=a%00b"),
]:
    step(f"list-parse-{label}", f"parsing {query}", get(f"/sessions?{query}"))
step("detail-unicode-unknown", "404 text with a non-ASCII id", get("/sessions/%C3%BC-nope"))
step("list-parse-user-null-byte", "NUL byte in user_id", get("/sessions?user_id=a%00b"))
step("detail-null-byte-id", "NUL byte in the session id", get("/sessions/a%00b"))
step("runs-null-byte-user", "NUL byte in user_id of runs", get(f"/sessions/{S.AGENT_FULL}/runs?user_id=a%00b"))
step("runs-parse-after-plus", "created_after=+5", get(f"/sessions/{S.AGENT_FULL}/runs?created_after=%2B5"))
step("runs-parse-after-float-zero", "created_after=5.0", get(f"/sessions/{S.AGENT_FULL}/runs?created_after=5.0"))
step("delete-parse-media-spaces", "delete_media with spaces", delete(f"/sessions/{S.WF_EMPTY}?delete_media=%20false%20"))
step("list-page-zero", "page=0 passes validation (AgentOS: 500)", get("/sessions?page=0"))
step("list-limit-beyond-bigint", "limit beyond bigint (AgentOS: 500)", get("/sessions?limit=99999999999999999999999"))
step("list-limit-max-bigint", "limit = max bigint", get("/sessions?limit=9223372036854775807"))
step("list-page-huge", "offset beyond int4 (AgentOS: ?)", get("/sessions?page=99999999999"))
step("list-page-beyond-bigint", "page beyond bigint", get("/sessions?page=99999999999999999999999"))
step("list-offset-beyond-bigint", "OFFSET (page-1)*limit beyond bigint", get("/sessions?page=3&limit=9223372036854775807"))
for label, value in [("trailing-dot", "5."), ("dot-zero", "5.0"), ("dot-zeros", "5.00"), ("fs-padded", "%1C5"),
                     ("us-padded", "5%1F"), ("tab-padded", "%095%0A"), ("nbsp-padded", "%C2%A05"),
                     ("underscore", "1_0"), ("plus", "%2B5"), ("digits-4300", "1" * 4300), ("digits-4301", "1" * 4301),
                     ("minus-4300", "-" + "1" * 4300), ("zeros-then-4301", "0" + "1" * 4301), ("dot-one", "5.1")]:
    step(f"list-int-{label}", f"limit={value[:12]}: pydantic's int rules", get(f"/sessions?limit={value}"))
    step(f"runs-int-{label}", f"created_after={value[:12]}", get(f"/sessions/{S.AGENT_FULL}/runs?created_after={value}"))
step("runs-after-beyond-bigint", "created_after beyond bigint (filtered in Python by AgentOS)", get(f"/sessions/{S.AGENT_FULL}/runs?created_after=99999999999999999999999"))
step("runs-before-beyond-bigint", "created_before beyond bigint", get(f"/sessions/{S.AGENT_FULL}/run-previews?created_before=99999999999999999999999"))

# =============================================================================================
# GET /sessions/{id}
# =============================================================================================
for sid in [
    S.AGENT_FULL, S.AGENT_SDK, S.AGENT_DERIVED, S.AGENT_PRETTY, S.AGENT_JSONNULL, S.AGENT_SQLNULL,
    S.AGENT_UNICODE, S.AGENT_WILDCARD, S.AGENT_EPOCH0, S.TEAM_FULL, S.TEAM_PRETTY, S.TEAM_NAMED,
    S.WF_FULL, S.WF_OBJ, S.WF_EMPTY, S.WF_NOINPUT, S.FILLERS[0], S.FILLERS[1], S.FILLERS[2],
]:
    step(f"detail-{sid}", f"detail of {sid}", get(f"/sessions/{sid}"))
step("detail-trailing-slash", "trailing slash", get(f"/sessions/{S.AGENT_FULL}/"))
for sid, t in [
    (S.AGENT_FULL, "agent"), (S.AGENT_FULL, "team"), (S.AGENT_FULL, "workflow"),
    (S.TEAM_FULL, "team"), (S.TEAM_FULL, "agent"), (S.TEAM_FULL, "workflow"),
    (S.WF_FULL, "workflow"), (S.WF_FULL, "agent"), (S.WF_FULL, "team"),
    (S.AGENT_SDK, "team"), (S.AGENT_JSONNULL, "workflow"),
]:
    step(f"detail-{sid}-as-{t}", "type renders the row as that type (no SQL filter)", get(f"/sessions/{sid}?type={t}"))
step("detail-unknown", "404", get("/sessions/nope"))
for t in ("agent", "team", "workflow"):
    step(f"detail-unknown-as-{t}", "404 names the type", get(f"/sessions/nope?type={t}"))
step("detail-user-match", "user_id filter matches", get(f"/sessions/{S.AGENT_FULL}?user_id=user-1"))
step("detail-user-mismatch", "user_id filter does not match", get(f"/sessions/{S.AGENT_FULL}?user_id=user-2"))
step("detail-user-mismatch-typed", "user_id mismatch with type", get(f"/sessions/{S.TEAM_FULL}?user_id=user-2&type=team"))
step("detail-user-empty", "user_id='' matches ''", get(f"/sessions/{S.AGENT_UNICODE}?user_id="))
# Several trailing slashes are all stripped; an encoded slash is decoded before routing (uvicorn).
for label, path in [
    ("list-two-slashes", "/sessions//"), ("list-three-slashes", "/sessions///"),
    ("runs-two-slashes", f"/sessions/{S.AGENT_FULL}/runs//"), ("detail-two-slashes", f"/sessions/{S.AGENT_FULL}//"),
    ("list-encoded-slash-end", "/sessions%2F"), ("detail-encoded-after-sessions", f"/sessions%2F{S.AGENT_FULL}"),
    ("detail-encoded-lowercase", f"/sessions%2f{S.AGENT_FULL}"), ("detail-encoded-trailing", f"/sessions/{S.AGENT_FULL}%2F"),
    ("runs-encoded", f"/sessions/{S.AGENT_FULL}%2Fruns"), ("detail-unknown-encoded", "/sessions%2Fnope"),
    ("detail-encoded-in-id-runs", "/sessions/a%2Fb/runs"), ("health-two-slashes", "/health//"),
    ("middle-double-slash", f"/sessions//{S.AGENT_FULL}"),
]:
    step(f"path-{label}", "paths as uvicorn and AgentOS's trailing-slash middleware see them", get(path))
step("detail-encoded-slash", "an encoded slash matches no route", get("/sessions/a%2Fb"))
step("detail-encoded-id", "percent-encoded id is decoded", get("/sessions/ag%2Dfull"))
step("detail-422-type", "invalid type", get(f"/sessions/{S.AGENT_FULL}?type=Agent"))
step("detail-422-type-unknown-session", "validation before lookup", get("/sessions/nope?type=x"))

# =============================================================================================
# GET /sessions/{id}/runs and /run-previews
# =============================================================================================
RUN_SESSIONS = [
    S.AGENT_FULL, S.AGENT_SDK, S.AGENT_DERIVED, S.AGENT_PRETTY, S.AGENT_JSONNULL, S.AGENT_SQLNULL,
    S.TEAM_FULL, S.TEAM_PRETTY, S.TEAM_NAMED, S.WF_FULL, S.WF_OBJ, S.WF_EMPTY, S.WF_NOINPUT,
]
for kind in ("runs", "run-previews"):
    for sid in RUN_SESSIONS:
        step(f"{kind}-{sid}", f"{kind} of {sid}", get(f"/sessions/{sid}/{kind}"))
    for sid, t in [
        (S.AGENT_FULL, "team"), (S.AGENT_FULL, "workflow"), (S.TEAM_FULL, "agent"), (S.TEAM_FULL, "workflow"),
        (S.WF_FULL, "agent"), (S.WF_FULL, "team"), (S.WF_OBJ, "team"), (S.AGENT_SDK, "agent"),
    ]:
        step(f"{kind}-{sid}-as-{t}", "classification by the given type", get(f"/sessions/{sid}/{kind}?type={t}"))
    base = f"/sessions/{S.AGENT_FULL}/{kind}"
    t1 = S.T0 + 100 + 20  # created_at of run-af-2
    for label, query in [
        ("after-inclusive", f"created_after={t1}"),
        ("before-inclusive", f"created_before={t1}"),
        ("window", f"created_after={t1}&created_before={t1 + 10}"),
        ("empty-window", f"created_after={t1 + 1}&created_before={t1 + 2}"),
        ("after-negative", "created_after=-5"),
        ("status-one", "status=completed"),
        ("status-many", "status=COMPLETED&status=error&status=Paused"),
        ("status-cancelled", "status=CANCELLED"),
        ("status-none-match", "status=RUNNING"),
        ("status-and-window", f"status=error&status=completed&created_after={t1}"),
        ("user-match", "user_id=user-1"),
        ("type-and-user", "type=agent&user_id=user-1"),
    ]:
        step(f"{kind}-filter-{label}", query, get(f"{base}?{query}"))
    step(f"{kind}-status-team", "status on member runs", get(f"/sessions/{S.TEAM_FULL}/{kind}?status=error"))
    step(f"{kind}-status-running", "status RUNNING", get(f"/sessions/{S.TEAM_PRETTY}/{kind}?status=running"))
    for label, query in [
        ("status-bogus", "status=done"),
        ("status-empty", "status="),
        ("status-mixed", "status=completed&status=zzz&status=bogus"),
        ("status-before-404", "status=done&db_id=nope"),
    ]:
        step(f"{kind}-400-{label}", f"invalid {query}", get(f"{base}?{query}"))
    step(f"{kind}-400-status-unknown-session", "status checked before the session lookup", get(f"/sessions/nope/{kind}?status=done"))
    for label, query in [
        ("after-abc", "created_after=abc"),
        ("before-float", "created_before=1.5"),
        ("after-empty", "created_after="),
        ("type-bogus", "type=bogus"),
        ("two-errors", "created_after=x&created_before=y"),
    ]:
        step(f"{kind}-422-{label}", f"invalid {query}", get(f"{base}?{query}"))
    step(f"{kind}-unknown-session", "404", get(f"/sessions/nope/{kind}"))
    step(f"{kind}-user-mismatch", "404 for another user", get(f"{base}?user_id=user-2"))
    step(f"{kind}-trailing-slash", "trailing slash", get(f"{base}/"))

# =============================================================================================
# GET /sessions/{id}/runs/{run_id}
# =============================================================================================
for sid, rid in [
    (S.AGENT_FULL, "run-af-1"), (S.AGENT_FULL, "run-af-2"), (S.AGENT_FULL, "run-af-3"), (S.AGENT_FULL, "run-af-4"),
    (S.AGENT_SDK, "run-sdk-1"), (S.AGENT_SDK, "run-sdk-2"), (S.AGENT_PRETTY, "run-pr-1"), (S.AGENT_SQLNULL, "run-sn-1"),
    (S.TEAM_FULL, "run-tf-1"), (S.TEAM_FULL, "run-tf-m1"), (S.TEAM_FULL, "run-tf-m2"), (S.TEAM_PRETTY, "run-tp-1"),
    (S.WF_FULL, "run-wf-1"), (S.WF_FULL, "run-wf-step-1"), (S.WF_OBJ, "run-wo-1"), (S.WF_NOINPUT, "run-wn-1"),
]:
    step(f"run-{sid}-{rid}", f"single run {rid}", get(f"/sessions/{sid}/runs/{rid}"))
step("run-type-param", "type does not change the schema", get(f"/sessions/{S.TEAM_FULL}/runs/run-tf-1?type=agent"))
step("run-type-param-wf", "type on a workflow run", get(f"/sessions/{S.WF_FULL}/runs/run-wf-1?type=team"))
step("run-user-match", "user filter", get(f"/sessions/{S.AGENT_FULL}/runs/run-af-1?user_id=user-1"))
step("run-user-mismatch", "user filter 404", get(f"/sessions/{S.AGENT_FULL}/runs/run-af-1?user_id=user-2"))
step("run-other-session", "run of another session", get(f"/sessions/{S.AGENT_FULL}/runs/run-tf-1"))
step("run-unknown", "unknown run", get(f"/sessions/{S.AGENT_FULL}/runs/nope"))
step("run-no-runs", "session without runs", get(f"/sessions/{S.AGENT_JSONNULL}/runs/nope"))
step("run-unknown-session", "unknown session", get("/sessions/nope/runs/nope"))
step("run-trailing-slash", "trailing slash", get(f"/sessions/{S.AGENT_FULL}/runs/run-af-1/"))
step("run-422-type", "invalid type", get(f"/sessions/{S.AGENT_FULL}/runs/run-af-1?type=AGENT"))

# =============================================================================================
# db_id / table on every endpoint
# =============================================================================================
DB_VARIANTS = [
    ("dbid-ok", "db_id=contract-db"),
    ("dbid-unknown", "db_id=nope"),
    ("dbid-empty", "db_id="),
    ("table-without-dbid", "table=agno_sessions"),
    ("table-ok", "db_id=contract-db&table=agno_sessions"),
    ("table-memories", "db_id=contract-db&table=agno_memories"),
    ("table-runs", "db_id=contract-db&table=agno_runs"),
    ("table-unknown", "db_id=contract-db&table=nope"),
    ("table-unknown-dbid", "db_id=nope&table=agno_sessions"),
    ("table-empty", "db_id=contract-db&table="),
]
DB_ENDPOINTS = [
    ("list", lambda q: get(f"/sessions?limit=3&{q}")),
    ("detail", lambda q: get(f"/sessions/{S.AGENT_FULL}?{q}")),
    ("runs", lambda q: get(f"/sessions/{S.TEAM_FULL}/runs?{q}")),
    ("previews", lambda q: get(f"/sessions/{S.TEAM_FULL}/run-previews?{q}")),
    ("run", lambda q: get(f"/sessions/{S.AGENT_FULL}/runs/run-af-2?{q}")),
    ("delete", lambda q: delete(f"/sessions/{S.TEAM_NAMED}?{q}")),
    ("delete-many", lambda q: delete(f"/sessions?{q}", {"session_ids": [S.TEAM_NAMED], "session_types": ["team"]})),
    ("rename", lambda q: post(f"/sessions/{S.TEAM_NAMED}/rename?{q}", {"session_name": "Renamed"})),
    ("patch", lambda q: patch(f"/sessions/{S.TEAM_NAMED}?{q}", {"session_state": {"x": 1}})),
    ("create", lambda q: post(f"/sessions?{q}", {"session_id": "db-new"})),
]
for endpoint, make in DB_ENDPOINTS:
    for label, query in DB_VARIANTS:
        req = make(query)
        reads = [get(f"/sessions/{S.TEAM_NAMED}")] if req.method != "GET" else []
        step(f"db-{endpoint}-{label}", f"{endpoint} with {query}", req, *reads)

# =============================================================================================
# POST /sessions
# =============================================================================================
step(
    "create-agent-full",
    "create an agent session with every field, then read it back",
    post("/sessions", {
        "session_id": "new-a", "session_name": "Trip", "session_state": {"city": "Lisbon", "n": [1, 2]},
        "metadata": {"source": "web", "b": 1, "a": 2}, "user_id": "user-9", "agent_id": "planner",
        "team_id": "ignored", "workflow_id": "ignored",
    }),
    get("/sessions/new-a"),
    get("/sessions?user_id=user-9"),
    get("/sessions/new-a/runs"),
    get("/sessions/new-a/run-previews"),
    get("/sessions/new-a/runs/x"),
)
step(
    "create-team",
    "create a team session (other ids ignored)",
    post("/sessions?type=team", {"session_id": "new-t", "user_id": "user-9", "team_id": "t-9", "agent_id": "x", "workflow_id": "y"}),
    get("/sessions/new-t"),
    get("/sessions?type=team&user_id=user-9"),
)
step(
    "create-workflow",
    "create a workflow session, then rename it",
    post("/sessions?type=workflow", {"session_id": "new-w", "workflow_id": "wf-9", "session_state": {"a": [1, 2]}}),
    get("/sessions/new-w"),
    post("/sessions/new-w/rename", {"session_name": "WF renamed"}),
    get("/sessions/new-w"),
    get("/sessions?session_name=renamed"),
)
step("create-workflow-bare", "workflow session without data", post("/sessions?type=workflow", {"session_id": "new-w2"}), get("/sessions/new-w2"))
step("create-workflow-named", "workflow with a name", post("/sessions?type=workflow", {"session_id": "new-w3", "session_name": "W"}), get("/sessions/new-w3"))
step("create-no-body", "no body: generated id", post("/sessions"), get(lambda a: f"/sessions/{created_id(a)}"), get("/sessions?limit=2"))
step("create-empty-object", "{} body", post("/sessions", {}), get(lambda a: f"/sessions/{created_id(a)}"))
step("create-empty-json-body", "empty body with content-type json", raw("POST", "/sessions", "", "application/json"))
step("create-empty-id", "'' id: generated", post("/sessions", {"session_id": ""}), get(lambda a: f"/sessions/{created_id(a)}"))
step("create-null-id", "null id with a name", post("/sessions", {"session_id": None, "session_name": "x"}))
step("create-team-generated", "team with generated id", post("/sessions?type=team", {"team_id": "t"}), get(lambda a: f"/sessions/{created_id(a)}"))
step("create-team-state-only", "team with state only", post("/sessions?type=team", {"session_id": "new-ts", "session_state": {"k": 1}}), get("/sessions/new-ts"))
step("create-empty-name", "'' name", post("/sessions", {"session_id": "new-en", "session_name": ""}), get("/sessions?session_name=&user_id=nobody"), get("/sessions/new-en"))
step("create-empty-state", "{} state", post("/sessions", {"session_id": "new-es", "session_state": {}}), get("/sessions/new-es"))
step("create-duplicate", "existing id: 409", post("/sessions", {"session_id": S.AGENT_FULL}))
step("create-duplicate-other-type", "existing id as another type: 409", post("/sessions?type=team", {"session_id": S.AGENT_FULL}))
step("create-duplicate-workflow", "existing workflow id: 409", post("/sessions?type=workflow", {"session_id": S.WF_FULL, "session_name": "x"}))
step(
    "create-reserved-metadata",
    "reserved metadata keys are stripped",
    post("/sessions", {"session_id": "new-rm", "metadata": {
        "agno_component_version": "1", "agno_dispatch_chain": ["a"], "agno_dispatch_depth": 2, "_agno": {"x": 1}, "keep": True}}),
    get("/sessions/new-rm"),
)
step("create-only-reserved-metadata", "only reserved keys: metadata null", post("/sessions", {"session_id": "new-rm2", "metadata": {"agno_dispatch_depth": 1}}), get("/sessions/new-rm2"))
step("create-empty-metadata", "{} metadata", post("/sessions", {"session_id": "new-em", "metadata": {}}), get("/sessions/new-em"))
step("create-unknown-fields", "unknown fields are ignored", post("/sessions", {"session_id": "new-u", "bogus": 1, "runs": [{"run_id": "r"}], "summary": {"summary": "s"}}), get("/sessions/new-u/runs"))
step("create-unicode", "non-ASCII id and name", post("/sessions", {"session_id": "new-ü", "session_name": "Ünïcode ✓ 🙂"}), get("/sessions/" + quote("new-ü")), get("/sessions?session_name=" + quote("ünï")))
step("create-null-bytes", "null bytes are stripped", post("/sessions", {"session_id": "new-nb", "session_name": "a\u0000b", "session_state": {"k": "x\u0000y"}}), get("/sessions/new-nb"))
step("create-slash-id", "an id with a slash can be created but not read", post("/sessions", {"session_id": "a/b"}), get("/sessions/a%2Fb"), get("/sessions?limit=1"))
step("create-sdk-agent-data", "agent created then listed (no agent_data)", post("/sessions", {"session_id": "new-sdk", "agent_id": "claude-agent"}), get("/sessions?component_id=claude-agent"))
step("create-type-repeated", "repeated type: last wins", post("/sessions?type=agent&type=team", {"session_id": "new-rt"}), get("/sessions/new-rt"))
step("create-table-ignored", "table is not a parameter of create", post("/sessions?table=nope", {"session_id": "new-ti"}))
step("create-no-content-type", "a JSON body without content-type is NOT parsed as JSON (AgentOS: 422, input = raw text)", raw("POST", "/sessions", '{"session_id":"new-nc","session_name":"NC"}', None), get("/sessions/new-nc"))
step("create-body-not-utf8", "a body that is not UTF-8: FastAPI's 400", raw("POST", "/sessions", b'{"session_name": "\xff"}', "application/json"))
step("patch-body-not-utf8", "PATCH with a body that is not UTF-8", raw("PATCH", f"/sessions/{S.AGENT_FULL}", b'{"session_name": "\xfe\xff"}', "application/json"))
step("create-body-too-deep", "nested past every parser's bound: FastAPI's 400", raw("POST", "/sessions", b"[" * 100_000 + b"]" * 100_000, "application/json"))
step("create-nul-in-unused-id", "a NUL in an id the type does not use is ignored, as agno ignores the field",
     post("/sessions", {"session_id": "new-nul-unused", "team_id": "t\u0000x", "workflow_id": "w\u0000"}), get("/sessions/new-nul-unused"))
step("create-team-nul-in-agent-id", "team create with a NUL in agent_id",
     post("/sessions?type=team", {"session_id": "new-nul-team", "agent_id": "a\u0000", "team_id": "team-1"}))
step("create-json-charset", "application/json; charset=utf-8", raw("POST", "/sessions", '{"session_id":"new-cs"}', "application/json; charset=utf-8"))
step("create-json-suffix", "application/merge-patch+json is JSON", raw("POST", "/sessions", '{"session_id":"new-mp"}', "application/merge-patch+json"))
step("create-then-list-order", "a new session comes first in the default list", post("/sessions", {"session_id": "new-first"}), get("/sessions?limit=2"))
step("create-trailing-slash", "POST /sessions/", post("/sessions/", {"session_id": "new-ts2"}))
for label, req in [
    ("type-bogus", post("/sessions?type=bogus", {})),
    ("type-empty", post("/sessions?type=", {})),
    ("type-title", post("/sessions?type=Agent", {})),
    ("body-null", post("/sessions", None)),
    ("body-list", post("/sessions", [1])),
    ("body-string", post("/sessions", "str")),
    ("body-number", post("/sessions", 5)),
    ("body-true", post("/sessions", True)),
    ("json-invalid", raw("POST", "/sessions", "{bad", "application/json")),
    ("json-invalid-value", raw("POST", "/sessions", '{"a":}', "application/json")),
    ("json-truncated", raw("POST", "/sessions", '{"session_id": "x"', "application/json")),
    ("json-trailing", raw("POST", "/sessions", '{"session_id": "x"} x', "application/json")),
    ("json-single-quotes", raw("POST", "/sessions", "{'a': 1}", "application/json")),
    ("text-plain", raw("POST", "/sessions", "hello", "text/plain")),
    ("text-plain-json", raw("POST", "/sessions", '{"session_id":"x"}', "text/plain")),
    ("form", raw("POST", "/sessions", "session_id=x", "application/x-www-form-urlencoded")),
    ("state-string", post("/sessions", {"session_state": "notadict"})),
    ("state-list", post("/sessions", {"session_state": [1]})),
    ("name-int", post("/sessions", {"session_name": 5})),
    ("id-int", post("/sessions", {"session_id": 5})),
    ("user-bool", post("/sessions", {"user_id": True})),
    ("metadata-string", post("/sessions", {"metadata": "x"})),
    ("agent-id-list", post("/sessions", {"agent_id": []})),
    ("many-errors", post("/sessions", {"session_state": 1, "metadata": 2, "session_name": [], "user_id": {}})),
    ("type-and-body", post("/sessions?type=x", [1])),
]:
    step(f"create-422-{label}", f"invalid create: {label}", req)

# =============================================================================================
# POST /sessions/{id}/rename
# =============================================================================================
step("rename-agent", "rename, then read", post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": "Lisbon trip"}),
     get(f"/sessions/{S.AGENT_FULL}"), get("/sessions?session_name=lisbon"))
step("rename-typed", "with the matching type", post(f"/sessions/{S.AGENT_FULL}/rename?type=agent", {"session_name": "x"}))
step("rename-wrong-type", "type filters in SQL: 404", post(f"/sessions/{S.AGENT_FULL}/rename?type=team", {"session_name": "x"}))
step("rename-team", "team rename", post(f"/sessions/{S.TEAM_FULL}/rename", {"session_name": "Team renamed"}), get(f"/sessions/{S.TEAM_FULL}/runs"))
step("rename-team-named", "team with state", post(f"/sessions/{S.TEAM_NAMED}/rename?type=team", {"session_name": "T2"}))
step("rename-workflow", "workflow rename", post(f"/sessions/{S.WF_FULL}/rename", {"session_name": "WF renamed"}))
step("rename-workflow-empty", "workflow with {} session_data", post(f"/sessions/{S.WF_EMPTY}/rename", {"session_name": "Blog 2"}))
step("rename-derived", "session whose name was derived", post(f"/sessions/{S.AGENT_DERIVED}/rename", {"session_name": "Weather"}), get("/sessions?user_id=user-2&type=agent"))
step("rename-sqlnull", "SQL NULL session_data: 200, rename lost", post(f"/sessions/{S.AGENT_SQLNULL}/rename", {"session_name": "lost"}), get(f"/sessions/{S.AGENT_SQLNULL}"))
step("rename-jsonnull", "JSON null session_data (AgentOS: 500)", post(f"/sessions/{S.AGENT_JSONNULL}/rename", {"session_name": "fixed"}))
step("rename-jsonnull-team", "team with JSON null session_data (AgentOS: 500)", post(f"/sessions/{S.TEAM_PRETTY}/rename", {"session_name": "fixed"}))
step("rename-empty-name", "'' is allowed", post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": ""}), get(f"/sessions/{S.AGENT_FULL}"))
step("rename-unicode", "non-ASCII", post(f"/sessions/{S.AGENT_WILDCARD}/rename", {"session_name": "Olá ✓ 🙂"}), get("/sessions?session_name=" + quote("olá")))
step("rename-null-byte", "null bytes are removed", post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": "a\u0000b"}))
step("rename-extra-fields", "extra fields ignored", post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": "x", "other": 1}))
step("rename-unknown", "404", post("/sessions/nope/rename", {"session_name": "x"}))
step("rename-user-match", "user filter", post(f"/sessions/{S.AGENT_FULL}/rename?user_id=user-1", {"session_name": "x"}))
step("rename-user-mismatch", "user filter 404", post(f"/sessions/{S.AGENT_FULL}/rename?user_id=user-2", {"session_name": "x"}))
step("rename-trailing-slash", "trailing slash", post(f"/sessions/{S.AGENT_FULL}/rename/", {"session_name": "slash"}))
step("rename-no-content-type", "no content-type: the body is not JSON (AgentOS: 422 missing)", raw("POST", f"/sessions/{S.AGENT_FULL}/rename", '{"session_name":"nc"}', None))
for label, req in [
    ("no-body", post(f"/sessions/{S.AGENT_FULL}/rename")),
    ("empty-object", post(f"/sessions/{S.AGENT_FULL}/rename", {})),
    ("null-name", post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": None})),
    ("int-name", post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": 5})),
    ("list-name", post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": ["a"]})),
    ("bare-string", post(f"/sessions/{S.AGENT_FULL}/rename", "x")),
    ("body-null", post(f"/sessions/{S.AGENT_FULL}/rename", None)),
    ("body-list", post(f"/sessions/{S.AGENT_FULL}/rename", ["x"])),
    ("form", raw("POST", f"/sessions/{S.AGENT_FULL}/rename", "session_name=x", "application/x-www-form-urlencoded")),
    ("json-invalid", raw("POST", f"/sessions/{S.AGENT_FULL}/rename", '{"session_name": ', "application/json")),
    ("type-bogus", post(f"/sessions/{S.AGENT_FULL}/rename?type=bogus", {"session_name": "x"})),
    ("type-and-body", post(f"/sessions/{S.AGENT_FULL}/rename?type=bogus", {})),
    ("unknown-session-bad-body", post("/sessions/nope/rename", {})),
]:
    step(f"rename-422-{label}", f"invalid rename: {label}", req)

# =============================================================================================
# PATCH /sessions/{id}
# =============================================================================================
step("patch-empty", "{} bumps updated_at only", patch(f"/sessions/{S.AGENT_FULL}", {}), get(f"/sessions/{S.AGENT_FULL}"))
step("patch-name", "session_name", patch(f"/sessions/{S.AGENT_FULL}", {"session_name": "Lisbon trip"}), get("/sessions?session_name=lisbon"))
step("patch-state", "session_state replaces", patch(f"/sessions/{S.AGENT_FULL}", {"session_state": {"city": "Porto"}}))
step("patch-metadata", "metadata replaces", patch(f"/sessions/{S.AGENT_FULL}", {"metadata": {"new": 1}}))
step("patch-metadata-reserved", "reserved metadata stripped", patch(f"/sessions/{S.AGENT_FULL}", {"metadata": {"agno_dispatch_depth": 3, "keep": "x"}}))
step("patch-metadata-only-reserved", "only reserved keys: metadata null", patch(f"/sessions/{S.AGENT_FULL}", {"metadata": {"agno_component_version": "2"}}), get(f"/sessions/{S.AGENT_FULL}"))
step("patch-summary", "summary with topics", patch(f"/sessions/{S.AGENT_FULL}", {"summary": {"summary": "Planning", "topics": ["travel"]}}))
step("patch-summary-updated-at", "summary updated_at normalised", patch(f"/sessions/{S.AGENT_FULL}", {"summary": {"summary": "S", "updated_at": "2025-10-21T14:30:00Z"}}), get(f"/sessions/{S.AGENT_FULL}"))
step("patch-summary-naive", "summary updated_at without zone", patch(f"/sessions/{S.TEAM_FULL}", {"summary": {"summary": "S", "updated_at": "2025-10-21T14:30:00"}}))
step("patch-all", "every field", patch(f"/sessions/{S.AGENT_SDK}", {"session_name": "All", "session_state": {"z": 1}, "metadata": {"m": 2}, "summary": {"summary": "sum", "topics": []}}), get(f"/sessions/{S.AGENT_SDK}"))
step("patch-nulls", "explicit nulls change nothing", patch(f"/sessions/{S.AGENT_FULL}", {"session_name": None, "session_state": None, "metadata": None, "summary": None}))
step("patch-jsonnull-name", "name on JSON-null session_data", patch(f"/sessions/{S.AGENT_JSONNULL}", {"session_name": "Now named"}), get(f"/sessions/{S.AGENT_JSONNULL}"), post(f"/sessions/{S.AGENT_JSONNULL}/rename", {"session_name": "renamable"}))
step("patch-jsonnull-empty", "{} on a JSON-null session", patch(f"/sessions/{S.AGENT_JSONNULL}", {}))
step("patch-sqlnull", "state on SQL NULL session_data", patch(f"/sessions/{S.AGENT_SQLNULL}", {"session_state": {"a": 1}}), get(f"/sessions/{S.AGENT_SQLNULL}"))
step("patch-team", "team session", patch(f"/sessions/{S.TEAM_FULL}", {"session_name": "Team X", "metadata": {"t": 1}}), get(f"/sessions/{S.TEAM_FULL}"))
step("patch-workflow", "workflow session", patch(f"/sessions/{S.WF_FULL}", {"session_state": {"drafts": 2}, "session_name": "WF"}), get(f"/sessions/{S.WF_FULL}"))
step("patch-workflow-empty", "workflow {} patch", patch(f"/sessions/{S.WF_EMPTY}", {}))
step("patch-as-team", "wrong type writes type columns, keeps session_type", patch(f"/sessions/{S.AGENT_FULL}?type=team", {"session_name": "as team"}), get(f"/sessions/{S.AGENT_FULL}"))
step("patch-workflow-as-agent", "workflow row patched as agent: the answer names it from the runs the agent object kept",
     patch(f"/sessions/{S.WF_FULL}?type=agent", {"session_state": {"k": 1}}), get(f"/sessions/{S.WF_FULL}/runs"))
step("patch-as-workflow-with-summary", "agent row with a summary patched as workflow: agno's workflow save clears it",
     patch(f"/sessions/{S.AGENT_FULL}?type=workflow", {"session_name": "wf"}), get(f"/sessions/{S.AGENT_FULL}"))
step("patch-as-workflow-team", "team row with a summary patched as workflow",
     patch(f"/sessions/{S.TEAM_FULL}?type=workflow", {"summary": {"summary": "ignored"}}), get(f"/sessions/{S.TEAM_FULL}"))
step("patch-as-workflow", "agent row patched as workflow", patch(f"/sessions/{S.AGENT_DERIVED}?type=workflow", {}), get(f"/sessions/{S.AGENT_DERIVED}"))
step("patch-user-match", "user filter", patch(f"/sessions/{S.AGENT_FULL}?user_id=user-1", {"session_name": "u"}))
step("patch-user-mismatch", "user filter 404", patch(f"/sessions/{S.AGENT_FULL}?user_id=user-2", {"session_name": "u"}))
step("patch-unknown", "404", patch("/sessions/nope", {"session_name": "x"}))
step("patch-unknown-fields", "unknown fields ignored", patch(f"/sessions/{S.AGENT_FULL}", {"bogus": 1, "user_id": "user-2"}))
step("patch-unicode", "non-ASCII state", patch(f"/sessions/{S.AGENT_FULL}", {"session_state": {"é": "ü ✓"}}))
step("patch-trailing-slash", "trailing slash", patch(f"/sessions/{S.AGENT_FULL}/", {"session_name": "slash"}))
step("patch-summary-unknown-key", "summary with an unknown key (AgentOS: 500)", patch(f"/sessions/{S.AGENT_FULL}", {"summary": {"summary": "x", "bogus": 1}}))
step("patch-summary-missing-summary", "summary without 'summary' (AgentOS: 500)", patch(f"/sessions/{S.AGENT_FULL}", {"summary": {"topics": ["x"]}}))
for label, req in [
    ("no-body", patch(f"/sessions/{S.AGENT_FULL}")),
    ("empty-json-body", raw("PATCH", f"/sessions/{S.AGENT_FULL}", "", "application/json")),
    ("body-null", patch(f"/sessions/{S.AGENT_FULL}", None)),
    ("body-list", patch(f"/sessions/{S.AGENT_FULL}", [1])),
    ("state-string", patch(f"/sessions/{S.AGENT_FULL}", {"session_state": "x"})),
    ("metadata-list", patch(f"/sessions/{S.AGENT_FULL}", {"metadata": [1]})),
    ("summary-string", patch(f"/sessions/{S.AGENT_FULL}", {"summary": "x"})),
    ("name-int", patch(f"/sessions/{S.AGENT_FULL}", {"session_name": 1})),
    ("json-invalid", raw("PATCH", f"/sessions/{S.AGENT_FULL}", "{", "application/json")),
    ("text-plain", raw("PATCH", f"/sessions/{S.AGENT_FULL}", "x", "text/plain")),
    ("type-bogus", patch(f"/sessions/{S.AGENT_FULL}?type=bogus", {})),
    ("unknown-session-bad-body", patch("/sessions/nope", {"session_state": 1})),
]:
    step(f"patch-422-{label}", f"invalid patch: {label}", req)

# =============================================================================================
# DELETE /sessions/{id}
# =============================================================================================
step("delete-agent", "delete, runs go too", delete(f"/sessions/{S.AGENT_FULL}"), get(f"/sessions/{S.AGENT_FULL}"), get(f"/sessions/{S.AGENT_FULL}/runs"), get("/sessions?limit=100"))
step("delete-team", "team with member runs", delete(f"/sessions/{S.TEAM_FULL}"), get(f"/sessions/{S.TEAM_FULL}/runs"))
step("delete-workflow", "workflow with step runs", delete(f"/sessions/{S.WF_FULL}"))
step("delete-unknown", "unknown id: 204", delete("/sessions/nope"))
step("delete-user-match", "user filter", delete(f"/sessions/{S.AGENT_FULL}?user_id=user-1"), get(f"/sessions/{S.AGENT_FULL}"))
step("delete-user-mismatch", "user mismatch: 204, nothing deleted", delete(f"/sessions/{S.AGENT_FULL}?user_id=user-2"), get(f"/sessions/{S.AGENT_FULL}"))
step("delete-twice", "second delete is 204 too", delete(f"/sessions/{S.WF_OBJ}"), delete(f"/sessions/{S.WF_OBJ}"))
step("delete-with-body", "a body is ignored", delete(f"/sessions/{S.WF_EMPTY}", {"x": 1}))
step("delete-trailing-slash", "trailing slash", delete(f"/sessions/{S.WF_EMPTY}/"))
for value in ("false", "0", "no", "off", "False", "n", "f"):
    step(f"delete-media-{value}", f"delete_media={value}", delete(f"/sessions/{S.WF_EMPTY}?delete_media={value}"))
for value in ("true", "1", "yes", "on", "TRUE", "y", "t"):
    step(f"delete-media-{value}", "no media storage: 503", delete(f"/sessions/{S.WF_EMPTY}?delete_media={value}"))
for label, query in [("maybe", "delete_media=maybe"), ("empty", "delete_media="), ("two", "delete_media=2")]:
    step(f"delete-422-media-{label}", f"invalid {query}", delete(f"/sessions/{S.WF_EMPTY}?{query}"))
# GET /sessions/{id}/media/{storage_key:path} without media storage: parameters checked, then 503.
for label, path in [
    ("plain", f"/sessions/{S.AGENT_FULL}/media/img-1.png"),
    ("nested-key", f"/sessions/{S.AGENT_FULL}/media/a/b/c.png"),
    ("unknown-session", "/sessions/nope/media/k"),
    ("key-trailing-slash", f"/sessions/{S.AGENT_FULL}/media/k/"),
    ("no-key", f"/sessions/{S.AGENT_FULL}/media/"),
    ("no-key-no-slash", f"/sessions/{S.AGENT_FULL}/media"),
    ("type-team", f"/sessions/{S.AGENT_FULL}/media/k?type=team&user_id=u&db_id=nope&table=t"),
    ("redirect-true", f"/sessions/{S.AGENT_FULL}/media/k?redirect=true"),
    ("bad-type", f"/sessions/{S.AGENT_FULL}/media/k?type=robot"),
    ("bad-redirect", f"/sessions/{S.AGENT_FULL}/media/k?redirect=maybe"),
    ("bad-both", f"/sessions/{S.AGENT_FULL}/media/k?redirect=2&type=x"),
]:
    step(f"media-{label}", "media route without media storage", get(path))
step("media-post", "media route: method not allowed", Req("POST", f"/sessions/{S.AGENT_FULL}/media/k"))
step("delete-media-unknown-db", "db resolution before the media check", delete(f"/sessions/{S.WF_EMPTY}?delete_media=true&db_id=nope"))
step("delete-media-table-no-db", "table without db_id before the media check", delete(f"/sessions/{S.WF_EMPTY}?delete_media=true&table=x"))

# =============================================================================================
# DELETE /sessions
# =============================================================================================
step("delete-many", "several ids",
     delete("/sessions", {"session_ids": [S.AGENT_FULL, S.TEAM_FULL, S.WF_FULL], "session_types": ["agent", "team", "workflow"]}),
     get("/sessions?limit=100"))
step("delete-many-types-ignored", "types do not have to match", delete("/sessions", {"session_ids": [S.AGENT_SDK], "session_types": ["workflow"]}), get(f"/sessions/{S.AGENT_SDK}"))
step("delete-many-unknown", "unknown ids: 204", delete("/sessions", {"session_ids": ["nope", S.WF_OBJ], "session_types": ["agent", "workflow"]}))
step("delete-many-duplicates", "duplicate ids", delete("/sessions", {"session_ids": [S.WF_OBJ, S.WF_OBJ], "session_types": ["workflow", "workflow"]}))
step("delete-many-user", "user scoping", delete("/sessions?user_id=user-2", {"session_ids": [S.AGENT_FULL, S.AGENT_SDK], "session_types": ["agent", "agent"]}), get("/sessions?type=agent&limit=50"))
step("delete-many-422-query-before-body", "422 entries: query parameters first, then the body",
     delete("/sessions?delete_media=maybe", {"session_ids": "x", "session_types": ["agent"]}))
step("delete-many-422-query-and-missing", "422 entries: query first, then the missing fields",
     delete("/sessions?delete_media=2", {}))
step("delete-many-trailing-slash", "trailing slash", delete("/sessions/", {"session_ids": [S.WF_OBJ], "session_types": ["workflow"]}))
step("delete-many-extra-fields", "extra fields ignored", delete("/sessions", {"session_ids": [S.WF_OBJ], "session_types": ["workflow"], "x": 1}))
step("delete-many-400-lengths", "length mismatch", delete("/sessions", {"session_ids": ["a", "b"], "session_types": ["agent"]}))
step("delete-many-400-before-db", "length check before db resolution", delete("/sessions?db_id=nope", {"session_ids": ["a", "b"], "session_types": ["agent"]}))
step("delete-many-media-true", "no media storage: 503", delete("/sessions?delete_media=true", {"session_ids": [S.WF_OBJ], "session_types": ["workflow"]}))
step("delete-many-media-after-400", "length check before the media check", delete("/sessions?delete_media=true", {"session_ids": ["a"], "session_types": []}))
for label, req in [
    ("no-body", delete("/sessions")),
    ("empty-object", delete("/sessions", {})),
    ("empty-lists", delete("/sessions", {"session_ids": [], "session_types": []})),
    ("one-empty-list", delete("/sessions", {"session_ids": ["a"], "session_types": []})),
    ("bad-type", delete("/sessions", {"session_ids": ["a"], "session_types": ["bogus"]})),
    ("bad-type-second", delete("/sessions", {"session_ids": ["a", "b"], "session_types": ["agent", "AGENT"]})),
    ("ids-string", delete("/sessions", {"session_ids": "a", "session_types": ["agent"]})),
    ("ids-ints", delete("/sessions", {"session_ids": [1], "session_types": ["agent"]})),
    ("types-null", delete("/sessions", {"session_ids": ["a"], "session_types": None})),
    ("body-list", delete("/sessions", ["a"])),
    ("body-null", delete("/sessions", None)),
    ("json-invalid", raw("DELETE", "/sessions", "[", "application/json")),
    ("media-maybe", delete("/sessions?delete_media=maybe", {"session_ids": ["a"], "session_types": ["agent"]})),
]:
    step(f"delete-many-422-{label}", f"invalid bulk delete: {label}", req)

# =============================================================================================
# routing: unknown paths, wrong methods
# =============================================================================================
for label, path in [
    ("sub-path", f"/sessions/{S.AGENT_FULL}/nope"),
    ("deep", f"/sessions/{S.AGENT_FULL}/runs/run-af-1/extra"),
    ("prefix", "/sessionsx"),
    ("double-slash", "/sessions//runs"),
]:
    step(f"route-404-{label}", f"unknown path {path}", get(path))
for label, method, path in [
    ("put-list", "PUT", "/sessions"),
    ("patch-list", "PATCH", "/sessions"),
    ("put-detail", "PUT", f"/sessions/{S.AGENT_FULL}"),
    ("post-detail", "POST", f"/sessions/{S.AGENT_FULL}"),
    ("post-runs", "POST", f"/sessions/{S.AGENT_FULL}/runs"),
    ("delete-runs", "DELETE", f"/sessions/{S.AGENT_FULL}/runs"),
    ("delete-previews", "DELETE", f"/sessions/{S.AGENT_FULL}/run-previews"),
    ("delete-run", "DELETE", f"/sessions/{S.AGENT_FULL}/runs/run-af-1"),
    ("get-rename", "GET", f"/sessions/{S.AGENT_FULL}/rename"),
    ("head-list", "HEAD", "/sessions"),
    ("head-detail", "HEAD", f"/sessions/{S.AGENT_FULL}"),
    ("options-list", "OPTIONS", "/sessions"),
]:
    step(f"route-405-{label}", f"{method} {path}", Req(method, path))

# =============================================================================================
# stored states the writer does not produce (setup SQL; restored after the step)
# =============================================================================================
LEGACY_RUNS = json.dumps([
    {"run_id": "legacy-1", "agent_id": "planner", "status": "COMPLETED", "content": "old", "created_at": S.T0 + 301,
     "messages": [{"id": "m-leg-1", "role": "user", "content": "legacy hello", "created_at": S.T0 + 301}]},
    {"run_id": "run-dv-1", "agent_id": "planner", "content": "stale copy", "created_at": S.T0 + 305},
])
step(
    "legacy-runs-merge",
    "2.x legacy runs column merged with agno_runs",
    get(f"/sessions/{S.AGENT_DERIVED}"),
    get(f"/sessions/{S.AGENT_DERIVED}/runs"),
    get(f"/sessions/{S.AGENT_DERIVED}/run-previews"),
    get(f"/sessions/{S.AGENT_DERIVED}/runs/legacy-1"),
    get("/sessions?user_id=user-2&type=agent"),
    setup_sql=[f"UPDATE ai.agno_sessions SET runs = '{LEGACY_RUNS}' WHERE session_id = '{S.AGENT_DERIVED}'"],
)
step(
    "legacy-runs-only",
    "a session whose runs live only in the legacy column",
    get(f"/sessions/{S.AGENT_JSONNULL}"),
    get(f"/sessions/{S.AGENT_JSONNULL}/runs"),
    get(f"/sessions/{S.AGENT_JSONNULL}/runs/legacy-1"),
    setup_sql=[f"UPDATE ai.agno_sessions SET runs = '{LEGACY_RUNS}' WHERE session_id = '{S.AGENT_JSONNULL}'"],
)

def _runs_of(session_id: str, transform: str = "run_data", order: str = "run_index") -> str:
    """SQL for a session's agno_runs rows as one JSONB array (a legacy column's content)."""
    return (f"(SELECT jsonb_agg({transform} ORDER BY {order}) FROM ai.agno_runs"
            f" WHERE session_id = '{session_id}')")


def _legacy(session_id: str, value: str) -> str:
    return f"UPDATE ai.agno_sessions SET runs = {value} WHERE session_id = '{session_id}'"


step(
    "legacy-runs-of-another-session",
    "a legacy column holding four real agent runs beside the session's own table run",
    get(f"/sessions/{S.AGENT_PRETTY}"),
    get(f"/sessions/{S.AGENT_PRETTY}/runs"),
    get(f"/sessions/{S.AGENT_PRETTY}/run-previews?status=COMPLETED"),
    get(f"/sessions/{S.AGENT_PRETTY}/runs/run-af-2"),
    get("/sessions?user_id=user-1&type=agent&limit=50"),
    setup_sql=[_legacy(S.AGENT_PRETTY, _runs_of(S.AGENT_FULL))],
)
step(
    "legacy-runs-table-wins",
    "legacy copies of the table's runs (reversed, edited) and one legacy-only run: legacy order, table versions",
    get(f"/sessions/{S.AGENT_FULL}"),
    get(f"/sessions/{S.AGENT_FULL}/runs"),
    get(f"/sessions/{S.AGENT_FULL}/run-previews"),
    get(f"/sessions/{S.AGENT_FULL}/runs/run-sdk-1"),
    setup_sql=[_legacy(S.AGENT_FULL, _runs_of(S.AGENT_FULL, "jsonb_set(run_data, '{content}', '\"legacy copy\"')",
                                              "run_index DESC") + " || " + _runs_of(S.AGENT_SDK))],
)
step(
    "legacy-runs-rename-patch",
    "rename and PATCH answers carry the merged runs",
    post(f"/sessions/{S.AGENT_FULL}/rename", {"session_name": "Renamed legacy"}),
    patch(f"/sessions/{S.AGENT_FULL}", {"session_state": {"legacy": True}}),
    setup_sql=[_legacy(S.AGENT_FULL, _runs_of(S.AGENT_SDK))],
)
step(
    "legacy-runs-json-string",
    "a legacy column holding the array as a JSON string",
    get(f"/sessions/{S.AGENT_DERIVED}"),
    get(f"/sessions/{S.AGENT_DERIVED}/runs"),
    get("/sessions?user_id=user-2&type=agent&limit=50"),
    setup_sql=[_legacy(S.AGENT_DERIVED, f"to_jsonb({_runs_of(S.AGENT_SDK)}::text)")],
)
step(
    "legacy-runs-unparsable",
    "a legacy column holding a string that is not JSON: ignored",
    get(f"/sessions/{S.AGENT_FULL}"),
    get(f"/sessions/{S.AGENT_FULL}/runs"),
    get("/sessions?user_id=user-1&limit=50"),
    setup_sql=[_legacy(S.AGENT_FULL, "'\"not json\"'")],
)
step(
    "legacy-runs-odd-entries",
    "legacy entries that are no runs (a number, a string, an object without run_id) are skipped",
    get(f"/sessions/{S.AGENT_DERIVED}"),
    get(f"/sessions/{S.AGENT_DERIVED}/runs"),
    get("/sessions?user_id=user-2&type=agent&limit=50"),
    setup_sql=[_legacy(S.AGENT_DERIVED, "'[1, \"x\", {\"content\": \"no id\"}]'::jsonb || " + _runs_of(S.AGENT_SDK))],
)
step(
    "legacy-runs-object",
    "a legacy column holding an object: only the table's runs",
    get(f"/sessions/{S.AGENT_FULL}/runs"),
    setup_sql=[_legacy(S.AGENT_FULL, "'{\"run_id\": \"x\"}'")],
)
step(
    "legacy-runs-team",
    "a team session whose runs (team run and member runs) live only in the legacy column",
    get(f"/sessions/{S.TEAM_NAMED}"),
    get(f"/sessions/{S.TEAM_NAMED}/runs"),
    get(f"/sessions/{S.TEAM_NAMED}/run-previews"),
    get(f"/sessions/{S.TEAM_NAMED}/runs/run-tf-1"),
    get("/sessions?type=team&limit=50"),
    setup_sql=[_legacy(S.TEAM_NAMED, _runs_of(S.TEAM_FULL))],
)
step(
    "legacy-runs-workflow",
    "a workflow session whose run lives only in the legacy column",
    get(f"/sessions/{S.WF_EMPTY}"),
    get(f"/sessions/{S.WF_EMPTY}/runs"),
    get(f"/sessions/{S.WF_EMPTY}/run-previews"),
    get("/sessions?type=workflow&limit=50"),
    setup_sql=[_legacy(S.WF_EMPTY, _runs_of(S.WF_FULL))],
)
step(
    "legacy-runs-delete",
    "deleting a session with a legacy column removes it whole",
    delete(f"/sessions/{S.AGENT_PRETTY}"),
    get(f"/sessions/{S.AGENT_PRETTY}"),
    setup_sql=[_legacy(S.AGENT_PRETTY, _runs_of(S.AGENT_FULL))],
)
step(
    "stored-session-name-int",
    "non-string stored session_name (AgentOS: 500 ValidationError)",
    get(f"/sessions/{S.AGENT_WILDCARD}"),
    setup_sql=[f"""UPDATE ai.agno_sessions SET session_data = '{{"session_name": 5}}' WHERE session_id = '{S.AGENT_WILDCARD}'"""],
)
step(
    "stored-session-name-int-list",
    "non-string stored session_name in the list (AgentOS: 500 ValidationError)",
    get("/sessions?limit=100"),
    setup_sql=[f"""UPDATE ai.agno_sessions SET session_data = '{{"session_name": 5}}' WHERE session_id = '{S.AGENT_WILDCARD}'"""],
)
step(
    "stored-session-name-empty",
    "stored '' name is kept, not derived",
    get(f"/sessions/{S.AGENT_DERIVED}"),
    get("/sessions?user_id=user-2&type=agent"),
    setup_sql=[f"""UPDATE ai.agno_sessions SET session_data = '{{"session_name": ""}}' WHERE session_id = '{S.AGENT_DERIVED}'"""],
)
step(
    "stored-content-list",
    "list content in a run (AgentOS: 500 ValidationError)",
    get(f"/sessions/{S.AGENT_PRETTY}/runs"),
    setup_sql=["""UPDATE ai.agno_runs SET run_data = jsonb_set(run_data, '{content}', '[1, 2]') WHERE run_id = 'run-pr-1'"""],
)
step(
    "stored-no-created-at",
    "runs without created_at are kept by the time filters",
    get(f"/sessions/{S.AGENT_PRETTY}/runs?created_after=1&created_before=2"),
    get(f"/sessions/{S.AGENT_PRETTY}/runs/run-pr-1"),
    setup_sql=["UPDATE ai.agno_runs SET run_data = run_data - 'created_at' WHERE run_id = 'run-pr-1'"],
)
step(
    "stored-no-status",
    "a run without status is dropped by a status filter",
    get(f"/sessions/{S.AGENT_PRETTY}/runs"),
    get(f"/sessions/{S.AGENT_PRETTY}/runs?status=pending"),
    get(f"/sessions/{S.AGENT_PRETTY}/run-previews"),
    setup_sql=["UPDATE ai.agno_runs SET run_data = run_data - 'status' WHERE run_id = 'run-pr-1'"],
)
step(
    "stored-long-content",
    "previews truncate to 280 code points",
    get(f"/sessions/{S.AGENT_PRETTY}/run-previews"),
    setup_sql=[
        "UPDATE ai.agno_runs SET run_data = jsonb_set(jsonb_set(run_data, '{content}', to_jsonb(repeat('é', 300))),"
        " '{input,input_content}', to_jsonb(repeat('ü✓', 200))) WHERE run_id = 'run-pr-1'"
    ],
)
step(
    "stored-summary-unknown-key",
    "stored summary with an unknown key (AgentOS: 500)",
    get(f"/sessions/{S.AGENT_FULL}"),
    setup_sql=[f"""UPDATE ai.agno_sessions SET summary = '{{"summary": "x", "bogus": 1}}' WHERE session_id = '{S.AGENT_FULL}'"""],
)
step(
    "stored-empty-session-type",
    "session_type '' is detected from the ids",
    get(f"/sessions/{S.TEAM_NAMED}"),
    get(f"/sessions/{S.TEAM_NAMED}/runs"),
    get("/sessions?component_id=support-team"),
    setup_sql=[f"UPDATE ai.agno_sessions SET session_type = '' WHERE session_id = '{S.TEAM_NAMED}'"],
)
step(
    "stored-float-epoch",
    "run created_at as a float epoch",
    get(f"/sessions/{S.AGENT_PRETTY}/runs"),
    setup_sql=[f"UPDATE ai.agno_runs SET run_data = jsonb_set(run_data, '{{created_at}}', '{S.T0 + 405}.5') WHERE run_id = 'run-pr-1'"],
)
step(
    "stored-sdk-framework",
    "agent_data.framework used when sdk is absent",
    get(f"/sessions/{S.AGENT_SDK}"),
    get(f"/sessions/{S.AGENT_SDK}/runs"),
    get("/sessions?component_id=claude-agent"),
    setup_sql=[f"""UPDATE ai.agno_sessions SET agent_data = '{{"framework": "langgraph"}}', metadata = NULL WHERE session_id = '{S.AGENT_SDK}'"""],
)

# =============================================================================================
# large limit / page values (user reports of AgentOS 500s); the seeded data is always there
# =============================================================================================
for label, query in [
    ("limit-2p31-minus-1", f"limit={2**31 - 1}"),
    ("limit-2p31", f"limit={2**31}"),
    ("limit-2p32", f"limit={2**32}"),
    ("limit-2p53-plus-1", f"limit={2**53 + 1}"),
    ("limit-2p31-page-2", f"limit={2**31}&page=2"),
    ("limit-2p63-minus-1-page-2", f"limit={2**63 - 1}&page=2"),
    ("limit-1000000-filtered-sorted", "limit=1000000&type=agent&sort_by=created_at&sort_order=asc"),
    ("limit-1000000-name-filter", "limit=1000000&session_name=e&user_id=user-1"),
    ("limit-2p31-filtered", f"limit={2**31}&type=team&sort_by=updated_at&sort_order=asc"),
    ("limit-2p63-minus-1-filtered", f"limit={2**63 - 1}&type=workflow&component_id=blog-wf"),
    ("limit-1000000-page-near-max", "limit=1000000&page=9223372036854"),
    ("page-2p31", f"page={2**31}"),
    ("page-2p63-minus-1-limit-1", f"page={2**63 - 1}&limit=1"),
    ("page-2p63-limit-1", f"page={2**63}&limit=1"),
    # AgentOS 500s (known differences)
    ("limit-2p63", f"limit={2**63}"),
    ("limit-2p64", f"limit={2**64}"),
    ("limit-2p63-filtered", f"limit={2**63}&type=agent&user_id=user-1"),
    ("page-2p63-minus-1-limit-2", f"page={2**63 - 1}&limit=2"),
]:
    step(f"list-big-{label}", f"large values: {query}", get(f"/sessions?{query}"))

# =============================================================================================
# sessions without runs, on every read endpoint (and rename / patch)
# =============================================================================================
NO_RUN_SESSIONS = [
    (S.AGENT_JSONNULL, "agent"), (S.AGENT_UNICODE, "agent"), (S.AGENT_EPOCH0, "agent"), (S.AGENT_WILDCARD, "agent"),
    (S.TEAM_NAMED, "team"), (S.WF_EMPTY, "workflow"),
    (S.FILLERS[0], "agent"), (S.FILLERS[1], "team"), (S.FILLERS[2], "workflow"),
]
for sid, t in NO_RUN_SESSIONS:
    other = {"agent": "team", "team": "workflow", "workflow": "agent"}[t]
    step(f"norun-{sid}-detail-typed", f"detail of run-less {sid} as {t} and as {other}",
         get(f"/sessions/{sid}?type={t}"), get(f"/sessions/{sid}?type={other}"))
    step(f"norun-{sid}-runs", f"runs of run-less {sid}", get(f"/sessions/{sid}/runs"),
         get(f"/sessions/{sid}/runs?type={t}"), get(f"/sessions/{sid}/runs?type={other}&status=completed"))
    step(f"norun-{sid}-previews", f"run-previews of run-less {sid}", get(f"/sessions/{sid}/run-previews"),
         get(f"/sessions/{sid}/run-previews?type={other}&created_after=1"))
    step(f"norun-{sid}-run", f"single run of run-less {sid}", get(f"/sessions/{sid}/runs/nope"),
         get(f"/sessions/{sid}/runs/run-af-1?type={t}"))
for sid, t in NO_RUN_SESSIONS:
    if sid == S.AGENT_JSONNULL:
        continue  # rename-jsonnull: AgentOS 500 (known difference)
    step(f"norun-{sid}-rename", f"rename run-less {sid}", post(f"/sessions/{sid}/rename?type={t}", {"session_name": "No runs"}),
         get(f"/sessions/{sid}/runs"))
for sid, t in NO_RUN_SESSIONS:
    step(f"norun-{sid}-patch", f"patch run-less {sid}",
         patch(f"/sessions/{sid}?type={t}", {"session_state": {"n": 0}, "metadata": {"m": 1}, "summary": {"summary": "none"}}),
         get(f"/sessions/{sid}/run-previews"))
step("norun-list-user-1", "list pages made of run-less sessions", get("/sessions?user_id=user-1&type=agent&limit=50"),
     get("/sessions?user_id=user-2&limit=50&sort_by=session_id&sort_order=asc"))

# sessions whose runs were all deleted: names that were derived from runs fall back
NO_RUN_SQL = [
    "DELETE FROM ai.agno_runs WHERE session_id IN "
    f"('{S.AGENT_FULL}', '{S.AGENT_DERIVED}', '{S.AGENT_PRETTY}', '{S.AGENT_SQLNULL}', '{S.TEAM_FULL}', "
    f"'{S.TEAM_PRETTY}', '{S.WF_FULL}', '{S.WF_OBJ}', '{S.WF_NOINPUT}')"
]
for sid in (S.AGENT_FULL, S.AGENT_DERIVED, S.AGENT_PRETTY, S.AGENT_SQLNULL, S.TEAM_FULL, S.TEAM_PRETTY, S.WF_FULL,
            S.WF_OBJ, S.WF_NOINPUT):
    step(f"runs-deleted-{sid}-reads", f"{sid} after its runs were deleted: every read endpoint",
         get(f"/sessions/{sid}"), get(f"/sessions/{sid}/runs"), get(f"/sessions/{sid}/run-previews"),
         get(f"/sessions/{sid}/runs/nope"), setup_sql=NO_RUN_SQL)
for sid in (S.AGENT_DERIVED, S.AGENT_SQLNULL, S.TEAM_FULL, S.WF_FULL, S.WF_NOINPUT):
    step(f"runs-deleted-{sid}-write", f"{sid} after its runs were deleted: rename, patch",
         post(f"/sessions/{sid}/rename", {"session_name": "Renamed"}),
         patch(f"/sessions/{sid}", {"session_state": {"s": 1}}), get(f"/sessions/{sid}"), setup_sql=NO_RUN_SQL)
step("runs-deleted-list", "list after runs were deleted (derived names fall back)", get("/sessions?limit=100"),
     get("/sessions?session_name=weather"), get("/sessions?type=team&limit=100"), setup_sql=NO_RUN_SQL)
step("runs-deleted-everything", "no run rows at all", get("/sessions?limit=100"), get(f"/sessions/{S.TEAM_FULL}/runs/run-tf-1"),
     setup_sql=["DELETE FROM ai.agno_runs"])
for t in ("team", "workflow"):
    step(
        f"norun-created-{t}",
        f"a {t} session created through the API: every endpoint before it has runs",
        post(f"/sessions?type={t}", {"session_id": f"new-nr-{t}", "user_id": "user-9"}),
        get(f"/sessions/new-nr-{t}"),
        get(f"/sessions/new-nr-{t}/runs"),
        get(f"/sessions/new-nr-{t}/run-previews"),
        get(f"/sessions/new-nr-{t}/runs/x"),
        get("/sessions?user_id=user-9"),
        patch(f"/sessions/new-nr-{t}", {"session_state": {"k": 1}}),
        post(f"/sessions/new-nr-{t}/rename", {"session_name": "named later"}),
        get(f"/sessions/new-nr-{t}?type={t}"),
    )
step("norun-created-agent-patch-first", "an agent session created bare, patched, then renamed",
     post("/sessions", {"session_id": "new-nr-agent"}), patch("/sessions/new-nr-agent", {"session_state": {"k": 1}}),
     post("/sessions/new-nr-agent/rename", {"session_name": "n"}), get("/sessions/new-nr-agent/runs"))
step("norun-legacy-empty-array", "legacy runs column '[]' on a run-less session", get(f"/sessions/{S.AGENT_EPOCH0}"),
     get(f"/sessions/{S.AGENT_EPOCH0}/runs"), get(f"/sessions/{S.AGENT_EPOCH0}/runs/x"),
     setup_sql=[f"UPDATE ai.agno_sessions SET runs = '[]' WHERE session_id = '{S.AGENT_EPOCH0}'"])
step("norun-legacy-json-null", "legacy runs column JSON null on a run-less session", get(f"/sessions/{S.TEAM_NAMED}"),
     get(f"/sessions/{S.TEAM_NAMED}/run-previews"),
     setup_sql=[f"UPDATE ai.agno_sessions SET runs = 'null' WHERE session_id = '{S.TEAM_NAMED}'"])

# =============================================================================================
# runs whose stored input is a plain string instead of {"input_content": ...}
# (workflow runs store a plain string natively, see run-wf-1; their step agent runs do not)
# =============================================================================================


def plain_input_sql(run_id: str, value: str) -> str:
    return (
        f"UPDATE ai.agno_runs SET run_data = jsonb_set(run_data, '{{input}}', to_jsonb({_sql_literal(value)}::text)) "
        f"WHERE run_id = '{run_id}'"
    )


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


PLAIN_INPUT_CASES = [
    # (label, session, run, session type, the string)
    ("agent-nomsg", S.AGENT_PRETTY, "run-pr-1", "agent", "plain string é"),
    ("agent-msgs", S.AGENT_DERIVED, "run-dv-1", "agent", "What is the weather?"),
    ("agent-named", S.AGENT_FULL, "run-af-1", "agent", "Plan a trip to Lisbon"),
    ("team-nomsg", S.TEAM_PRETTY, "run-tp-1", "team", "Research X"),
    ("team-run", S.TEAM_FULL, "run-tf-1", "team", "Research quantum computing"),
    ("team-member", S.TEAM_FULL, "run-tf-m1", "team", "search quantum"),
    ("wf-step", S.WF_FULL, "run-wf-step-1", "workflow", "write about X"),
]
for label, sid, rid, t, value in PLAIN_INPUT_CASES:
    sql = [plain_input_sql(rid, value)]
    prefix = f"input-str-{label}"
    step(f"{prefix}-list", f"{rid} input is a plain string: list", get("/sessions?limit=100"),
         get(f"/sessions?type={t}&session_name={quote(value[:5])}"), setup_sql=sql)
    step(f"{prefix}-detail", f"{rid} input is a plain string: detail", get(f"/sessions/{sid}"), setup_sql=sql)
    step(f"{prefix}-detail-typed", f"{rid} input is a plain string: detail with type", get(f"/sessions/{sid}?type={t}"), setup_sql=sql)
    step(f"{prefix}-runs", f"{rid} input is a plain string: runs", get(f"/sessions/{sid}/runs"),
         get(f"/sessions/{sid}/runs?status=completed&status=running&status=pending"), setup_sql=sql)
    step(f"{prefix}-previews", f"{rid} input is a plain string: run-previews", get(f"/sessions/{sid}/run-previews"), setup_sql=sql)
    step(f"{prefix}-run", f"{rid} input is a plain string: the run", get(f"/sessions/{sid}/runs/{rid}"), setup_sql=sql)
    step(f"{prefix}-rename", f"{rid} input is a plain string: rename", post(f"/sessions/{sid}/rename", {"session_name": "Renamed"}), setup_sql=sql)
    step(f"{prefix}-patch", f"{rid} input is a plain string: patch", patch(f"/sessions/{sid}", {"session_state": {"p": 1}}), setup_sql=sql)
    step(f"{prefix}-patch-empty", f"{rid} input is a plain string: patch {{}}", patch(f"/sessions/{sid}", {}), setup_sql=sql)
# every run of every session at once
step(
    "input-str-everywhere",
    "every {input_content} input replaced by its plain string",
    get("/sessions?limit=100"),
    get(f"/sessions/{S.WF_FULL}/runs"),
    get(f"/sessions/{S.AGENT_FULL}/run-previews"),
    setup_sql=[
        "UPDATE ai.agno_runs SET run_data = jsonb_set(run_data, '{input}', run_data->'input'->'input_content') "
        "WHERE jsonb_typeof(run_data->'input') = 'object' AND run_data->'input' ? 'input_content'"
    ],
)
step(
    "patch-workflow-summary",
    "a summary PATCHed onto a workflow session (WorkflowSession has no summary: agno does not store it)",
    patch(f"/sessions/{S.WF_FULL}", {"summary": {"summary": "x", "topics": ["t"]}}),
    get(f"/sessions/{S.WF_FULL}?type=agent"),
    get(f"/sessions/{S.WF_FULL}?type=team"),
)
