"""Parse query strings and JSON bodies the way FastAPI/pydantic do, with the same 422 entries.

Each parser collects every violation (query first, then body, in declaration order, as FastAPI does)
and raises one ValidationFailed listing them all.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, Final, cast

import attrs
from multidict import MultiMapping

from . import deepjson, writes
from .errors import BadRequest, ValidationFailed
from .records import Json, SessionQuery
from .rules import RUN_STATUSES, SESSION_TYPES
from .store.sql import BIGINT_MAX

# Widest integer orjson can echo back in `meta`; LIMIT is bounded by PostgreSQL's bigint (sql.BIGINT_MAX).
ECHO_MAX: Final = 2**64 - 1
# pydantic's lax int-from-string: optional sign, digits with single underscores, an all-zero fraction.
INT_RE: Final = re.compile(r"^[+-]?[0-9](?:_?[0-9])*(?:\.0+)?$")
# The characters pydantic trims around a value (Unicode White_Space, as Rust's str::trim): Python's
# str.strip() also removes \x1c-\x1f, which pydantic keeps (and then refuses).
PYDANTIC_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# pydantic reads an integer string first as a JSON number (untrimmed): one whose digits (and minus sign)
# run past INT_MAX_DIGITS is int_parsing_size. Otherwise the string is cleaned (trimmed, underscores, a
# plus sign, leading zeros and a .0 fraction dropped) and read again, and any failure then, length
# included, is int_parsing.
INT_MAX_DIGITS: Final = 4300
JSON_INT_PREFIX: Final = re.compile(r"-?[1-9][0-9]*")
TRUE_WORDS: Final = frozenset({"1", "on", "t", "true", "y", "yes"})
FALSE_WORDS: Final = frozenset({"0", "off", "f", "false", "n", "no"})
TYPE_EXPECTED: Final = "'agent', 'team' or 'workflow'"
ORDER_EXPECTED: Final = "'asc' or 'desc'"
MISSING: Final = object()
# Bodies nested deeper than the stdlib parser reads are parsed without recursion, up to this depth (above
# the about 13 000 levels PostgreSQL stores with its default max_stack_depth) and this size.
MAX_NESTING: Final = 20_000
DEEP_BODY_MAX_BYTES: Final = 8 * 1024 * 1024
# What can make a body unstorable as sent: an escape (NUL, half a surrogate pair), NaN or Infinity, or a
# number too large for a float (a three-digit exponent or a very long mantissa); only then is it walked.
_MAY_BE_UNSTORABLE: Final = re.compile(rb"\\u|NaN|Infinity|[eE]\+?0*[1-9][0-9]{2}|[0-9]{300}")
UNICODE_MESSAGE: Final = "Input should be a valid string, unable to parse raw data as a unicode string"
NUL_KEY_MESSAGE: Final = "Value error, a key cannot contain NUL (\\u0000): PostgreSQL cannot store it"
FINITE_MESSAGE: Final = "Input should be a finite number"
# FastAPI's answer to a body it cannot decode at all (not UTF-8, nested past the parser's bound).
BODY_NOT_PARSED: Final = "There was an error parsing the body"


def _error(kind: str, loc: list[Any], msg: str, value: Any, ctx: dict[str, Any] | None = None) -> dict[str, Any]:
    entry = {"type": kind, "loc": loc, "msg": msg, "input": value}
    if ctx is not None:
        entry["ctx"] = ctx
    return entry


class _Collector:
    """Accumulates 422 entries while reading one request."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    # --- query values (always strings; FastAPI takes the last of repeated keys) ---

    def query(self, query: MultiMapping[str], name: str) -> str | None:
        values = query.getall(name, [])
        return values[-1] if values else None

    def enum(self, query: MultiMapping[str], name: str, choices: tuple[str, ...], expected: str) -> str | None:
        raw = self.query(query, name)
        if raw is None or raw in choices:
            return raw
        self.errors.append(_error("enum", ["query", name], f"Input should be {expected}", raw, {"expected": expected}))
        return None

    def integer(
        self, query: MultiMapping[str], name: str, *, ge: int | None = None, le: int | None = None
    ) -> int | None:
        raw = self.query(query, name)
        if raw is None:
            return None
        json_number = JSON_INT_PREFIX.match(raw)
        if json_number is not None and json_number.end() > INT_MAX_DIGITS:
            msg = "Unable to parse input string as an integer, exceeded maximum size"
            self.errors.append(_error("int_parsing_size", ["query", name], msg, raw))
            return None
        text = raw.strip(PYDANTIC_WHITESPACE)
        digits = text.split(".", 1)[0].replace("_", "")
        cleaned_length = len(digits.lstrip("+-").lstrip("0") or "0") + digits.startswith("-")
        if not INT_RE.match(text) or cleaned_length > INT_MAX_DIGITS:
            msg = "Input should be a valid integer, unable to parse string as an integer"
            self.errors.append(_error("int_parsing", ["query", name], msg, raw))
            return None
        magnitude = digits.lstrip("+-").lstrip("0") or "0"
        # A value this long is beyond every bound checked here; int() of it would cost for nothing.
        value = (-1 if digits[0] == "-" else 1) * (int(magnitude) if len(magnitude) <= 4000 else 10**4000)
        if ge is not None and value < ge:
            msg = f"Input should be greater than or equal to {ge}"
            self.errors.append(_error("greater_than_equal", ["query", name], msg, raw, {"ge": ge}))
            return None
        if le is not None and value > le:
            # Past this bound AgentOS fails with a 500 (docs/compatibility.md); we answer a clean 422.
            msg = f"Input should be less than or equal to {le}"
            self.errors.append(_error("less_than_equal", ["query", name], msg, raw, {"le": le}))
            return None
        return value

    def boolean(self, query: MultiMapping[str], name: str) -> bool:
        raw = self.query(query, name)
        if raw is None:
            return False
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        msg = "Input should be a valid boolean, unable to interpret input"
        self.errors.append(_error("bool_parsing", ["query", name], msg, raw))
        return False

    # --- body fields ---

    def optional_str(self, body: dict[str, Any], name: str, *, column: bool = False) -> str | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.errors.append(_error("string_type", ["body", name], "Input should be a valid string", value))
            return None
        if column and "\x00" in value:
            # A text column cannot hold NUL (AgentOS answers 500); JSON fields have it stripped instead.
            msg = "Value error, NUL characters are not allowed"
            self.errors.append(_error("value_error", ["body", name], msg, value))
            return None
        return value

    def optional_dict(self, body: dict[str, Any], name: str) -> dict[str, Any] | None:
        value = body.get(name)
        if value is None or isinstance(value, dict):
            return value
        self.errors.append(_error("dict_type", ["body", name], "Input should be a valid dictionary", value))
        return None

    def non_empty_list(self, body: dict[str, Any], name: str, item: Callable[[list[Any], Any], Any]) -> list[Any]:
        value = body.get(name, MISSING)
        loc: list[Any] = ["body", name]
        if value is MISSING:
            # pydantic reports a missing field with the whole model input.
            self.errors.append(_error("missing", loc, "Field required", body))
            return []
        if not isinstance(value, list):
            self.errors.append(_error("list_type", loc, "Input should be a valid list", value))
            return []
        items = [item([*loc, index], element) for index, element in enumerate(value)]
        if not value:
            ctx = {"field_type": "List", "min_length": 1, "actual_length": 0}
            msg = "List should have at least 1 item after validation, not 0"
            self.errors.append(_error("too_short", loc, msg, value, ctx))
        return items

    def str_item(self, loc: list[Any], value: Any) -> Any:
        if not isinstance(value, str):
            self.errors.append(_error("string_type", loc, "Input should be a valid string", value))
        return value

    def type_item(self, loc: list[Any], value: Any) -> Any:
        if value not in SESSION_TYPES:
            msg = f"Input should be {TYPE_EXPECTED}"
            self.errors.append(_error("enum", loc, msg, value, {"expected": TYPE_EXPECTED}))
        return value


