"""agno 3.1.10's derivation rules (contract §3): names, types, timestamps, inputs, metadata.

Shared by rendering and write planning; each rule exists once.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final

from .jsonutil import python_dumps, python_str
from .records import Json, NameSource


SESSION_TYPES: Final = ("agent", "team", "workflow")
RUN_STATUSES: Final = ("PENDING", "RUNNING", "PAUSED", "COMPLETED", "CANCELLED", "ERROR", "REGENERATED")

# Keys agno's runtime owns; stripped from metadata on create and PATCH (contract §4.2).
RESERVED_METADATA_KEYS: Final = frozenset({"agno_component_version", "agno_dispatch_chain", "agno_dispatch_depth"})


def obj(value: Any) -> Json:
    """A JSON object as read from storage, or {} when the stored value is anything else."""
    return value if isinstance(value, dict) else {}


def objects(value: Any) -> list[Json]:
    """The objects of a stored JSON list; anything else (a scalar, an object, non-object items) is skipped."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


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
        return python_dumps(value, indent=2)
    if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get("role") == "user":
        return value[0].get("content", python_str(value))  # type: ignore[no-any-return]
    return python_str(value)


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
            return python_dumps(first_input)
        return f"New {workflow_name} Session" if workflow_name else ""
    if session_type == "team":
        runs = [run for run in runs if not run.has_agent_id]
    for run in runs:
        if run.first_user_content:
            return stringify(run.first_user_content)
        if run.input is not None:
            return stringify(run.input)
    return ""


def session_runs_kept(session_type: str, runs: list[Any]) -> list[Any]:
    """The runs agno's session object keeps when it loads a row (contract §3.2 item 3)."""
    if session_type == "workflow":
        return [run for run in runs if run_type(run) == "workflow"]
    return [run for run in runs if "agent_id" in run or "team_id" in run]


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
