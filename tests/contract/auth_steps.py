"""Auth steps (contract §1.5), run against a second pair of servers started with ``OS_SECURITY_KEY``.

The table is credential variant x route.  Every request is sent through ``http.client``
(``Req.wire_headers``), so header values reach the servers exactly as written here: surrounding
whitespace kept (httpx refuses ``"Bearer  <key> "``), duplicate headers kept, no header at all
when the list is empty.  Whatever HTTP parsing the two servers do on the way in (uvicorn strips
optional whitespace around a header value, so does aiohttp) is therefore part of the comparison.

Step ids: ``auth-<route>-<variant>``.  Steps start from the seeded rows like every other step;
the mutating ones also compare the table dumps (a rejected write must leave the rows untouched).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from . import seed as S
from .steps import NO_BODY, Req, Step, with_headers

#: the key both servers of the auth pair are started with (ASCII: how non-ASCII header bytes are
#: decoded differs between servers and is not what these steps are about)
SECURITY_KEY = "contract-Key_0123456789"
K = SECURITY_KEY

Headers = List[Tuple[str, str]]


def authorization(value: str) -> Headers:
    return [("Authorization", value)]


#: (label, headers): the credential variants of contract §1.5 plus a few neighbours
VARIANTS: List[Tuple[str, Headers]] = [
    ("none", []),
    ("bearer", authorization(f"Bearer {K}")),
    ("bearer-lower", authorization(f"bearer {K}")),
    ("bearer-upper", authorization(f"BEARER {K}")),
    ("bare-key", authorization(K)),
    ("bearer-extra-spaces", authorization(f"Bearer  {K} ")),
    ("leading-space", authorization(f" Bearer {K}")),
    ("basic", authorization(f"Basic {K}")),
    ("bearer-alone", authorization("Bearer")),
    ("bearer-trailing-space", authorization("Bearer ")),
    ("empty-value", authorization("")),
    ("key-extra", authorization(f"{K} extra")),
    ("bearer-tab", authorization(f"Bearer\t{K}")),
    ("bearer-bearer", authorization(f"Bearer Bearer {K}")),
    ("wrong-key", authorization("Bearer wrong-key")),
    ("key-other-case", authorization(f"Bearer {K.upper()}")),
    ("key-prefix", authorization(f"Bearer {K[:-1]}")),
    ("key-longer", authorization(f"Bearer {K}0")),
    ("pat", authorization("Bearer agno_pat_xyz")),
    ("pat-bare", authorization("agno_pat_xyz")),
    ("pat-empty", authorization("Bearer agno_pat_")),
    ("cookie-only", [("Cookie", f"access_token={K}; Authorization=Bearer%20{K}; session={K}")]),
    ("x-api-key-only", [("X-API-Key", K)]),
    ("two-headers-good-first", authorization(f"Bearer {K}") + authorization("Bearer wrong-key")),
    ("two-headers-bad-first", authorization("Bearer wrong-key") + authorization(f"Bearer {K}")),
]
#: a few variants for the routes beyond the core table
SHORT_VARIANTS = ("none", "bearer", "bare-key", "wrong-key")


def _req(method: str, path: str, body: Any = NO_BODY, content: Optional[str] = None,
         content_type: Optional[str] = None) -> Req:
    headers: Dict[str, str] = {"content-type": content_type} if content_type else {}
    return Req(method, path, json=body, content=content, headers=headers)


#: (label, request template, read-back requests, variants): the template's headers are the
#: variant's; read-backs are sent with the right key (they show what a rejected write left)
ROUTES: List[Tuple[str, Req, List[Req], Any]] = [
    # the core table: every variant
    ("list", _req("GET", "/sessions?limit=2"), [], None),
    ("detail", _req("GET", f"/sessions/{S.AGENT_FULL}"), [], None),
    ("create-invalid-body", _req("POST", "/sessions", {"session_state": "x", "session_name": 5}), [], None),
    ("unknown-path", _req("GET", "/nope"), [], None),
    ("health", _req("GET", "/health"), [], None),
    # beyond the core table
    ("list-invalid-query", _req("GET", "/sessions?limit=0&type=bogus"), [], SHORT_VARIANTS),
    ("list-unknown-db", _req("GET", "/sessions?db_id=nope"), [], SHORT_VARIANTS),
    ("list-trailing-slash", _req("GET", "/sessions/"), [], SHORT_VARIANTS),
    ("detail-unknown", _req("GET", "/sessions/nope"), [], SHORT_VARIANTS),
    ("runs", _req("GET", f"/sessions/{S.TEAM_FULL}/runs"), [], SHORT_VARIANTS),
    ("run-previews", _req("GET", f"/sessions/{S.AGENT_FULL}/run-previews"), [], SHORT_VARIANTS),
    ("run", _req("GET", f"/sessions/{S.AGENT_FULL}/runs/run-af-1"), [], SHORT_VARIANTS),
    ("create-malformed-json", _req("POST", "/sessions", content="{bad", content_type="application/json"), [], SHORT_VARIANTS),
    ("create", _req("POST", "/sessions", {"session_id": "auth-new", "session_name": "A"}),
     [_req("GET", "/sessions/auth-new")], SHORT_VARIANTS),
    ("rename", _req("POST", f"/sessions/{S.TEAM_NAMED}/rename", {"session_name": "R"}),
     [_req("GET", f"/sessions/{S.TEAM_NAMED}")], SHORT_VARIANTS),
    ("patch", _req("PATCH", f"/sessions/{S.TEAM_NAMED}", {"session_state": {"x": 1}}),
     [_req("GET", f"/sessions/{S.TEAM_NAMED}")], SHORT_VARIANTS),
    ("delete", _req("DELETE", f"/sessions/{S.WF_EMPTY}"), [_req("GET", f"/sessions/{S.WF_EMPTY}")], SHORT_VARIANTS),
    ("delete-many", _req("DELETE", "/sessions", {"session_ids": [S.WF_EMPTY], "session_types": ["workflow"]}),
     [_req("GET", f"/sessions/{S.WF_EMPTY}")], SHORT_VARIANTS),
    ("delete-many-invalid", _req("DELETE", "/sessions", {"session_ids": ["a", "b"], "session_types": ["agent"]}), [], SHORT_VARIANTS),
    ("method-not-allowed", _req("PUT", "/sessions"), [], SHORT_VARIANTS),
    ("head-list", _req("HEAD", "/sessions"), [], SHORT_VARIANTS),
    ("options-list", _req("OPTIONS", "/sessions"), [], SHORT_VARIANTS),
    ("options-detail", _req("OPTIONS", f"/sessions/{S.AGENT_FULL}"), [], ("none",)),
    ("options-unknown-path", _req("OPTIONS", "/nope"), [], ("none",)),
    ("health-trailing-slash", _req("GET", "/health/"), [], SHORT_VARIANTS),
    ("health-query", _req("GET", "/health?x=1"), [], ("none",)),
    ("health-head", _req("HEAD", "/health"), [], ("none",)),
    ("health-post", _req("POST", "/health"), [], ("none", "bearer")),
]

GOOD = authorization(f"Bearer {K}")


def build() -> List[Step]:
    variants = dict(VARIANTS)
    steps: List[Step] = []
    for route, template, reads, names in ROUTES:
        for name in names or [v for v, _ in VARIANTS]:
            requests = [with_headers(template, variants[name])] + [with_headers(r, GOOD) for r in reads]
            desc = f"{template.method} {template.path} with {name}"
            steps.append(Step(f"auth-{route}-{name}", desc, requests))
    ids = [s.id for s in steps]
    assert len(ids) == len(set(ids)), "duplicate auth step id"
    return steps


AUTH_STEPS: List[Step] = build()
