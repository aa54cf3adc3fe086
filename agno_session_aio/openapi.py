"""The OpenAPI 3.1 document served at /openapi.json, built from the route table (routes.py) and the
declarations below.

Every operation of a session view is declared once here with AgentOS's operation id, parameters, body
and answers; `document()` walks routes.SESSION_ROUTES and fails on a view method without one.
tests/test_openapi.py holds the result to AgentOS's own document (structure, not prose) and every
declared parameter to what params.py actually reads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, Final

import attrs

from . import __version__, routes, views

Schema = dict[str, Any]

# --- schema building blocks: pydantic's shapes for Optional[...] and friends -------------------------

NULL: Final[Schema] = {"type": "null"}
OBJECT: Final[Schema] = {"type": "object", "additionalProperties": True}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, NULL]}


def title(name: str) -> str:
    """pydantic's default title for a field or parameter name."""
    return name.replace("_", " ").title()


# A field's kind, written after its name in the declarations below ("run_id str", "metrics obj?").
KINDS: Final[dict[str, Schema]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "str?": nullable({"type": "string"}),
    "int?": nullable({"type": "integer"}),
    "obj?": nullable(OBJECT),
    "objs?": nullable({"type": "array", "items": OBJECT}),
    "strs?": nullable({"type": "array", "items": {"type": "string"}}),
    "time?": nullable({"type": "string", "format": "date-time"}),
    "content?": {"anyOf": [{"type": "string"}, OBJECT, NULL]},
}


def model(name: str, fields: str, required: Iterable[str] = (), **extra: Any) -> Schema:
    """An object schema from "name kind" lines; `extra` overrides fields whose schema is not a kind."""
    properties: dict[str, Schema] = {}
    for line in fields.split(","):
        field_name, kind = line.split()
        properties[field_name] = {**KINDS[kind], "title": title(field_name)}
    for field_name, field_schema in extra.items():
        properties[field_name] = {**field_schema, "title": title(field_name)}
    declared: Schema = {"type": "object", "properties": properties, "title": name}
    if required:
        declared["required"] = list(required)
    return declared


RUN_COMMON: Final = (
    "run_id str, user_id str?, status str?, cancellation_stage str?, run_input str?, content content?, "
    "reasoning_content str?, reasoning_steps objs?, metrics obj?, events objs?, created_at time?, "
    "references objs?, citations obj?, reasoning_messages objs?, images objs?, videos objs?, audio objs?, "
    "files objs?, response_audio obj?"
)
RUN_OF_AGENT_OR_TEAM: Final = (
    RUN_COMMON + ", parent_run_id str?, run_response_format str?, messages objs?, tools objs?, session_state obj?, "
    "input_media obj?, followups strs?, forked_from_run_id str?, forked_from_message_index int?, "
    "forked_from_session_id str?, regenerated_from str?, last_checkpoint_at_message_index int?"
)
ERROR_FIELDS: Final = "detail str, error_id str?, error_type str?"
VALIDATION_ENTRY: Final[Schema] = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}

