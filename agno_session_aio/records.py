"""The records the store returns and the views pass on: plain data, no rules."""

from __future__ import annotations

from typing import Any, NamedTuple

import attrs


Row = dict[str, Any]

Json = dict[str, Any]


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
    # agno 2.x's legacy runs where they decide the derived name: the blob as selected, then (store) the
    # session's merged runs; None otherwise.
    legacy_runs: Any


class SessionWithRuns(NamedTuple):
    """A session row and its runs in storage order (a run stored as anything but an object is left out)."""

    row: Row
    runs: list[Json]


class PatchedSession(NamedTuple):
    """A session as a PATCH left it, and the type it was loaded and saved as."""

    row: Row
    runs: list[Json]
    loaded_as: str


@attrs.frozen(slots=True, kw_only=True)
class SessionChanges:
    """The columns a PATCH rewrites, as the type the row is saved as (writes.patched_columns)."""

    session_type: str
    component_id: Any
    component_data: Any
    session_data: Any
    metadata: Any
    summary: Any


@attrs.frozen(slots=True)
class SessionPage:
    """One page of list items plus the total count of matching sessions."""

    items: list[SessionListRecord]
    total_count: int
