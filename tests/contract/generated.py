"""Generated side-by-side steps: requests drawn (seeded, so every run sends the same) from a grammar of every
route, query parameter and body field, with valid and odd values. The hand-written steps catch what we
thought of; these catch combinations nobody wrote down.

Equality is required, as for a scripted step, except where AgentOS answers 5xx: there ours must be a clean
answer instead (a JSON 2xx, or a 4xx with `detail`), the project's policy for AgentOS's bugs.
"""

from __future__ import annotations

import os
import random
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import seed as S
from .steps import NO_BODY, Req, Step, with_headers

# Fixed for CI; AGNO_CONTRACT_SEED / AGNO_CONTRACT_STEPS explore other draws locally.
SEED = int(os.environ.get("AGNO_CONTRACT_SEED", "20261201"))
COUNT = int(os.environ.get("AGNO_CONTRACT_STEPS", "300"))

SESSION_IDS = [S.AGENT_FULL, S.AGENT_SDK, S.AGENT_DERIVED, S.AGENT_PRETTY, S.AGENT_JSONNULL, S.AGENT_SQLNULL,
               S.AGENT_UNICODE, S.AGENT_WILDCARD, S.TEAM_FULL, S.TEAM_PRETTY, S.TEAM_NAMED, S.WF_FULL, S.WF_OBJ,
               S.WF_EMPTY, S.WF_NOINPUT, "nope", "a%20b", "%C3%A9t%C3%A9"]
RUN_IDS = ["run-af-1", "run-af-2", "nope", "run-tf-1"]

# Values per query parameter: valid ones, then odd ones.
QUERY_VALUES: Dict[str, List[str]] = {
    "type": ["agent", "team", "workflow", "", "Agent", "robot", "agent%20"],
    "user_id": [S.USER_1, S.USER_2, "", "nobody", "%25", "%C3%A9"],
    "component_id": ["planner", "research-team", "nope", "", "%25"],
    "session_name": ["trip", "", "%25", "_", "%C3%A9t%C3%A9", "zzz"],
    "limit": ["1", "3", "20", "100", "5.0", "5.", "-1", "abc", "", "1_0", "%2B2"],
    "page": ["1", "2", "3", "9", "-1", "x", "", "2.0"],
    "sort_by": ["created_at", "updated_at", "session_id", "session_type", "user_id", "agent_id", "bogus", ""],
    "sort_order": ["asc", "desc", "ASC", "", "up"],
    "db_id": ["", "nope"],
    "table": ["agno_sessions", "nope", ""],
    "created_after": ["0", "1757088135", "99999999999", "x", "-5", "1.0"],
    "created_before": ["0", "1757088135", "99999999999", "x", "1e3"],
    "status": ["COMPLETED", "running", "ERROR", "bogus", "", "PAUSED"],
    "delete_media": ["false", "true", "0", "maybe", ""],
    "redirect": ["false", "true", "x"],
}

# The query parameters each route declares, plus one it does not (ignored by both).
ROUTES: Dict[str, List[str]] = {
    "list": ["type", "component_id", "user_id", "session_name", "limit", "page", "sort_by", "sort_order", "db_id",
             "table"],
    "detail": ["type", "user_id", "db_id", "table"],
    "runs": ["type", "user_id", "created_after", "created_before", "status", "db_id", "table"],
    "previews": ["type", "user_id", "created_after", "created_before", "status", "db_id", "table"],
    "run": ["type", "user_id", "db_id", "table"],
    "media": ["type", "user_id", "db_id", "table", "redirect"],
    "rename": ["type", "user_id", "db_id", "table"],
    "patch": ["type", "user_id", "db_id", "table"],
    "create": ["type", "db_id"],
    "delete": ["user_id", "db_id", "table", "delete_media"],
    "delete_many": ["user_id", "db_id", "table", "delete_media"],
}

BODY_VALUES: Dict[str, List[Any]] = {
    "session_id": ["gen-new", "", 5, None, "gen new"],
    "session_name": ["Renamed", "", 7, None, "名前"],
    "session_state": [{"k": 1}, {}, [], "x", None, {"nested": {"a": [1, 2]}}],
    "metadata": [{"m": True}, {}, "x", None],
    "user_id": [S.USER_1, "someone", 3, None],
    "agent_id": ["planner", "", None, 1],
    "team_id": ["research-team", None],
    "workflow_id": ["wf-x", None],
    "summary": [{"summary": "s", "topics": ["t"]}, {"summary": "s"}, None],
    "session_ids": [[S.WF_EMPTY], [S.AGENT_PRETTY, "nope"], [], "x", None],
    "session_types": [["workflow"], ["agent", "agent"], ["robot"], [], None],
}
BODY_FIELDS: Dict[str, List[str]] = {
    "create": ["session_id", "session_name", "session_state", "metadata", "user_id", "agent_id", "team_id",
               "workflow_id"],
    "rename": ["session_name"],
    "patch": ["session_name", "session_state", "metadata", "summary"],
    "delete_many": ["session_ids", "session_types"],
}


def _query(rng: random.Random, route: str) -> str:
    names = [name for name in ROUTES[route] if rng.random() < 0.35]
    pairs = [(name, rng.choice(QUERY_VALUES[name])) for name in names]
    if "status" in names and rng.random() < 0.5:
        pairs.append(("status", rng.choice(QUERY_VALUES["status"])))
    if rng.random() < 0.05:
        pairs.append(("unknown_param", "1"))
    rng.shuffle(pairs)
    return ("?" + "&".join(f"{name}={value}" for name, value in pairs)) if pairs else ""