COMPONENTS: Final[dict[str, Schema]] = {
    "SessionType": {"type": "string", "enum": ["agent", "team", "workflow"], "title": "SessionType"},
    "SortOrder": {"type": "string", "enum": ["asc", "desc"], "title": "SortOrder"},
    "SessionSchema": model(
        "SessionSchema",
        "session_id str, session_name str, session_state obj?, created_at time?, updated_at time?, session_type str?, "
        "user_id str?, agent_id str?, team_id str?, workflow_id str?, session_summary obj?, metrics obj?, "
        "total_tokens int?, metadata obj?",
        required=("session_id", "session_name"),
    ),
    "PaginationInfo": {
        "type": "object",
        "title": "PaginationInfo",
        "properties": {
            name: {"type": kind, "minimum": minimum, "default": default, "title": title(name)}
            for name, kind, minimum, default in (
                ("page", "integer", 0.0, 0), ("limit", "integer", 1.0, 20), ("total_pages", "integer", 0.0, 0),
                ("total_count", "integer", 0.0, 0), ("search_time_ms", "number", 0.0, 0),
            )
        },
    },
    "PaginatedResponse_SessionSchema_": {
        "type": "object",
        "title": "PaginatedResponse[SessionSchema]",
        "properties": {"data": {"type": "array", "items": ref("SessionSchema"), "title": "Data"},
                       "meta": ref("PaginationInfo")},
        "required": ["data", "meta"],
    },
    "AgentSessionDetailSchema": model(
        "AgentSessionDetailSchema",
        "user_id str?, agent_session_id str, session_id str, session_name str, session_summary obj?, "
        "session_state obj?, agent_id str?, total_tokens int?, agent_data obj?, metrics obj?, metadata obj?, "
        "chat_history objs?, created_at time?, updated_at time?",
        required=("agent_session_id", "session_id", "session_name"),
    ),
    "TeamSessionDetailSchema": model(
        "TeamSessionDetailSchema",
        "session_id str, session_name str, user_id str?, team_id str?, session_summary obj?, session_state obj?, "
        "metrics obj?, team_data obj?, metadata obj?, chat_history objs?, created_at time?, updated_at time?, "
        "total_tokens int?",
        required=("session_id", "session_name"),
    ),
    "WorkflowSessionDetailSchema": model(
        "WorkflowSessionDetailSchema",
        "user_id str?, workflow_id str?, workflow_name str?, session_id str, session_name str, session_data obj?, "
        "session_state obj?, workflow_data obj?, metadata obj?, created_at time?, updated_at time?",
        required=("session_id", "session_name"),
    ),
    "RunSchema": model("RunSchema", RUN_OF_AGENT_OR_TEAM + ", agent_id str?, metadata obj?", required=("run_id",)),
    "TeamRunSchema": model("TeamRunSchema", RUN_OF_AGENT_OR_TEAM + ", team_id str?", required=("run_id",)),
    "WorkflowRunSchema": model(
        "WorkflowRunSchema",
        RUN_COMMON + ", workflow_id str?, content_type str?, step_results objs?, step_executor_runs objs?, "
        "step_requirements objs?, pause_kind str?, paused_step_name str?, paused_step_index int?",
        required=("run_id",),
    ),
    "SessionRunPreviewSchema": model(
        "SessionRunPreviewSchema",
        "run_id str, parent_run_id str?, agent_id str?, team_id str?, workflow_id str?, user_id str?, status str?, "
        "run_input str?, content_preview str?, created_at time?",
        required=("run_id",),
    ),
    "CreateSessionRequest": model(
        "CreateSessionRequest",
        "session_id str?, session_name str?, session_state obj?, metadata obj?, user_id str?, agent_id str?, "
        "team_id str?, workflow_id str?",
    ),
    "UpdateSessionRequest": model("UpdateSessionRequest", "session_name str?, session_state obj?, metadata obj?"),
    "Body_rename_session": model("Body_rename_session", "session_name str", required=("session_name",)),
    "DeleteSessionRequest": model(
        "DeleteSessionRequest", "session_ids str, session_types str", required=("session_ids", "session_types"),
        session_ids={"type": "array", "items": {"type": "string"}, "minItems": 1},
        session_types={"type": "array", "items": ref("SessionType"), "minItems": 1},
    ),
    **{name: model(name, ERROR_FIELDS, required=("detail",)) for name in (
        "BadRequestResponse", "NotFoundResponse", "UnauthenticatedResponse", "InternalServerErrorResponse",
        "ErrorResponse",
    )},
    "ValidationErrorDetail": model(
        "ValidationErrorDetail", "loc str, msg str, type str", required=("loc", "msg", "type"), loc=VALIDATION_ENTRY,
    ),
    "ValidationErrorResponse": model(
        "ValidationErrorResponse", "detail str", required=("detail",),
        detail={"anyOf": [{"type": "string"}, {"type": "array", "items": ref("ValidationErrorDetail")}]},
    ),
    "ValidationError": {
        "type": "object",
        "title": "ValidationError",
        "properties": {"loc": {**VALIDATION_ENTRY, "title": "Location"}, "msg": {"type": "string", "title": "Message"},
                       "type": {"type": "string", "title": "Error Type"}, "input": {"title": "Input"},
                       "ctx": {"type": "object", "title": "Context"}},
        "required": ["loc", "msg", "type"],
    },
    "HTTPValidationError": {
        "type": "object",
        "title": "HTTPValidationError",
        "properties": {"detail": {"type": "array", "items": ref("ValidationError"), "title": "Detail"}},
    },
    "HealthResponse": model("HealthResponse", "status str", required=("status", "instantiated_at"),
                            instantiated_at={"type": "string", "format": "date-time"}),
}

