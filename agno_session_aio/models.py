"""DTOs and the JSON shaping of every resource, as AgentOS 3.1.10 renders it.

One function per resource. Field order follows agno's pydantic schemas (contract §5); `exclude_none`
routes drop null fields in the view via `without_nulls`.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import attrs

if TYPE_CHECKING:
    from .params import CreateParams, UpdateParams

Row = dict[str, Any]
Json = dict[str, Any]

SESSION_TYPES: Final = ("agent", "team", "workflow")
RUN_STATUSES: Final = ("PENDING", "RUNNING", "PAUSED", "COMPLETED", "CANCELLED", "ERROR", "REGENERATED")
# Keys agno's runtime owns; stripped from metadata on create and PATCH (contract §4.2).
RESERVED_METADATA_KEYS: Final = frozenset({"agno_component_version", "agno_dispatch_chain", "agno_dispatch_depth"})
RUN_PREVIEW_CHARS: Final = 280

# agno's Message.to_dict keys, in order; null and empty collections are dropped (contract §3.6).
MESSAGE_KEYS: Final = (
    "id", "content", "reasoning_content", "from_history", "compressed_content", "stop_after_tool_call", "role",
    "name", "tool_call_id", "tool_name", "tool_args", "tool_call_error", "tool_calls", "redacted_reasoning_content",
    "provider_data", "checkpoint_status", "checkpoint_created_at",
)  # fmt: skip
MESSAGE_DEFAULTS: Final = {"from_history": False, "stop_after_tool_call": False}
MESSAGE_MEDIA_KEYS: Final = ("images", "audio", "videos", "files", "audio_output", "references")
MESSAGE_METRIC_KEYS: Final = (
    "input_tokens", "output_tokens", "total_tokens", "audio_input_tokens", "audio_output_tokens",
    "audio_total_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost", "duration",
    "time_to_first_token", "provider_metrics",
)  # fmt: skip
RUN_TRAILING_NULL_KEYS: Final = (
    "followups", "forked_from_run_id", "forked_from_message_index", "forked_from_session_id", "regenerated_from",
    "last_checkpoint_at_message_index",
)  # fmt: skip


@attrs.frozen(slots=True)
class NameSource:
    """What session-name derivation needs from one run, read without loading the run."""

    has_agent_id: bool
    input: Any
    first_user_content: Any


@attrs.frozen(slots=True, kw_only=True)
class SessionQuery:
    """Filters, sort and page of a session listing."""

    session_type: str | None
    component_id: str | None
    user_id: str | None
    session_name: str | None
    limit: int
    page: int
    sort_by: str | None
    sort_order: str


class SessionListRecord(NamedTuple):
    """One list item as the list statement selects it (sql.LIST_ITEM_FIELDS, in that order)."""

    session_id: str
    session_type: str
    agent_id: str | None
    team_id: str | None
    workflow_id: str | None
    user_id: str | None
    session_state: Any
    metrics: Any
    stored_name: Any
    workflow_name: Any
    sdk: Any
    framework: Any
    metadata: Any
    summary: Any
    created_at: Any
    updated_at: Any
    has_name_source: bool | None
    run_input: Any
    first_user_content: Any


@attrs.frozen(slots=True)
class SessionPage:
    """One page of list items plus the total count of matching sessions."""

    items: list[SessionListRecord]
    total_count: int


def obj(value: Any) -> Json:
    """A JSON object as read from storage, or {} when the stored value is anything else."""
    return value if isinstance(value, dict) else {}


def objects(value: Any) -> list[Json]:
    """The objects of a stored JSON list; anything else (a scalar, an object, non-object items) is skipped."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def without_nulls(value: Json) -> Json:
    """FastAPI's response_model_exclude_none: drop null fields at every model level."""
    return {key: val for key, val in value.items() if val is not None}


# --- shared derivations --------------------------------------------------------


