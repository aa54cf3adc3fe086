"""Which scope each session route needs, and whether a token's scopes grant it (docs/contract.md §1.9).

AgentOS maps "METHOD pattern" to scopes and takes the first pattern that fnmatch-matches the path, so
`*` spans slashes: every GET under /sessions needs sessions:read, PATCH and DELETE under it need write
and delete, and a method with no entry (HEAD, PUT) needs no scope at all.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Final

READ: Final = "sessions:read"
WRITE: Final = "sessions:write"
DELETE: Final = "sessions:delete"

# AgentOS's session entries, in its order (exact keys are looked up first; none of these overlap).
ROUTE_SCOPES: Final = (
    ("GET", "/sessions", READ),
    ("GET", "/sessions/*", READ),
    ("POST", "/sessions", WRITE),
    ("POST", "/sessions/*/rename", WRITE),
    ("PATCH", "/sessions/*", WRITE),
    ("DELETE", "/sessions", DELETE),
    ("DELETE", "/sessions/*", DELETE),
)


def required_scope(method: str, path: str) -> str | None:
    """The scope `method path` needs, None for none (the path as AgentOS routes it: see routes.agentos_path)."""
    for route_method, pattern, scope in ROUTE_SCOPES:
        if route_method == method and fnmatchcase(path, pattern):
            return scope
    return None


def grants(scopes: list[Any], required: str, admin_scope: str) -> bool:
    """Whether `scopes` holds `required` ("resource:action") as AgentOS matches it.

    The admin scope grants all; "sessions:read" and "sessions:<anything-empty-or-*>:read" grant read;
    "sessions:*", "*" and "sessions:<id>:read" do not. A scope that is not a string makes AgentOS's parser
    raise, which it answers as a refusal: so does this.
    """
    resource, action = required.split(":")
    if any(not isinstance(scope, str) for scope in scopes):
        return False
    for scope in scopes:
        if scope == admin_scope:
            return True
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) == 2 and parts == [resource, action]:
            return True
        if len(parts) == 3 and parts[0] == resource and parts[2] == action and parts[1] in ("", "*"):
            return True
    return False
