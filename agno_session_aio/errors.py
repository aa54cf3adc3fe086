"""Errors the service answers with, and the one function that shapes their JSON body."""

from __future__ import annotations

from typing import Any, Final

# /readyz while this process cannot serve; its body lists each database, not an error detail.
NOT_READY_STATUS: Final = 503
# A CORS preflight Starlette's CORSMiddleware refuses (plain text, as it answers).
CORS_REJECTED_STATUS: Final = 400


class ApiError(Exception):
    """An error with an HTTP status and AgentOS's `{"detail": ...}` body."""

    def __init__(self, status: int, detail: str | list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Unauthorized(ApiError):
    """401 with AgentOS's text for what is wrong with the credentials."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail)


class Forbidden(ApiError):
    """403: a verified caller that may not do this (a missing scope, no identity under isolation)."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


class BadRequest(ApiError):
    """400: a request the contract rejects after validation (db_id rules, status values)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


class NotFound(ApiError):
    """404 with the contract's text for the missing thing."""

    def __init__(self, detail: str) -> None:
        super().__init__(404, detail)


class BodyTooLarge(ApiError):
    """413: the body is larger than AGNO_MAX_BODY_BYTES (AgentOS has no limit; docs/compatibility.md)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body is larger than {limit} bytes (AGNO_MAX_BODY_BYTES)")


class ValueRefused(ApiError):
    """400: PostgreSQL refused a value the request sent (a limit such as the btree key size, an invalid
    value), which is the client's to change, not an outage."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, f"The database cannot store this request's values: {reason}")


class Conflict(ApiError):
    """409: the session id is already taken."""

    def __init__(self, detail: str) -> None:
        super().__init__(409, detail)


class ValidationFailed(ApiError):
    """422 with FastAPI's list of `{type, loc, msg, input, ctx?}` entries."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, errors)


class DatabaseUnavailable(ApiError):
    """503: the database could not be reached or gave no connection in time."""

    def __init__(self, db_id: str) -> None:
        super().__init__(503, f"Database '{db_id}' is unavailable")


class DatabaseBusy(ApiError):
    """503: every pooled connection stayed busy for the whole acquire timeout."""

    def __init__(self, db_id: str) -> None:
        super().__init__(503, f"Database '{db_id}' is busy, try again later")


class DatabaseTimedOut(ApiError):
    """504: PostgreSQL stopped a statement at the server-side statement_timeout."""

    def __init__(self) -> None:
        super().__init__(504, "Database query timed out")


class MediaNotConfigured(ApiError):
    """503: deleting media was asked for, and this service (like AgentOS without media storage) has none."""

    def __init__(self) -> None:
        super().__init__(503, "Media storage is not configured on AgentOS")


class RequestTimedOut(ApiError):
    """504: the request ran past the per-request timeout (AGNO_REQUEST_TIMEOUT)."""

    def __init__(self) -> None:
        super().__init__(504, "Request timed out")


class InternalError(ApiError):
    """500 naming only the exception's type; the traceback goes to the log."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(500, f"Internal server error ({type(exc).__name__})")


def error_body(detail: str | list[dict[str, Any]]) -> dict[str, Any]:
    """The error JSON shape AgentOS uses for every status."""
    return {"detail": detail}
