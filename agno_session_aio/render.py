"""The JSON shaping of every resource, as AgentOS 3.1.10 renders it.

One function per resource. Field order follows agno's pydantic schemas (contract §5); `exclude_none`
routes drop null fields in the view via `without_nulls`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Final

from .jsonutil import python_dumps
from .records import Json, NameSource, Row, SessionListRecord, SessionQuery
from .rules import (
    adapter_sdk,
    agent_metadata,
    derive_session_name,
    detect_session_type,
    detect_session_type_of,
    input_media,
    iso_datetime,
    name_source,
    obj,
    objects,
    run_input,
    session_runs_kept,
)


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


def without_nulls(value: Json) -> Json:
    """FastAPI's response_model_exclude_none: drop null fields at every model level."""
    return {key: val for key, val in value.items() if val is not None}


def session_list_item(item: SessionListRecord) -> Json:
    """SessionSchema: one item of GET /sessions (nulls dropped by the caller)."""
    session_type = detect_session_type_of(item.session_type, item.agent_id, item.team_id, item.workflow_id)
    metrics = item.metrics if isinstance(item.metrics, dict) else None
    if item.legacy_runs is not None:
        # merged with agno 2.x's legacy runs (store/legacy.py): every run, as the detail reads them
        sources = [name_source(run) for run in item.legacy_runs if isinstance(run, dict)]
    else:
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


def session_detail(session_type: str, row: Row, runs: list[Any], *, loaded_as: str | None = None) -> Json:
    """The agent, team or workflow detail schema of a session, rendered as `session_type`.

    Only the stored runs the session object keeps are shown: those of the type it was loaded as, which
    is the rendered type except after a PATCH (agno re-saves the loaded object and answers with the
    stored type, its runs not filtered again).
    """
    kept = session_runs_kept(loaded_as or session_type, runs)
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
    text = value if isinstance(value, str) else python_dumps(value)
    return text[:RUN_PREVIEW_CHARS]