def _body(rng: random.Random, route: str) -> Any:
    roll = rng.random()
    if roll < 0.05:
        return NO_BODY
    if roll < 0.08:
        return rng.choice([[], "text", 5, None])
    fields = [name for name in BODY_FIELDS[route] if rng.random() < 0.6]
    body = {name: rng.choice(BODY_VALUES[name]) for name in fields}
    if route == "create" and "session_id" in body and isinstance(body["session_id"], str) and body["session_id"]:
        body["session_id"] = f"{body['session_id']}-{rng.randrange(10**6)}"
    return body


# Requests whose difference is documented although AgentOS answers 2xx (docs/compatibility.md): a rename
# of a session with SQL-NULL session_data, whose new name AgentOS silently drops.
NOT_DRAWN: Dict[str, List[str]] = {"rename": [S.AGENT_SQLNULL]}


def _request(rng: random.Random, route: str) -> Req:
    session = rng.choice([sid for sid in SESSION_IDS if sid not in NOT_DRAWN.get(route, [])])
    query = _query(rng, route)
    paths: Dict[str, Callable[[], str]] = {
        "list": lambda: "/sessions",
        "detail": lambda: f"/sessions/{session}",
        "runs": lambda: f"/sessions/{session}/runs",
        "previews": lambda: f"/sessions/{session}/run-previews",
        "run": lambda: f"/sessions/{session}/runs/{rng.choice(RUN_IDS)}",
        "media": lambda: f"/sessions/{session}/media/{rng.choice(['k', 'a/b.png'])}",
        "rename": lambda: f"/sessions/{session}/rename",
        "patch": lambda: f"/sessions/{session}",
        "create": lambda: "/sessions",
        "delete": lambda: f"/sessions/{session}",
        "delete_many": lambda: "/sessions",
    }
    methods = {"rename": "POST", "patch": "PATCH", "create": "POST", "delete": "DELETE", "delete_many": "DELETE"}
    method = methods.get(route, "GET")
    body = _body(rng, route) if route in BODY_FIELDS else NO_BODY
    return Req(method, paths[route]() + query, json=body)


Headers = List[Tuple[str, str]]


def generate(seed: int = SEED, count: int = COUNT, credentials: Optional[List[Tuple[str, Headers]]] = None,
             reader: Optional[Headers] = None, prefix: str = "gen") -> List[Step]:
    """``count`` steps; with ``credentials`` each step's request carries one drawn from them (its label ends
    the step id) and the read-back carries ``reader``'s."""
    rng = random.Random(seed)
    steps = []
    for index in range(count):
        route = rng.choice(list(ROUTES))
        requests = [_request(rng, route)]
        if route in ("rename", "patch", "create", "delete", "delete_many") and rng.random() < 0.5:
            # What the write left behind, as a list both sides must agree on; oldest first, so a new
            # session (a random uuid when the body names none) comes last on both.
            requests.append(Req("GET", "/sessions?limit=100&sort_by=created_at&sort_order=asc", json=NO_BODY))
        ties = _ties(requests[0]) if len(requests) == 1 else "created_at"
        step_id = f"{prefix}-{index:03d}-{route}"
        if credentials is not None:
            label, headers = rng.choice(credentials)
            step_id += f"-{label}"
            requests = [with_headers(r, list(headers) if i == 0 else list(reader or [])) for i, r in enumerate(requests)]
        steps.append(Step(step_id, f"generated ({route})", requests, ties=ties))
    return steps



SORT_KEYS = {"created_at": "created_at", "updated_at": "COALESCE(updated_at, created_at)", "session_id": "session_id",
             "session_type": "session_type", "user_id": "user_id", "agent_id": "agent_id"}


def _ties(request: Req) -> Optional[str]:
    """The list's sort key, for items that tie on it (an unknown sort_by: no order at all)."""
    path = str(request.path)
    if not path.startswith("/sessions?") and path != "/sessions" or request.method != "GET":
        return None
    sort_by = next((part[8:] for part in path.split("?", 1)[-1].split("&") if part.startswith("sort_by=")), None)
    if sort_by is None:
        return "created_at"
    return SORT_KEYS.get(sort_by, "*")


GENERATED_STEPS: List[Step] = generate()


def tolerated(agentos_status: int, ours_status: int, ours_detail: Optional[bool], ours_json: bool) -> bool:
    """Where AgentOS fails with a 5xx, a clean answer of ours stands in for equality."""
    return agentos_status >= 500 and ours_json and (ours_status < 400 or (ours_status < 500 and bool(ours_detail)))


def failures(result: Any) -> List[str]:
    """What is wrong with a generated step's result (nothing: an empty list).

    Where AgentOS failed with a 5xx, ours must answer cleanly instead. From there on the two databases may
    differ (AgentOS did not write, we may have), so later requests and the rows are not compared.
    """
    first_spared = next((i for i, (a, b) in enumerate(zip(result.agentos, result.ours))
                         if tolerated(a.status, b.status, isinstance(b.body, dict) and "detail" in b.body, b.is_json)),
                        None)
    if first_spared is not None:
        result.exempt |= set(range(first_spared, len(result.ours)))
        result.db_differences = []
    crashes = [f"request {i}: ours answered {b.short(200)}" for i, b in enumerate(result.ours)
               if b.status >= 500 and b.status != 503]
    return [result.render(), *crashes] if result.failed or crashes else []