def iso_datetime(value: Any) -> str | None:
    """agno's to_utc_datetime, serialised as pydantic does (UTC as Z, microseconds only when set)."""
    if value is None:
        return None
    if type(value) is int and 0 <= value < 253402300800:
        # The common case (agno's epoch seconds), formatted without building a datetime.
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value))
    try:
        if isinstance(value, str):
            parsed = datetime.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        else:
            parsed = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    except (ValueError, TypeError, OverflowError, OSError):
        # A value agno could not render either (e.g. milliseconds); shown as absent, not a failed page.
        return None
    text = parsed.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def stringify(value: Any) -> str:
    """agno's stringify_input_content (contract §3.2): objects as indented JSON, other lists as Python str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, indent=2, default=str)
    if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get("role") == "user":
        return value[0].get("content", str(value))  # type: ignore[no-any-return]
    return str(value)


def detect_session_type(row: Mapping[str, Any]) -> str:
    """The stored session_type, else inferred from whichever component id is set (contract §3.1)."""
    return detect_session_type_of(row.get("session_type"), row.get("agent_id"), row.get("team_id"), row.get("workflow_id"))


def detect_session_type_of(stored: Any, agent_id: Any, team_id: Any, workflow_id: Any) -> str:
    """detect_session_type from the four columns it reads (sql.DETECTED_TYPE is its SQL twin)."""
    if stored:
        return str(stored)
    if agent_id:
        return "agent"
    if team_id:
        return "team"
    if workflow_id:
        return "workflow"
    return "agent"


def run_type(run: Mapping[str, Any]) -> str:
    """agno's get_run_type: agent, team or workflow by which component the run names."""
    if run.get("agent_id") or run.get("agent_name"):
        return "agent"
    if run.get("team_id") or run.get("team_name"):
        return "team"
    return "workflow"