# --- parameters: each named once, with AgentOS's schema ------------------------------------------------

OPTIONAL_STRING: Final = nullable({"type": "string"})
PARAMETERS: Final[dict[str, Schema]] = {
    "type": {"anyOf": [ref("SessionType"), NULL]},
    "component_id": OPTIONAL_STRING,
    "user_id": OPTIONAL_STRING,
    "session_name": OPTIONAL_STRING,
    "limit": {"anyOf": [{"type": "integer", "minimum": 1}, NULL], "default": 20},
    "page": {"anyOf": [{"type": "integer", "minimum": 0}, NULL], "default": 1},
    "sort_by": {**OPTIONAL_STRING, "default": "created_at"},
    "sort_order": {"anyOf": [ref("SortOrder"), NULL], "default": "desc"},
    "db_id": OPTIONAL_STRING,
    "table": OPTIONAL_STRING,
    "delete_media": {"type": "boolean", "default": False},
    "created_after": nullable({"type": "integer"}),
    "created_before": nullable({"type": "integer"}),
    "status": nullable({"type": "array", "items": {"type": "string"}}),
    "redirect": {"type": "boolean", "default": False},
}
# POST /sessions names its type, defaulting to agent, where the others leave it open.
CREATE_TYPE: Final[Schema] = {**ref("SessionType"), "default": "agent"}


def query(name: str, schema: Schema | None = None) -> Schema:
    """A query parameter; one given as a bare $ref (the create's type) carries no title, as in FastAPI's."""
    schema = schema or {**PARAMETERS[name], "title": title(name)}
    return {"name": name, "in": "query", "required": False, "schema": schema}


def path_parameter(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "title": title(name)}}


# --- answers -------------------------------------------------------------------------------------

def json_answer(description: str, schema: Schema) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DETAIL: Final = [ref("AgentSessionDetailSchema"), ref("TeamSessionDetailSchema"), ref("WorkflowSessionDetailSchema")]
RUN: Final = [ref("RunSchema"), ref("TeamRunSchema"), ref("WorkflowRunSchema")]
SESSION_ERRORS: Final[dict[str, Schema]] = {
    "400": json_answer("Bad request: the database choice or a value the service refuses", ref("BadRequestResponse")),
    "401": json_answer("Missing or invalid credentials", ref("UnauthenticatedResponse")),
    "404": json_answer("Not found", ref("NotFoundResponse")),
    "422": json_answer("The request's parameters or body are invalid", ref("ValidationErrorResponse")),
    "500": json_answer("Internal server error", ref("InternalServerErrorResponse")),
}
# Answers this service adds to AgentOS's (docs/compatibility.md): auth refusals in JWT mode, a body past
# AGNO_MAX_BODY_BYTES, a database down or busy, a request or statement past its time.
OWN_ERRORS: Final[dict[str, Schema]] = {
    "403": json_answer("The token lacks the route's scope, or has no subject under user isolation",
                       ref("ErrorResponse")),
    "413": json_answer("The body is larger than AGNO_MAX_BODY_BYTES", ref("ErrorResponse")),
    "503": json_answer("The database is unavailable or busy, or media storage is not configured",
                       ref("ErrorResponse")),
    "504": json_answer("The request or its statement took too long", ref("ErrorResponse")),
}


