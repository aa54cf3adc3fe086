"""Who a request acts for, and the owner user isolation limits it to (docs/contract.md §1.10)."""

from __future__ import annotations

from typing import Any, Final

import attrs
from aiohttp import web

from .errors import Forbidden
from .keys import IDENTITY_KEY

MISSING_USER_IDENTITY: Final = "Authenticated request is missing a user identity"
# Subjects AgentOS keeps for its own principals (service accounts, MCP OAuth clients, the scheduler).
RESERVED_PREFIXES: Final = ("sa:", "__oauth__:")
SCHEDULER_SUBJECT: Final = "__scheduler__"


@attrs.frozen(slots=True)
class Identity:
    """The caller a request acts for: a verified token's claims, or the user_id it asserts without auth."""

    user_id: str | None
    # The scope holder sees every user's sessions whatever the isolation setting.
    admin: bool = False
    isolation: bool = False


def is_reserved(user_id: Any) -> bool:
    return isinstance(user_id, str) and (user_id.startswith(RESERVED_PREFIXES) or user_id == SCHEDULER_SUBJECT)


def asserted_user_id(request: web.Request) -> str | None:
    """The caller's own user id, if auth (or isolation without auth) established one: a create's owner."""
    identity: Identity | None = request.get(IDENTITY_KEY)
    return identity.user_id if identity is not None else None


def scoped_user_id(request: web.Request) -> str | None:
    """The only owner this request may see or change; None when it is not limited.

    Admins and callers without isolation are not limited (their user_id query value still filters).
    Under isolation a caller without a subject is refused.
    """
    identity: Identity | None = request.get(IDENTITY_KEY)
    if identity is None or identity.admin or not identity.isolation:
        return None
    if not identity.user_id:
        raise Forbidden(MISSING_USER_IDENTITY)
    return identity.user_id