# --- bodies --------------------------------------------------------------------


def decode_body(raw: bytes, content_type: str | None) -> Any:
    """The request body as FastAPI sees it: MISSING when empty, JSON when JSON-typed, else the raw text.

    Raises ValidationFailed for malformed JSON with Python's json error message and offset, like FastAPI,
    and for JSON that PostgreSQL's JSONB cannot hold as sent (lone surrogates, NaN and infinities, a key
    holding NUL), naming where.
    """
    if not raw:
        return MISSING
    if not content_type or not _is_json_type(content_type):
        # FastAPI parses JSON only when the request says it is JSON; anything else stays text.
        return raw.decode("utf-8", "replace")
    try:
        # The stdlib parser, not orjson: FastAPI uses it, and its error texts and offsets are the contract.
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationFailed([_json_invalid(exc.pos, exc.msg)]) from None
    except UnicodeDecodeError:
        raise BadRequest(BODY_NOT_PARSED) from None
    except RecursionError:
        body = _deep_body(raw)
    if _MAY_BE_UNSTORABLE.search(raw):
        _check_storable(body)
    return body


def _json_invalid(position: int, reason: str) -> dict[str, Any]:
    return _error("json_invalid", ["body", position], "JSON decode error", {}, {"error": reason})


def _deep_body(raw: bytes) -> Any:
    """A body nested beyond the stdlib parser's recursion limit, read without recursion, within bounds."""
    if len(raw) > DEEP_BODY_MAX_BYTES:
        raise BadRequest(BODY_NOT_PARSED)
    try:
        return deepjson.loads(raw.decode("utf-8"), max_depth=MAX_NESTING)
    except json.JSONDecodeError as exc:
        raise ValidationFailed([_json_invalid(exc.pos, exc.msg)]) from None
    except (UnicodeDecodeError, deepjson.TooDeep):
        raise BadRequest(BODY_NOT_PARSED) from None


