"""Write planning: the column values agno's writer would store for a create or a PATCH (contract §2, §4.5)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from .records import Json, Row, SessionChanges
from .render import session_summary
from .rules import obj, strip_reserved_metadata

if TYPE_CHECKING:
    from .params import CreateParams, UpdateParams


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


def new_session_columns(create: CreateParams, session_id: str, owner: str | None) -> Json:
    """Column values of a new session owned by `owner`, JSON nulls where agno's writer names a column
    (contract §2.2)."""
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
        "user_id": owner,
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


def patched_columns(update: UpdateParams, session_type: str, row: Row, summary: Json | None) -> SessionChanges:
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
    return SessionChanges(
        session_type=session_type,
        component_id=row[f"{session_type}_id"],
        component_data=component_data,
        session_data=session_data,
        metadata=metadata,
        # agno's WorkflowSession has no summary: its save writes JSON null there, whatever was stored.
        summary=None if session_type == "workflow" else summary if summary is not None else row["summary"],
    )