def strip_reserved_metadata(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    """Metadata without runtime-owned keys; None when nothing else was sent."""
    if not isinstance(metadata, dict) or not RESERVED_METADATA_KEYS.intersection(metadata):
        return metadata
    cleaned = {key: value for key, value in metadata.items() if key not in RESERVED_METADATA_KEYS}
    return cleaned or None


def adapter_sdk(agent_data: Any) -> Any:
    """The adapter identity an external agent records in agent_data (contract §3.5)."""
    return (agent_data.get("sdk") or agent_data.get("framework")) if isinstance(agent_data, dict) else None


def agent_metadata(metadata: Any, sdk: Any) -> Any:
    """Metadata with the adapter identity (`sdk`, see adapter_sdk) merged in (contract §3.5)."""
    if isinstance(sdk, str) and sdk and (metadata is None or isinstance(metadata, dict)):
        return {**(metadata or {}), "sdk": sdk}
    return metadata


def name_source(run: Mapping[str, Any]) -> NameSource:
    """The NameSource of a fully loaded run (detail endpoints)."""
    first = None
    for message in objects(run.get("messages")):
        if message.get("role") == "user" and message.get("content"):
            first = message["content"]
            break
    return NameSource(bool(run.get("agent_id")), run.get("input"), first)


def derive_session_name(session_type: str, stored_name: Any, workflow_name: Any, runs: Iterable[NameSource]) -> Any:
    """The stored name, else one derived from the runs as agno's get_session_name does (contract §3.2).

    `stored_name` is session_data.session_name and `workflow_name` workflow_data.name, None when absent.
    """
    if stored_name is not None:
        return stored_name
    runs = list(runs)
    if session_type == "workflow":
        if not runs:
            return ""
        first_input = runs[0].input
        if isinstance(first_input, str):
            return first_input
        if isinstance(first_input, dict):
            return json.dumps(first_input)
        return f"New {workflow_name} Session" if workflow_name else ""
    if session_type == "team":
        runs = [run for run in runs if not run.has_agent_id]
    for run in runs:
        if run.first_user_content:
            return stringify(run.first_user_content)
        if run.input is not None:
            return stringify(run.input)
    return ""


def _session_metrics(session_data: Any) -> Json | None:
    metrics = obj(session_data).get("session_metrics")
    return metrics if isinstance(metrics, dict) else None


# --- sessions ------------------------------------------------------------------


def session_list_item(item: SessionListRecord) -> Json:
    """SessionSchema: one item of GET /sessions (nulls dropped by the caller)."""
    session_type = detect_session_type_of(item.session_type, item.agent_id, item.team_id, item.workflow_id)
    metrics = item.metrics if isinstance(item.metrics, dict) else None
    sources = [NameSource(False, item.run_input, item.first_user_content)] if item.has_name_source else []
    metadata = item.metadata
    return {
        "session_id": item.session_id,
        "session_name": derive_session_name(session_type, item.stored_name, item.workflow_name, sources),
        "session_state": item.session_state,
        "created_at": iso_datetime(item.created_at),
        "updated_at": iso_datetime(item.updated_at),
        "session_type": session_type,
        "user_id": item.user_id,
        "agent_id": item.agent_id,
        "team_id": item.team_id,
        "workflow_id": item.workflow_id,
        "session_summary": item.summary,
        "metrics": metrics,
        "total_tokens": metrics.get("total_tokens") if metrics else None,
        "metadata": agent_metadata(metadata, item.sdk or item.framework) if session_type == "agent" else metadata,
    }


def session_runs_kept(session_type: str, runs: list[Any]) -> list[Any]:
    """The runs agno's session object keeps when it loads a row (contract §3.2 item 3)."""
    if session_type == "workflow":
        return [run for run in runs if run_type(run) == "workflow"]
    return [run for run in runs if "agent_id" in run or "team_id" in run]


def session_detail(session_type: str, row: Row, runs: list[Any]) -> Json:
    """The agent, team or workflow detail schema of a session, rendered as `session_type`."""
    kept = session_runs_kept(session_type, runs)
    if session_type == "workflow":
        return _workflow_detail(row, kept)
    return _agent_or_team_detail(session_type, row, kept)


def _timestamps(row: Row) -> tuple[str | None, str | None]:
    created_at = iso_datetime(row["created_at"]) if row["created_at"] else None
    updated_at = iso_datetime(row["updated_at"]) if row["updated_at"] else created_at
    return created_at, updated_at


def _agent_or_team_detail(session_type: str, row: Row, runs: list[Any]) -> Json:
    session_data = row["session_data"]
    data_truthy = bool(session_data) and isinstance(session_data, dict)
    metrics = session_data.get("session_metrics", {}) if data_truthy else None
    metrics = metrics if metrics is None or isinstance(metrics, dict) else None
    created_at, updated_at = _timestamps(row)
    stored_name = session_data.get("session_name") if isinstance(session_data, dict) else None
    name = derive_session_name(session_type, stored_name, None, (name_source(run) for run in runs))
    common = {
        "session_summary": session_summary(row["summary"]),
        "session_state": session_data.get("session_state") if data_truthy else None,
        "total_tokens": (metrics or {}).get("total_tokens") if data_truthy else None,
        "metrics": metrics,
        "chat_history": chat_history(runs),
        "created_at": created_at,
        "updated_at": updated_at,
    }
    if session_type == "agent":
        return {
            "user_id": row["user_id"],
            "agent_session_id": row["session_id"],
            "session_id": row["session_id"],
            "session_name": name,
            "session_summary": common["session_summary"],
            "session_state": common["session_state"],
            "agent_id": row["agent_id"] or None,
            "total_tokens": common["total_tokens"],
            "agent_data": row["agent_data"],
            "metrics": common["metrics"],
            "metadata": agent_metadata(row["metadata"], adapter_sdk(row["agent_data"])),
            "chat_history": common["chat_history"],
            "created_at": created_at,
            "updated_at": updated_at,
        }
    return {
        "session_id": row["session_id"],
        "session_name": name,
        "user_id": row["user_id"],
        "team_id": row["team_id"],
        "session_summary": common["session_summary"],
        "session_state": common["session_state"],
        "metrics": common["metrics"],
        "team_data": row["team_data"],
        "metadata": row["metadata"],
        "chat_history": common["chat_history"],
        "created_at": created_at,
        "updated_at": updated_at,
        "total_tokens": common["total_tokens"],
    }


def _workflow_detail(row: Row, runs: list[Any]) -> Json:
    # agno's WorkflowSession defaults these three to {} (contract §5.3).
    session_data = row["session_data"] if row["session_data"] is not None else {}
    workflow_data = row["workflow_data"] if row["workflow_data"] is not None else {}
    metadata = row["metadata"] if row["metadata"] is not None else {}
    state = obj(session_data).get("session_state") if session_data else None
    created_at, updated_at = _timestamps(row)
    return {
        "user_id": row["user_id"],
        "workflow_id": row["workflow_id"],
        "workflow_name": None,
        "session_id": row["session_id"],
        "session_name": derive_session_name(
            "workflow", obj(session_data).get("session_name"), obj(workflow_data).get("name"), map(name_source, runs)
        ),
        "session_data": session_data,
        "session_state": state,
        "workflow_data": workflow_data,
        "metadata": metadata,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def session_summary(summary: Any) -> Json | None:
    """agno's SessionSummary round trip: null keys dropped, updated_at re-formatted by Python's isoformat."""
    if not summary or not isinstance(summary, dict):
        return None
    shaped = {
        "summary": summary.get("summary"),
        "topics": summary.get("topics"),
        "updated_at": _python_isoformat(summary.get("updated_at")),
    }
    return without_nulls(shaped)


def _python_isoformat(value: Any) -> Any:
    """agno's datetime round trip of summary.updated_at; a value it cannot parse is kept as stored."""
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        return value


def normalize_summary(summary: dict[str, Any]) -> Json:
    """The summary as PATCH stores it; unknown or missing keys are rejected like agno's dataclass does."""
    unknown = set(summary) - {"summary", "topics", "updated_at"}
    if unknown or "summary" not in summary:
        raise ValueError(f"invalid summary keys: {sorted(unknown) or ['summary (missing)']}")
    if summary.get("updated_at"):
        # agno parses it with datetime.fromisoformat (a 500 there); an unparsable time is a client error.
        datetime.datetime.fromisoformat(str(summary["updated_at"]))
    shaped = session_summary(summary)
    assert shaped is not None
    return shaped


def chat_history(runs: list[Any]) -> list[Json]:
    """User and assistant messages of top-level runs, re-serialised like agno's Message (contract §3.6)."""
    history = []
    for run in runs:
        if run.get("parent_run_id") is not None:
            continue
        for message in objects(run.get("messages")):
            if message.get("from_history") or message.get("role") in ("system", "tool"):
                continue
            history.append(chat_message(message))
    return history


def chat_message(message: Mapping[str, Any]) -> Json:
    """One message as agno's Message.to_dict renders it."""
    shaped: Json = {}
    for key in MESSAGE_KEYS:
        value = message.get(key, MESSAGE_DEFAULTS.get(key))
        if value is None or (isinstance(value, (list, dict)) and not value):
            continue
        shaped[key] = value
    for key in MESSAGE_MEDIA_KEYS:
        if message.get(key):
            shaped[key] = message[key]
    metrics = message.get("metrics")
    if isinstance(metrics, dict):
        kept = {key: metrics[key] for key in MESSAGE_METRIC_KEYS if _metric_kept(metrics.get(key))}
        if kept:
            shaped["metrics"] = kept
    shaped["created_at"] = message.get("created_at")
    return shaped


def _metric_kept(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, int) and value == 0:
        return False
    return not (isinstance(value, dict) and not value)


def page_meta(query: SessionQuery, total_count: int) -> Json:
    """PaginationInfo of a listing; page and limit echo the request (contract §4.1)."""
    return {
        "page": query.page,
        "limit": query.limit,
        "total_pages": -(-total_count // query.limit),
        "total_count": total_count,
        "search_time_ms": 0.0,
    }


# --- writes --------------------------------------------------------------------


def new_session_columns(create: CreateParams, session_id: str) -> Json:
    """Column values of a new session, JSON nulls where agno's writer names a column (contract §2.2)."""
    session_data: Json = {}
    if create.session_state is not None:
        session_data["session_state"] = create.session_state
    if create.session_name is not None:
        session_data["session_name"] = create.session_name
    metadata = strip_reserved_metadata(create.metadata)
    values: Json = {
        "session_id": session_id,
        "session_type": create.session_type,
        "agent_id": None,
        "team_id": None,
        "workflow_id": None,
        "user_id": create.user_id,
        "session_data": session_data or None,
        "metadata": metadata,
        "summary": None,
    }
    if create.session_type == "agent":
        values.update(agent_id=create.agent_id, agent_data=None)
    elif create.session_type == "team":
        values.update(team_id=create.team_id, team_data=None)
    else:
        # agno's WorkflowSession defaults its JSON fields to {} (contract §2.2).
        values.update(workflow_id=create.workflow_id, workflow_data={}, session_data=session_data, metadata=metadata or {})
    return values


def patched_columns(update: UpdateParams, session_type: str, row: Row, summary: Json | None) -> Json:
    """The columns agno's upsert rewrites after a PATCH, with its merge rules (contract §4.5)."""
    session_data = row["session_data"]
    metadata = row["metadata"]
    component_data = row[f"{session_type}_data"]
    if session_type == "workflow":
        # agno's WorkflowSession defaults its JSON fields to {}.
        session_data = {} if session_data is None else session_data
        metadata = {} if metadata is None else metadata
        component_data = {} if component_data is None else component_data
    if update.session_name is not None or update.session_state is not None:
        session_data = dict(obj(session_data))
        if update.session_name is not None:
            session_data["session_name"] = update.session_name
        if update.session_state is not None:
            session_data["session_state"] = update.session_state
    if update.metadata is not None:
        metadata = strip_reserved_metadata(update.metadata)
    return {
        "session_type": session_type,
        "component_id": row[f"{session_type}_id"],
        "component_data": component_data,
        "session_data": session_data,
        "metadata": metadata,
        # agno's WorkflowSession has no summary, so a workflow PATCH leaves it as stored.
        "summary": summary if summary is not None and session_type != "workflow" else row["summary"],
    }


# --- runs ----------------------------------------------------------------------


def run_input(run: Mapping[str, Any], *, workflow: bool = False) -> str:
    """agno's get_run_input (contract §3.3)."""
    data = run.get("input")
    if not workflow and isinstance(data, dict) and data.get("input_content") is not None:
        return stringify(data["input_content"])
    if workflow:
        if data is not None:
            return stringify(data)
        executor_runs = run.get("step_executor_runs") or []
        if executor_runs:
            for message in reversed(objects(obj(executor_runs[0]).get("messages"))):
                if message.get("role") == "user":
                    return message.get("content", "")  # type: ignore[no-any-return]
    for message in reversed(objects(run.get("messages"))):
        if message.get("role") == "user":
            return message.get("content", "")  # type: ignore[no-any-return]
    return ""


def input_media(run: Mapping[str, Any]) -> Json:
    """The run's input media lists; note the key `audios` (contract §3.4)."""
    data = obj(run.get("input"))
    media: Json = {"images": [], "videos": [], "audios": [], "files": []}
    for key in media:
        if isinstance(data.get(key), list):
            media[key].extend(data[key])
    return media


def _non_empty_list(run: Mapping[str, Any], key: str) -> Any:
    return list(run[key]) if run.get(key) else None


def _format(run: Mapping[str, Any]) -> str:
    return "text" if run.get("content_type", "str") == "str" else "json"


def _trailing_nulls(run: Mapping[str, Any]) -> Json:
    return {key: run.get(key) for key in RUN_TRAILING_NULL_KEYS}


def agent_run(run: Mapping[str, Any], session: Row | None = None) -> Json:
    """RunSchema; the session's sdk label applies only to its own agent's runs (contract §3.5)."""
    agent_data = None
    if (
        session is not None
        and detect_session_type(session) == "agent"
        and run.get("agent_id") in (None, session.get("agent_id"))
    ):
        agent_data = session.get("agent_data")
    return {
        "run_id": run.get("run_id", ""),
        "parent_run_id": run.get("parent_run_id", ""),
        "agent_id": run.get("agent_id", ""),
        "user_id": run.get("user_id", ""),
        "status": run.get("status"),
        "cancellation_stage": run.get("cancellation_stage"),
        "run_input": run_input(run),
        "content": run.get("content", ""),
        "run_response_format": _format(run),
        "reasoning_content": run.get("reasoning_content", ""),
        "reasoning_steps": run.get("reasoning_steps", []),
        "metrics": run.get("metrics", {}),
        "metadata": agent_metadata(run.get("metadata"), adapter_sdk(agent_data)),
        "messages": _non_empty_list(run, "messages"),
        "tools": _non_empty_list(run, "tools"),
        "events": _non_empty_list(run, "events"),
        "created_at": iso_datetime(run.get("created_at")),
        "references": run.get("references", []),
        "citations": run.get("citations"),
        "reasoning_messages": run.get("reasoning_messages", []),
        "session_state": run.get("session_state"),
        "images": run.get("images", []),
        "videos": run.get("videos", []),
        "audio": run.get("audio", []),
        "files": run.get("files", []),
        "response_audio": run.get("response_audio"),
        "input_media": input_media(run),
        **_trailing_nulls(run),
    }


def team_run(run: Mapping[str, Any]) -> Json:
    """TeamRunSchema (contract §5.5)."""
    return {
        "run_id": run.get("run_id", ""),
        "parent_run_id": run.get("parent_run_id", ""),
        "team_id": run.get("team_id", ""),
        "user_id": run.get("user_id"),
        "status": run.get("status"),
        "cancellation_stage": run.get("cancellation_stage"),
        "content": run.get("content", ""),
        "reasoning_content": run.get("reasoning_content", ""),
        "reasoning_steps": run.get("reasoning_steps", []),
        "run_input": run_input(run),
        "run_response_format": _format(run),
        "metrics": run.get("metrics", {}),
        "tools": _non_empty_list(run, "tools"),
        "messages": _non_empty_list(run, "messages"),
        "events": _non_empty_list(run, "events"),
        "created_at": iso_datetime(run.get("created_at")),
        "references": run.get("references", []),
        "citations": run.get("citations"),
        "reasoning_messages": run.get("reasoning_messages", []),
        "session_state": run.get("session_state"),
        "input_media": input_media(run),
        "images": run.get("images", []),
        "videos": run.get("videos", []),
        "audio": run.get("audio", []),
        "files": run.get("files", []),
        "response_audio": run.get("response_audio"),
        **_trailing_nulls(run),
    }


def workflow_run(run: Mapping[str, Any]) -> Json:
    """WorkflowRunSchema (contract §5.6)."""
    return {
        "run_id": run.get("run_id", ""),
        "run_input": run_input(run, workflow=True),
        "events": run.get("events", []),
        "workflow_id": run.get("workflow_id", ""),
        "user_id": run.get("user_id", ""),
        "content": run.get("content", ""),
        "content_type": run.get("content_type", ""),
        "status": run.get("status", ""),
        "cancellation_stage": run.get("cancellation_stage"),
        "step_results": run.get("step_results", []),
        "step_executor_runs": run.get("step_executor_runs", []),
        "step_requirements": run.get("step_requirements"),
        "pause_kind": run.get("pause_kind"),
        "paused_step_name": run.get("paused_step_name"),
        "paused_step_index": run.get("paused_step_index"),
        "metrics": run.get("metrics", {}),
        "created_at": iso_datetime(run.get("created_at")),
        "reasoning_content": run.get("reasoning_content", ""),
        "reasoning_steps": run.get("reasoning_steps", []),
        "references": run.get("references", []),
        "citations": run.get("citations"),
        "reasoning_messages": run.get("reasoning_messages", []),
        "images": run.get("images", []),
        "videos": run.get("videos", []),
        "audio": run.get("audio", []),
        "files": run.get("files", []),
        "response_audio": run.get("response_audio"),
    }


def classify_run(run: Mapping[str, Any], session_type: str, session: Row) -> Json | None:
    """Render a run of a session listing by the session's type; team sessions drop anonymous runs."""
    if session_type == "agent":
        return agent_run(run, session)
    if session_type == "team":
        if run.get("agent_id") is not None:
            return agent_run(run)
        if run.get("team_id") is not None:
            return team_run(run)
        return None
    if run.get("workflow_id") is not None:
        return workflow_run(run)
    if run.get("team_id") is not None:
        return team_run(run)
    return agent_run(run)


def single_run(run: Mapping[str, Any], session: Row) -> Json:
    """GET /sessions/{id}/runs/{run_id}: the schema follows the run's own ids (contract §4.10)."""
    if run.get("workflow_id") is not None:
        return workflow_run(run)
    if run.get("team_id") is not None:
        return team_run(run)
    return agent_run(run, session)


def run_preview(rendered: Json) -> Json:
    """SessionRunPreviewSchema, built from an already rendered run (contract §4.9)."""
    return {
        "run_id": rendered["run_id"],
        "parent_run_id": rendered.get("parent_run_id"),
        "agent_id": rendered.get("agent_id"),
        "team_id": rendered.get("team_id"),
        "workflow_id": rendered.get("workflow_id"),
        "user_id": rendered.get("user_id"),
        "status": rendered.get("status"),
        "run_input": _preview(rendered.get("run_input")),
        "content_preview": _preview(rendered.get("content")),
        "created_at": rendered.get("created_at"),
    }


def _preview(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:RUN_PREVIEW_CHARS]