def _check_storable(body: Any) -> None:
    """Walk the body (without recursion) for what PostgreSQL's JSONB cannot hold; 422 at the first found."""
    # Each entry: (value, its key or index, the entry of its parent), so a path is built only on failure.
    pending: list[tuple[Any, Any, Any]] = [(body, None, None)]
    while pending:
        entry = pending.pop()
        value = entry[0]
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                if "\x00" in key:
                    raise ValidationFailed([_error("value_error", _body_path(entry) + [key], NUL_KEY_MESSAGE, key)])
                if _is_lone_surrogate(key):
                    raise ValidationFailed([_error("string_unicode", ["body"], UNICODE_MESSAGE, {})])
                pending.append((item, key, entry))
        elif isinstance(value, list):
            pending.extend((item, index, entry) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            if _is_lone_surrogate(value):
                raise ValidationFailed([_error("string_unicode", ["body"], UNICODE_MESSAGE, {})])
        elif isinstance(value, float) and not math.isfinite(value):
            literal = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
            raise ValidationFailed([_error("finite_number", _body_path(entry), FINITE_MESSAGE, literal)])


def _body_path(entry: tuple[Any, Any, Any]) -> list[Any]:
    path = []
    while entry[2] is not None:
        path.append(entry[1])
        entry = entry[2]
    return ["body", *reversed(path)]


def _is_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_json_type(content_type: str) -> bool:
    main = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = main.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _model_body(collector: _Collector, body: Any, *, required: bool) -> dict[str, Any]:
    """The body as an object, or a recorded 422 (missing / model_attributes_type)."""
    if body is MISSING:
        if required:
            collector.errors.append(_error("missing", ["body"], "Field required", None))
        return {}
    if not isinstance(body, dict):
        msg = "Input should be a valid dictionary or object to extract fields from"
        collector.errors.append(_error("model_attributes_type", ["body"], msg, body))
        return {}
    return body


# --- per-endpoint parameter objects ----------------------------------------------


@attrs.frozen(kw_only=True)
class Scope:
    """The common query of every endpoint but create: user scoping and database selection."""

    user_id: str | None
    db_id: str | None
    table: str | None


def _scope(collector: _Collector, query: MultiMapping[str]) -> Scope:
    return Scope(
        user_id=collector.query(query, "user_id"),
        db_id=collector.query(query, "db_id"),
        table=collector.query(query, "table"),
    )


def _session_type(collector: _Collector, query: MultiMapping[str]) -> str | None:
    return collector.enum(query, "type", SESSION_TYPES, TYPE_EXPECTED)


@attrs.frozen(kw_only=True)
class ListParams:
    """GET /sessions: the listing itself and the database it reads."""

    query: SessionQuery
    scope: Scope


def parse_list(query: MultiMapping[str]) -> ListParams:
    c = _Collector()
    session_type = _session_type(c, query)
    component_id = c.query(query, "component_id")
    user_id = c.query(query, "user_id")
    session_name = c.query(query, "session_name")
    limit = c.integer(query, "limit", ge=1, le=BIGINT_MAX)
    # A page whose offset overflows gets an empty page (store/queries.py), like any page past the end.
    page = c.integer(query, "page", ge=0, le=ECHO_MAX)
    sort_by = c.query(query, "sort_by")
    sort_order = c.enum(query, "sort_order", ("asc", "desc"), ORDER_EXPECTED)
    scope = Scope(user_id=user_id, db_id=c.query(query, "db_id"), table=c.query(query, "table"))
    c.check()
    if page == 0:
        # agno accepts page=0 and then fails with a 500; pages are 1-based, so 0 is a client error.
        msg = "Input should be greater than or equal to 1"
        raise ValidationFailed([_error("greater_than_equal", ["query", "page"], msg, c.query(query, "page"), {"ge": 1})])
    return ListParams(
        query=SessionQuery(
            session_type=session_type,
            component_id=component_id,
            user_id=user_id,
            session_name=session_name,
            limit=20 if limit is None else limit,
            page=1 if page is None else page,
            sort_by="created_at" if sort_by is None else sort_by,
            sort_order=sort_order or "desc",
        ),
        scope=scope,
    )


@attrs.frozen(kw_only=True)
class CreateParams:
    """POST /sessions."""

    session_type: str
    db_id: str | None
    session_id: str | None
    session_name: str | None
    session_state: dict[str, Any] | None
    metadata: dict[str, Any] | None
    user_id: str | None
    agent_id: str | None
    team_id: str | None
    workflow_id: str | None


def parse_create(query: MultiMapping[str], body: Any) -> CreateParams:
    c = _Collector()
    session_type = _session_type(c, query)
    db_id = c.query(query, "db_id")
    data = _model_body(c, body, required=False)
    session_id = c.optional_str(data, "session_id", column=True)
    session_name = c.optional_str(data, "session_name")
    session_state = c.optional_dict(data, "session_state")
    metadata = c.optional_dict(data, "metadata")
    user_id = c.optional_str(data, "user_id", column=True)
    stored_as = session_type or "agent"
    # Only the id of the session's own type is stored (agno ignores the others), so only it must fit a column.
    agent_id = c.optional_str(data, "agent_id", column=stored_as == "agent")
    team_id = c.optional_str(data, "team_id", column=stored_as == "team")
    workflow_id = c.optional_str(data, "workflow_id", column=stored_as == "workflow")
    c.check()
    return CreateParams(
        session_type=stored_as,
        db_id=db_id,
        session_id=session_id,
        session_name=session_name,
        session_state=session_state,
        metadata=metadata,
        user_id=user_id,
        agent_id=agent_id,
        team_id=team_id,
        workflow_id=workflow_id,
    )


@attrs.frozen(kw_only=True)
class SessionParams:
    """GET /sessions/{id} and other single-session reads: optional type plus the common query."""

    session_type: str | None
    scope: Scope


def parse_session(query: MultiMapping[str]) -> SessionParams:
    c = _Collector()
    session_type = _session_type(c, query)
    scope = _scope(c, query)
    c.check()
    return SessionParams(session_type=session_type, scope=scope)


@attrs.frozen(kw_only=True)
class MediaParams:
    """GET /sessions/{id}/media/{storage_key}."""

    session_type: str | None
    scope: Scope
    redirect: bool


def parse_media(query: MultiMapping[str]) -> MediaParams:
    c = _Collector()
    session_type = _session_type(c, query)
    scope = _scope(c, query)
    redirect = c.boolean(query, "redirect")
    c.check()
    return MediaParams(session_type=session_type, scope=scope, redirect=redirect)


@attrs.frozen(kw_only=True)
class RunsParams:
    """GET /sessions/{id}/runs and /run-previews."""

    session_type: str | None
    created_after: int | None
    created_before: int | None
    # Upper-cased; None means any status.
    statuses: frozenset[str] | None
    scope: Scope


def parse_runs(query: MultiMapping[str]) -> RunsParams:
    c = _Collector()
    session_type = _session_type(c, query)
    user_id = c.query(query, "user_id")
    created_after = c.integer(query, "created_after")
    created_before = c.integer(query, "created_before")
    statuses = query.getall("status", [])
    scope = Scope(user_id=user_id, db_id=c.query(query, "db_id"), table=c.query(query, "table"))
    c.check()
    return RunsParams(
        session_type=session_type,
        created_after=created_after,
        created_before=created_before,
        statuses=_run_statuses(statuses),
        scope=scope,
    )


def _run_statuses(statuses: list[str]) -> frozenset[str] | None:
    """The upper-cased status filter (None: any), checked before anything touches the database (contract §4.4)."""
    if not statuses:
        return None
    wanted = frozenset(status.upper() for status in statuses)
    unknown = sorted(wanted - set(RUN_STATUSES))
    if unknown:
        raise BadRequest(f"Invalid status value(s) {unknown}; expected one of {sorted(RUN_STATUSES)}")
    return wanted


@attrs.frozen(kw_only=True)
class RenameParams:
    """POST /sessions/{id}/rename."""

    session_type: str | None
    session_name: str
    scope: Scope


def parse_rename(query: MultiMapping[str], body: Any) -> RenameParams:
    c = _Collector()
    session_type = _session_type(c, query)
    scope = _scope(c, query)
    # An embedded single body field: anything but an object holding it is "missing" (contract §4.6).
    name = body.get("session_name", MISSING) if isinstance(body, dict) else MISSING
    if name is MISSING:
        c.errors.append(_error("missing", ["body", "session_name"], "Field required", None))
    elif not isinstance(name, str):
        c.errors.append(_error("string_type", ["body", "session_name"], "Input should be a valid string", name))
    c.check()
    return RenameParams(session_type=session_type, session_name=cast(str, name), scope=scope)


@attrs.frozen(kw_only=True)
class UpdateParams:
    """PATCH /sessions/{id}."""

    session_type: str | None
    scope: Scope
    session_name: str | None
    session_state: dict[str, Any] | None
    metadata: dict[str, Any] | None
    summary: dict[str, Any] | None


def parse_update(query: MultiMapping[str], body: Any) -> UpdateParams:
    c = _Collector()
    session_type = _session_type(c, query)
    scope = _scope(c, query)
    data = _model_body(c, body, required=True)
    session_name = c.optional_str(data, "session_name")
    session_state = c.optional_dict(data, "session_state")
    metadata = c.optional_dict(data, "metadata")
    summary = c.optional_dict(data, "summary")
    c.check()
    return UpdateParams(
        session_type=session_type,
        scope=scope,
        session_name=session_name,
        session_state=session_state,
        metadata=metadata,
        summary=summary,
    )


def normalized_summary(update: UpdateParams) -> Json | None:
    """The PATCH's summary as it will be stored; checked only once the database is resolved, as agno does.

    agno answers 500 (TypeError) for a summary its dataclass refuses; a client mistake deserves a 422
    (docs/compatibility.md).
    """
    if update.summary is None:
        return None
    try:
        return writes.normalize_summary(update.summary)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed([_error("value_error", ["body", "summary"], f"Value error, {exc}", update.summary)]) from None


@attrs.frozen(kw_only=True)
class DeleteParams:
    """DELETE /sessions/{id} and DELETE /sessions (bulk: ids and types from the body)."""

    scope: Scope
    delete_media: bool
    session_ids: list[str] = attrs.field(factory=list)
    session_types: list[str] = attrs.field(factory=list)


def parse_delete(query: MultiMapping[str]) -> DeleteParams:
    c = _Collector()
    scope = _scope(c, query)
    delete_media = c.boolean(query, "delete_media")
    c.check()
    return DeleteParams(scope=scope, delete_media=delete_media)


def parse_bulk_delete(query: MultiMapping[str], body: Any) -> DeleteParams:
    c = _Collector()
    # Query parameters first, then the body, as FastAPI lists them.
    scope = _scope(c, query)
    delete_media = c.boolean(query, "delete_media")
    data = _model_body(c, body, required=True)
    session_ids: list[str] = []
    session_types: list[str] = []
    if isinstance(body, dict):
        session_ids = c.non_empty_list(data, "session_ids", c.str_item)
        session_types = c.non_empty_list(data, "session_types", c.type_item)
    c.check()
    if len(session_ids) != len(session_types):
        raise BadRequest("Session IDs and session types must have the same length")
    return DeleteParams(scope=scope, delete_media=delete_media, session_ids=session_ids, session_types=session_types)