@attrs.frozen
class Operation:
    """One method of one route, as AgentOS documents it."""

    operation_id: str
    summary: str
    parameters: tuple[Schema, ...]
    ok_status: str
    ok: Schema
    body: Schema | None = None
    tag: str = "Sessions"
    extra_answers: tuple[tuple[str, Schema], ...] = ()
    answers: dict[str, Schema] = attrs.field(factory=lambda: dict(SESSION_ERRORS))


SESSION = path_parameter("session_id")
SCOPE: Final = (query("user_id"), query("db_id"), query("table"))
TYPED_SCOPE: Final = (query("type"), *SCOPE)
RUN_FILTERS: Final = (query("type"), query("user_id"), query("created_after"), query("created_before"),
                      query("status"), query("db_id"), query("table"))


def body(component: str, *, required: bool = True, default: Any = None) -> Schema:
    schema = ref(component) if default is None else {**ref(component), "default": default}
    declared: Schema = {"content": {"application/json": {"schema": schema}}}
    if required:
        declared["required"] = True
    return declared


def detail_answer(description: str, name: str) -> Schema:
    return json_answer(description, {"anyOf": DETAIL, "title": f"Response {title(name)}"})


OPERATIONS: Final[dict[tuple[type, str], Operation]] = {
    (views.SessionsView, "get"): Operation(
        "get_sessions", "List sessions",
        tuple(query(name) for name in ("type", "component_id", "user_id", "session_name", "limit", "page",
                                        "sort_by", "sort_order", "db_id", "table")),
        "200", json_answer("A page of sessions", ref("PaginatedResponse_SessionSchema_"))),
    (views.SessionsView, "post"): Operation(
        "create_session", "Create a session", (query("type", CREATE_TYPE), query("db_id")),
        "201", detail_answer("The new session", "create_session"),
        body=body("CreateSessionRequest", required=False, default={}),
        extra_answers=(("409", {"description": "The session_id is taken"}),)),
    (views.SessionsView, "delete"): Operation(
        "delete_sessions", "Delete several sessions", (*SCOPE, query("delete_media")),
        "204", {"description": "Deleted (ids that match nothing are ignored)"}, body=body("DeleteSessionRequest")),
    (views.SessionView, "get"): Operation(
        "get_session_by_id", "One session", (SESSION, *TYPED_SCOPE),
        "200", detail_answer("The session", "get_session_by_id")),
    (views.SessionView, "delete"): Operation(
        "delete_session", "Delete a session", (SESSION, *SCOPE, query("delete_media")),
        "204", {"description": "Deleted (or there was nothing to delete)"}),
    (views.SessionView, "patch"): Operation(
        "update_session", "Update a session", (SESSION, *TYPED_SCOPE),
        "200", detail_answer("The session as saved", "update_session"), body=body("UpdateSessionRequest")),
    (views.SessionRunsView, "get"): Operation(
        "get_session_runs", "A session's runs", (SESSION, *RUN_FILTERS),
        "200", json_answer("The runs, in storage order", {"type": "array", "items": {"anyOf": RUN},
                                                           "title": "Response Get Session Runs"})),
    (views.SessionRunPreviewsView, "get"): Operation(
        "get_session_run_previews", "Previews of a session's runs", (SESSION, *RUN_FILTERS),
        "200", json_answer("One preview per run", {"type": "array", "items": ref("SessionRunPreviewSchema"),
                                                   "title": "Response Get Session Run Previews"})),
    (views.RunView, "get"): Operation(
        "get_session_run", "One run of a session", (SESSION, path_parameter("run_id"), *TYPED_SCOPE),
        "200", json_answer("The run", {"anyOf": RUN, "title": "Response Get Session Run"})),
    (views.RenameView, "post"): Operation(
        "rename_session", "Rename a session", (SESSION, *TYPED_SCOPE),
        "200", detail_answer("The renamed session", "rename_session"), body=body("Body_rename_session")),
    (views.MediaView, "get"): Operation(
        "get_session_media", "A session's stored media",
        (SESSION, path_parameter("storage_key"), *TYPED_SCOPE, query("redirect")),
        "200", {"description": "The media (never: this service has no media storage)",
                "content": {"application/json": {"schema": {}},
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        tag="Media",
        answers={
            "401": SESSION_ERRORS["401"], "404": SESSION_ERRORS["404"],
            "500": {"description": "Media storage failed"}, "501": {"description": "Remote databases"},
            "503": {"description": "Media storage is not configured"},
            "422": json_answer("The request's parameters are invalid", ref("HTTPValidationError")),
        }),
}

# Our own routes, open in every auth mode.
OPEN_OPERATIONS: Final[dict[str, Schema]] = {
    "/health": {"get": {"tags": ["Health"], "summary": "AgentOS's health check", "operationId": "health_check",
                        "responses": {"200": json_answer("Serving", ref("HealthResponse"))}}},
    "/healthz": {"get": {"tags": ["Operations"], "summary": "Liveness", "operationId": "liveness",
                         "responses": {"200": json_answer("The process serves requests", {
                             "type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]})}}},
    "/readyz": {"get": {"tags": ["Operations"], "summary": "Readiness, by AGNO_READINESS", "operationId": "readiness",
                        "responses": {code: json_answer(description, {
                            "type": "object", "required": ["status", "policy", "databases"],
                            "properties": {"status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
                                           "policy": {"type": "string"},
                                           "databases": {"type": "object",
                                                         "additionalProperties": {"enum": ["ok", "down"]}}}})
                                      for code, description in (("200", "Ready"), ("503", "Not ready"))}}},
    "/metrics": {"get": {"tags": ["Operations"], "summary": "Prometheus metrics", "operationId": "metrics",
                         "responses": {"200": {"description": "Prometheus text format",
                                               "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
}

# A route pattern's regular expressions, dropped for OpenAPI: "{session_id:[^/]++}" -> "{session_id}".
PATTERN: Final = re.compile(r"\{(\w+):[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")


def openapi_path(route: str) -> str:
    return PATTERN.sub(r"{\1}", route)


def _operation(operation: Operation) -> Schema:
    answers = {operation.ok_status: operation.ok, **operation.answers, **dict(operation.extra_answers)}
    if operation.tag == "Sessions":
        answers.update(OWN_ERRORS)
    declared: Schema = {"tags": [operation.tag], "summary": operation.summary, "operationId": operation.operation_id,
                        "security": [{"HTTPBearer": []}], "parameters": list(operation.parameters)}
    if operation.body is not None:
        declared["requestBody"] = operation.body
    declared["responses"] = answers
    return declared


@functools.cache
def document() -> Schema:
    """The whole document; raises KeyError naming a view method that has no declared operation."""
    paths: dict[str, Schema] = dict(OPEN_OPERATIONS)
    for route, view in routes.SESSION_ROUTES:
        methods = [method for method in ("get", "post", "patch", "delete") if hasattr(view, method)]
        paths[openapi_path(route)] = {method: _operation(OPERATIONS[(view, method)]) for method in methods}
    return {
        "openapi": "3.1.0",
        "info": {"title": "agno-session-aio", "version": __version__,
                 "description": "AgentOS's /sessions API, served from agno's own PostgreSQL tables."},
        "paths": paths,
        "components": {"schemas": COMPONENTS, "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}}},
    }
